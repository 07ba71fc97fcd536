//! Commitments: who may commit, when, once, and what starts the reveal phase.

use super::*;
use polkadot_sdk::{
	frame_support::{assert_noop, dispatch::Pays},
	sp_runtime::DispatchError,
};

/// The error of a refused call.
fn error(result: DispatchResultWithPostInfo) -> DispatchError {
	result.expect_err("refused").error
}

/// An accepted commitment is recorded, free, and the last one starts the reveal phase at
/// once. Fails if a commitment is charged, not stored, or the phase does not move.
#[test]
fn commitments_are_free_and_the_last_one_opens_the_reveal_phase() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let workers = run_selection(id);
		let result = success(b"out", 5);
		System::reset_events();
		for (n, who) in workers.iter().enumerate() {
			let info = commit(*who, id, &result).expect("accepted");
			assert_eq!(info.pays_fee, Pays::No);
			let hash = commitment(&result, &salt(*who), who);
			assert_eq!(job(id).workers[n].state, WorkerState::Committed(hash));
		}
		let now = System::block_number();
		assert_eq!((job(id).status, job(id).due), (JobStatus::Revealing, now + REVEAL_WINDOW));
		assert_eq!(
			compute_events(),
			vec![
				Event::Committed { job: id, worker: workers[0] },
				Event::Committed { job: id, worker: workers[1] },
				Event::Committed { job: id, worker: workers[2] },
				Event::RevealPhase { job: id, until: now + REVEAL_WINDOW },
			]
		);
	});
}

/// Every refusal: an unknown job, a provider not drawn, before selection, twice, a copy of
/// another worker's commitment, after the window. Fails if any is accepted or returns
/// another error.
#[test]
fn commit_result_refuses_strangers_repeats_copies_and_late_commitments() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let result = success(b"out", 5);
		assert_eq!(error(commit(1, id, &result)), Error::<Test>::NotCommitPhase.into());
		let workers = run_selection(id);
		let stranger = (1..=8).find(|who| !workers.contains(who)).unwrap();
		assert_eq!(error(commit(1, id + 1, &result)), Error::<Test>::UnknownJob.into());
		assert_eq!(error(commit(stranger, id, &result)), Error::<Test>::NotAssigned.into());
		assert_ok!(commit(workers[0], id, &result));
		assert_eq!(error(commit(workers[0], id, &result)), Error::<Test>::AlreadyCommitted.into());
		// The same bytes as worker 0's commitment.
		let copied = commitment(&result, &salt(workers[0]), &workers[0]);
		assert_noop!(
			Compute::commit_result(RuntimeOrigin::signed(workers[1]), id, copied),
			Error::<Test>::CopiedCommitment
		);
		assert_ok!(commit(workers[1], id, &result));
		run_to_block(job(id).due);
		assert_eq!(job(id).status, JobStatus::Revealing);
		assert_eq!(error(commit(workers[2], id, &result)), Error::<Test>::NotCommitPhase.into());
	});
}

/// A commit window whose end the schedule carried over is closed all the same at its end
/// block. Fails if a commitment is taken at or after `due` while the job still reads
/// `Committing`.
#[test]
fn the_commit_window_closes_at_its_end_even_when_the_hook_is_late() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let workers = run_selection(id);
		// The hook does not run at the end block (as when carried over).
		System::set_block_number(job(id).due);
		assert_eq!(job(id).status, JobStatus::Committing);
		assert_eq!(
			error(commit(workers[0], id, &success(b"out", 5))),
			Error::<Test>::NotCommitPhase.into()
		);
	});
}
