//! Reveals: who may reveal, when, and which results are well formed.

use super::*;
use polkadot_sdk::{frame_support::dispatch::Pays, sp_runtime::DispatchError};

/// The error of a refused call.
fn error(result: DispatchResultWithPostInfo) -> DispatchError {
	result.expect_err("refused").error
}

/// A job of 3 replicas in its commit phase where workers 0 and 1 committed to `result`.
fn two_committed(result: &JobResultOf<Test>) -> (JobId, Vec<AccountId>) {
	let id = submit(CLIENT, 3, REWARD);
	let workers = run_selection(id);
	assert_ok!(commit(workers[0], id, result));
	assert_ok!(commit(workers[1], id, result));
	(id, workers)
}

/// An accepted reveal is free and stored once per distinct result with its count; the last
/// one schedules the resolution for the next block. Fails if a reveal is charged, the
/// count or state is wrong, or the resolution is not moved forward.
#[test]
fn reveals_are_free_counted_per_result_and_the_last_one_brings_resolution_forward() {
	ExtBuilder::default().build_and_execute(|| {
		let result = success(b"out", 5);
		let (id, workers) = two_committed(&result);
		assert_ok!(commit(workers[2], id, &result));
		System::reset_events();
		let hash = result_hash(&result);
		let info = reveal(workers[0], id, &result).expect("accepted");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(job(id).workers[0].state, WorkerState::Revealed(hash));
		assert_eq!(Reveals::<Test>::get(id, hash).map(|r| r.count), Some(1));
		let until = job(id).due;
		assert_ok!(reveal(workers[1], id, &result));
		assert_eq!(Reveals::<Test>::get(id, hash).map(|r| r.count), Some(2));
		assert_eq!(job(id).due, until);
		assert_ok!(reveal(workers[2], id, &result));
		assert_eq!(job(id).due, System::block_number() + 1);
		assert_eq!(
			compute_events(),
			workers
				.iter()
				.map(|who| Event::Revealed { job: id, worker: *who, result_hash: hash })
				.collect::<Vec<_>>()
		);
	});
}

/// Every refusal of timing and identity: before the commit phase ends, an unknown job, a
/// stranger, a worker that did not commit, twice, after the window. Fails if any is
/// accepted or returns another error.
#[test]
fn reveal_result_refuses_early_strangers_uncommitted_repeats_and_late_reveals() {
	ExtBuilder::default().build_and_execute(|| {
		let result = success(b"out", 5);
		let (id, workers) = two_committed(&result);
		// The commit phase has not ended: nobody reveals yet.
		assert_eq!(error(reveal(workers[0], id, &result)), Error::<Test>::NotRevealPhase.into());
		run_to_block(job(id).due);
		assert_eq!(job(id).status, JobStatus::Revealing);
		let stranger = (1..=8).find(|who| !workers.contains(who)).unwrap();
		assert_eq!(error(reveal(workers[0], id + 1, &result)), Error::<Test>::UnknownJob.into());
		assert_eq!(error(reveal(stranger, id, &result)), Error::<Test>::NotAssigned.into());
		// Worker 2 missed its commitment.
		assert_eq!(error(reveal(workers[2], id, &result)), Error::<Test>::NotCommitted.into());
		assert_ok!(reveal(workers[0], id, &result));
		assert_eq!(error(reveal(workers[0], id, &result)), Error::<Test>::AlreadyRevealed.into());
		run_to_block(job(id).due - 1);
		System::set_block_number(job(id).due);
		assert_eq!(error(reveal(workers[1], id, &result)), Error::<Test>::NotRevealPhase.into());
	});
}

/// A result other than the one committed, the right result with another salt, or a
/// commitment made for another account, does not open. Fails if any is accepted.
#[test]
fn a_reveal_must_open_the_workers_own_commitment() {
	ExtBuilder::default().build_and_execute(|| {
		let result = success(b"out", 5);
		let (id, workers) = two_committed(&result);
		run_to_block(job(id).due);
		let other = success(b"other", 5);
		assert_eq!(error(reveal(workers[0], id, &other)), Error::<Test>::RevealMismatch.into());
		let wrong_salt =
			Compute::reveal_result(RuntimeOrigin::signed(workers[0]), id, result.clone(), [0; 32]);
		assert_eq!(error(wrong_salt), Error::<Test>::RevealMismatch.into());
		// Worker 1 reveals with worker 0's salt: its commitment bound its own account.
		let borrowed = Compute::reveal_result(
			RuntimeOrigin::signed(workers[1]),
			id,
			result.clone(),
			salt(workers[0]),
		);
		assert_eq!(error(borrowed), Error::<Test>::RevealMismatch.into());
		assert_ok!(reveal(workers[0], id, &result));
	});
}

/// Results whose output does not fit their outcome, or whose size is out of bounds, are
/// refused even when they open the commitment, as is fuel used by an input that did not
/// open; kept outputs within bounds and non-success outcomes without output are accepted. Fails if a malformed result is accepted, a
/// well-formed one refused, or the error is another.
#[test]
fn malformed_results_are_refused() {
	let kept = |len| JobResult {
		kind: JobOutcomeKind::Success,
		fuel_used: 5,
		output: JobOutput::Kept { hash: [3; 32], len },
	};
	let cases: Vec<(JobResultOf<Test>, Option<Error<Test>>)> = vec![
		(
			JobResult { kind: JobOutcomeKind::Success, fuel_used: 5, output: JobOutput::None },
			Some(Error::MalformedResult),
		),
		(
			JobResult {
				kind: JobOutcomeKind::OutOfFuel,
				fuel_used: FUEL,
				output: JobOutput::Inline(bounded(b"partial")),
			},
			Some(Error::MalformedResult),
		),
		(success(b"out", FUEL + 1), Some(Error::MalformedResult)),
		(kept(u64::from(MAX_INLINE_OUTPUT)), Some(Error::OutputShouldBeInline)),
		(kept(MAX_KEPT_OUTPUT + 1), Some(Error::KeptOutputTooLarge)),
		(kept(u64::from(MAX_INLINE_OUTPUT) + 1), None),
		(kept(MAX_KEPT_OUTPUT), None),
		(success(&[7; MAX_INLINE_OUTPUT as usize], FUEL), None),
		(
			JobResult { kind: JobOutcomeKind::OutOfFuel, fuel_used: FUEL, output: JobOutput::None },
			None,
		),
		// The program never ran on an input that did not open: no fuel was used.
		(
			JobResult {
				kind: JobOutcomeKind::InputUnreadable,
				fuel_used: 1,
				output: JobOutput::None,
			},
			Some(Error::MalformedResult),
		),
		(
			JobResult {
				kind: JobOutcomeKind::InputUnreadable,
				fuel_used: 0,
				output: JobOutput::None,
			},
			None,
		),
	];
	for (result, expected) in cases {
		ExtBuilder::default().build_and_execute(|| {
			let (id, workers) = two_committed(&result);
			run_to_block(job(id).due);
			match expected {
				Some(e) => {
					assert_eq!(error(reveal(workers[0], id, &result)), e.into(), "{result:?}")
				},
				None => {
					assert_ok!(reveal(workers[0], id, &result));
				},
			}
		});
	}
}
