//! Submission: what a job holds and records, and every error `submit_job` returns.

use super::*;
use polkadot_sdk::{frame_support::assert_noop, sp_runtime::DispatchError};

/// Fails if the reward is not held in full, the record or spec is not what was submitted,
/// the job is not scheduled for its selection, or the event differs.
#[test]
fn submit_job_holds_the_reward_and_schedules_the_selection() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		assert_eq!(id, 0);
		assert_eq!(escrowed(CLIENT), REWARD);
		assert_eq!(free(CLIENT), ENDOWMENT - REWARD);
		let record = job(id);
		assert_eq!(
			(record.client, record.replicas, record.reward, record.escrow, record.round),
			(CLIENT, 3, REWARD, REWARD, 0)
		);
		assert_eq!((record.status, record.due), (JobStatus::Selecting, 1 + SELECTION_DELAY));
		assert_eq!(record.fuel, FUEL);
		assert_eq!(record.deadline, 1 + DEADLINE);
		assert!(record.workers.is_empty());
		assert_eq!(JobSpecs::<Test>::get(id), Some(spec()));
		assert!(Due::<Test>::contains_key(1 + SELECTION_DELAY, id));
		assert_eq!(Compute::jobs_of(&CLIENT), vec![id]);
		assert_eq!(
			compute_events(),
			vec![Event::JobSubmitted {
				job: id,
				client: CLIENT,
				replicas: 3,
				reward: REWARD,
				deadline: 1 + DEADLINE,
				selection_at: 1 + SELECTION_DELAY,
			}]
		);
		assert_eq!(submit(CLIENT, 1, MIN_REWARD), 1);
		assert_eq!(escrowed(CLIENT), REWARD + MIN_REWARD);
	});
}

/// Each bound, one past its edge, is refused with its own error and changes nothing; the
/// edges themselves are accepted. Fails if any bound is off by one or returns another error.
#[test]
fn every_bound_of_submit_job_is_checked() {
	ExtBuilder::default().build_and_execute(|| {
		let with = |change: fn(&mut JobSpec<Test>)| {
			let mut spec = spec();
			change(&mut spec);
			spec
		};
		let refused = [
			(
				with(|s| s.program = JobSource::Inline(bounded(&[]))),
				3,
				300,
				DEADLINE,
				Error::<Test>::EmptyProgram,
			),
			(with(|s| s.fuel = 0), 3, 300, DEADLINE, Error::<Test>::BadFuel),
			(with(|s| s.fuel = MAX_FUEL + 1), 3, 300, DEADLINE, Error::<Test>::BadFuel),
			(with(|s| s.memory_bytes = 0), 3, 300, DEADLINE, Error::<Test>::BadMemory),
			(with(|s| s.memory_bytes = MAX_MEMORY + 1), 3, 300, DEADLINE, Error::<Test>::BadMemory),
			(spec(), 0, 300, DEADLINE, Error::<Test>::BadReplicas),
			(spec(), MAX_REPLICAS + 1, 300, DEADLINE, Error::<Test>::BadReplicas),
			(spec(), 3, 3 * MIN_REWARD - 1, DEADLINE, Error::<Test>::RewardTooLow),
			(spec(), 3, 300, MIN_DEADLINE - 1, Error::<Test>::BadDeadline),
			(spec(), 3, 300, MAX_DEADLINE + 1, Error::<Test>::BadDeadline),
		];
		for (spec, replicas, reward, deadline, error) in refused {
			assert_noop!(submit_spec(CLIENT, spec, replicas, reward, deadline), error);
		}
		assert_ok!(submit_spec(
			CLIENT,
			with(|s| {
				s.fuel = MAX_FUEL;
				s.memory_bytes = MAX_MEMORY;
			}),
			MAX_REPLICAS,
			MIN_REWARD * MAX_REPLICAS as Balance,
			MIN_DEADLINE,
		));
		assert_ok!(submit_spec(CLIENT, spec(), 1, MIN_REWARD, MAX_DEADLINE));
		// An empty inline input is fine: a program may read nothing.
		assert_ok!(submit_spec(
			CLIENT,
			with(|s| s.input = JobSource::Inline(bounded(&[]))),
			1,
			10,
			20
		));
		assert_eq!(NextJobId::<Test>::get(), 3);
	});
}

