//! `worker_duties`: what a worker's node reads each block.

use super::*;
use xmbl_primitives::DutyTask;

/// The duty of `who` for job `id` with `task`, from the standard spec.
fn duty(id: JobId, task: DutyTask<u64>) -> WorkerDuty<u64> {
	WorkerDuty {
		job: id,
		task,
		program: JobSource::Inline(b"\0asm\x01\0\0\0".to_vec()),
		input: JobSource::Inline(b"input".to_vec()),
		args: vec![b"-n".to_vec()],
		fuel: FUEL,
		memory_bytes: 1 << 16,
		input_key: None,
	}
}

/// A drawn worker is told to run and commit until the window's end, then (after its
/// commitment and the window) to reveal; nothing once revealed, nothing for a stranger, and
/// nothing while its commitment waits for the reveal phase. Fails if a duty is missing,
/// extra, or names the wrong block, round or job.
#[test]
fn duties_follow_the_phases() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		assert!((1..=8).all(|who| Compute::worker_duties(&who).is_empty()));
		let workers = run_selection(id);
		let until = job(id).due;
		let stranger = (1..=8).find(|who| !workers.contains(who)).unwrap();
		assert_eq!(Compute::worker_duties(&stranger), vec![]);
		assert_eq!(
			Compute::worker_duties(&workers[0]),
			vec![duty(id, DutyTask::RunAndCommit { round: 0, until })]
		);
		let result = success(b"ok", 1);
		assert_ok!(commit(workers[0], id, &result));
		assert_ok!(commit(workers[1], id, &result));
		assert_eq!(Compute::worker_duties(&workers[0]), vec![]);
		run_to_block(until);
		let reveal_until = job(id).due;
		assert_eq!(
			Compute::worker_duties(&workers[0]),
			vec![duty(id, DutyTask::Reveal { round: 0, until: reveal_until })]
		);
		// Worker 2 missed its commitment: released, nothing due.
		assert_eq!(Compute::worker_duties(&workers[2]), vec![]);
		assert_ok!(reveal(workers[0], id, &result));
		assert_eq!(Compute::worker_duties(&workers[0]), vec![]);
		assert_eq!(
			Compute::worker_duties(&workers[1]),
			vec![duty(id, DutyTask::Reveal { round: 0, until: reveal_until })]
		);
	});
}

/// A worker of several jobs gets their duties in job order, with stored sources and the
/// input key as submitted. Fails if the order, the sources or the key differ.
#[test]
fn duties_list_every_job_in_order_with_its_sources() {
	ExtBuilder::default().providers(1).build_and_execute(|| {
		store_file(4, CLIENT, true);
		let mut stored = spec();
		stored.program = JobSource::Deal(4);
		stored.input_key = Some([8; 32]);
		assert_ok!(submit_spec(CLIENT, stored, 1, MIN_REWARD, DEADLINE));
		let inline = submit(CLIENT, 1, MIN_REWARD);
		run_to_block(1 + SELECTION_DELAY);
		let until = 1 + SELECTION_DELAY + COMMIT_WINDOW;
		let mut first = duty(0, DutyTask::RunAndCommit { round: 0, until });
		first.program = JobSource::Deal(4);
		first.input_key = Some([8; 32]);
		assert_eq!(
			Compute::worker_duties(&1),
			vec![first, duty(inline, DutyTask::RunAndCommit { round: 0, until })]
		);
	});
}