/// More replicas than compute providers, or a reward the client cannot hold, is refused
/// before anything is held. Fails if either is accepted or returns another error.
#[test]
fn submit_job_needs_enough_providers_and_funds() {
	ExtBuilder::default().providers(2).build_and_execute(|| {
		assert_noop!(
			submit_spec(CLIENT, spec(), 3, REWARD, DEADLINE),
			Error::<Test>::NotEnoughProviders
		);
		assert_noop!(
			submit_spec(CLIENT, spec(), 2, ENDOWMENT, DEADLINE),
			pallet_xmbl_providers::Error::<Test>::InsufficientBalance
		);
		assert_ok!(submit_spec(CLIENT, spec(), 2, REWARD, DEADLINE));
	});
}

/// A stored program or input must be an active deal of the client's: a missing deal, a deal
/// of someone else's and an inactive deal are each refused with their error, for either
/// source. Fails if any is accepted or the error is another.
#[test]
fn stored_sources_must_be_active_deals_of_the_client() {
	ExtBuilder::default().build_and_execute(|| {
		store_file(1, CLIENT, true);
		store_file(2, OTHER, true);
		store_file(3, CLIENT, false);
		for (deal, error) in [
			(9, DispatchError::from(Error::<Test>::DealNotFound)),
			(2, Error::<Test>::NotDealOwner.into()),
			(3, Error::<Test>::DealNotActive.into()),
		] {
			let mut program = spec();
			program.program = JobSource::Deal(deal);
			assert_noop!(submit_spec(CLIENT, program, 3, REWARD, DEADLINE), error);
			let mut input = spec();
			input.input = JobSource::Deal(deal);
			assert_noop!(submit_spec(CLIENT, input, 3, REWARD, DEADLINE), error);
		}
		let mut stored = spec();
		stored.program = JobSource::Deal(1);
		stored.input = JobSource::Deal(1);
		stored.input_key = Some([5; 32]);
		assert_ok!(submit_spec(CLIENT, stored.clone(), 3, REWARD, DEADLINE));
		assert_eq!(JobSpecs::<Test>::get(0), Some(stored));
		// The same deal is someone else's to OTHER.
		let mut theirs = spec();
		theirs.input = JobSource::Deal(1);
		assert_noop!(submit_spec(OTHER, theirs, 3, REWARD, DEADLINE), Error::<Test>::NotDealOwner);
	});
}

/// What every worker could not read is refused at submission, so no honest worker is slashed
/// for it: a stored program over `MaxStoredProgram` or encrypted, a stored input over
/// `MaxStoredInput`, an encrypted input without a key. Fails if one is accepted, if the error
/// is another, or if a file at the bounds (or an encrypted input with its key) is refused.
#[test]
fn stored_sources_workers_cannot_read_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		store_file_of(1, CLIENT, MAX_STORED_PROGRAM, false);
		store_file_of(2, CLIENT, MAX_STORED_PROGRAM + 1, false);
		store_file_of(3, CLIENT, 100, true);
		store_file_of(4, CLIENT, MAX_STORED_INPUT, true);
		store_file_of(5, CLIENT, MAX_STORED_INPUT + 1, false);
		let with = |program: Option<DealId>, input: Option<DealId>, key: Option<[u8; 32]>| {
			let mut spec = spec();
			if let Some(deal) = program {
				spec.program = JobSource::Deal(deal);
			}
			if let Some(deal) = input {
				spec.input = JobSource::Deal(deal);
			}
			spec.input_key = key;
			spec
		};
		for (spec, error) in [
			(with(Some(2), None, None), Error::<Test>::StoredFileTooLarge),
			(with(Some(3), None, None), Error::<Test>::ProgramEncrypted),
			(with(None, Some(5), None), Error::<Test>::StoredFileTooLarge),
			(with(None, Some(4), None), Error::<Test>::InputKeyMissing),
			(with(None, Some(3), None), Error::<Test>::InputKeyMissing),
		] {
			assert_noop!(submit_spec(CLIENT, spec, 3, REWARD, DEADLINE), error);
		}
		assert_ok!(submit_spec(CLIENT, with(Some(1), Some(4), Some([7; 32])), 3, REWARD, DEADLINE));
	});
}
