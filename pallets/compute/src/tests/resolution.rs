//! Resolution: majorities paid to the planck, dissenters and absentees slashed, ties and
//! deadlines refunded, workers replaced, finished jobs pruned, and the per-block budget.

use super::*;

/// Worker `n` of job `id` reveals `results[n]` (`None`: it does not).
fn reveal_each(id: JobId, workers: &[AccountId], results: &[Option<JobResultOf<Test>>]) {
	for (who, result) in workers.iter().zip(results) {
		if let Some(result) = result {
			assert_ok!(reveal(*who, id, result));
		}
	}
}

/// Run to job `id`'s next step.
fn run_step(id: JobId) {
	run_to_block(job(id).due);
}

/// The provider events' slash of `who` by `amount`: `(to_client, to_treasury)`.
fn slash_split(amount: Balance, share: Balance) -> (Balance, Balance) {
	(amount.min(share), amount - amount.min(share))
}

/// r = 3, two agree and one dissents: the two are paid 100 each and counted a success, the
/// dissenter is slashed 200 (100 to the client, 100 to the treasury), its share goes back;
/// the result is kept, every slot released. Fails on any amount off by one planck, a wrong
/// event, or state left behind.
#[test]
fn a_majority_is_paid_and_the_dissenter_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let right = success(b"42", 700);
		let wrong = success(b"41", 700);
		let results = [Some(right.clone()), Some(right.clone()), Some(wrong.clone())];
		let workers = committed_job(id, &results);
		reveal_each(id, &workers, &results);
		System::reset_events();
		let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
		run_step(id);
		let now = System::block_number();

		let (to_client, to_treasury) = slash_split(WRONG_SLASH, 100);
		assert_eq!(free(workers[0]), before[0] + 100);
		assert_eq!(free(workers[1]), before[1] + 100);
		assert_eq!(free(workers[2]), before[2]);
		assert_eq!(staked(workers[2]), STAKE - WRONG_SLASH);
		assert_eq!((staked(workers[0]), staked(workers[1])), (STAKE, STAKE));
		assert_eq!(
			(successes(workers[0]), successes(workers[1]), successes(workers[2])),
			(1, 1, 0)
		);
		assert_eq!(escrowed(CLIENT), 0);
		assert_eq!(free(CLIENT), ENDOWMENT - REWARD + 100 + to_client);
		assert_eq!(free(TREASURY), ED + to_treasury);
		assert_eq!(
			compute_events(),
			vec![
				Event::WorkerSlashed {
					job: id,
					worker: workers[2],
					reason: SlashReason::WrongResult,
					slashed: WRONG_SLASH,
					to_client,
				},
				Event::JobRefunded { job: id, amount: 100 },
				Event::JobCompleted {
					job: id,
					kind: JobOutcomeKind::Success,
					fuel_used: 700,
					result_hash: result_hash(&right),
					workers: vec![workers[0], workers[1]],
					share: 100,
					refund: 100,
				},
			]
		);
		assert_eq!(Compute::job_result(id), Some(FinalResult { result: right, at: now }));
		assert_eq!(
			(job(id).status, job(id).escrow, job(id).due),
			(JobStatus::Completed, 0, now + RETENTION)
		);
		assert!(workers.iter().all(|w| slots_used(*w) == 0));
		assert_eq!(WorkerJobs::<Test>::iter().count(), 0);
		assert_eq!(Reveals::<Test>::iter().count(), 0);
	});
}

/// All agree on a reward that does not divide: each is paid `reward / replicas` and the
/// remainder goes back to the client. Fails if the remainder is paid to a worker or lost.
#[test]
fn the_remainder_of_the_reward_goes_back_to_the_client() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, 302);
		let result = success(b"ok", 1);
		let results = [Some(result.clone()), Some(result.clone()), Some(result.clone())];
		let workers = committed_job(id, &results);
		let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
		reveal_each(id, &workers, &results);
		run_step(id);
		for (who, before) in workers.iter().zip(before) {
			assert_eq!(free(*who), before + 100);
		}
		assert_eq!(free(CLIENT), ENDOWMENT - 300);
		assert_eq!(escrowed(CLIENT), 0);
	});
}

/// No result is revealed by more than half of the replicas (1-1 of 2, 1-1-1 of 3): the job
/// fails, the whole reward goes back, nobody is paid or slashed (nobody is shown wrong).
/// Fails if anything is paid or slashed, or the refund is short.
#[test]
fn without_a_majority_the_reward_is_refunded_and_nobody_slashed() {
	for replicas in [2u8, 3] {
		ExtBuilder::default().build_and_execute(|| {
			let reward = 100 * Balance::from(replicas);
			let id = submit(CLIENT, replicas, reward);
			let results: Vec<Option<JobResultOf<Test>>> =
				(0..replicas).map(|n| Some(success(&[n], 1))).collect();
			let workers = committed_job(id, &results);
			reveal_each(id, &workers, &results);
			let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
			System::reset_events();
			run_step(id);
			assert_eq!(workers.iter().map(|w| free(*w)).collect::<Vec<_>>(), before);
			assert!(workers.iter().all(|w| staked(*w) == STAKE && slots_used(*w) == 0));
			assert_eq!((free(CLIENT), escrowed(CLIENT)), (ENDOWMENT, 0));
			assert_eq!(job(id).status, JobStatus::Failed(JobFailure::NoMajority));
			assert_eq!(Compute::job_result(id), None);
			assert_eq!(
				compute_events(),
				vec![
					Event::JobRefunded { job: id, amount: reward },
					Event::JobFailed { job: id, reason: JobFailure::NoMajority },
				]
			);
		});
	}
}

/// Two of three commit: the third is slashed for the missed commitment and released, and
/// the reveal phase starts with the two, whose agreement is a majority of three. Fails if
/// the absentee is not slashed, keeps its slot, or the two are not paid.
#[test]
fn a_missed_commitment_is_slashed_and_a_majority_of_commitments_goes_on() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let result = success(b"ok", 1);
		let workers = run_selection(id);
		assert_ok!(commit(workers[0], id, &result));
		assert_ok!(commit(workers[1], id, &result));
		System::reset_events();
		run_step(id);
		let until = System::block_number() + REVEAL_WINDOW;
		assert_eq!(
			compute_events(),
			vec![
				Event::WorkerSlashed {
					job: id,
					worker: workers[2],
					reason: SlashReason::MissedCommit,
					slashed: MISSED_SLASH,
					to_client: MISSED_SLASH,
				},
				Event::RevealPhase { job: id, until },
			]
		);
		assert_eq!(job(id).workers[2].state, WorkerState::Missed);
		assert_eq!((slots_used(workers[2]), staked(workers[2])), (0, STAKE - MISSED_SLASH));
		assert!(!WorkerJobs::<Test>::contains_key(workers[2], id));
		reveal_each(id, &workers, &[Some(result.clone()), Some(result.clone())]);
		run_step(id);
		assert_eq!(job(id).status, JobStatus::Completed);
		assert_eq!(free(CLIENT), ENDOWMENT - 200 + MISSED_SLASH);
	});
}

/// One of three commits: the two absentees are slashed and replaced by two newly drawn
/// providers (none that took part), in round 1; the worker that committed keeps its
/// commitment; all three agree and are paid. Fails if a replacement is a former worker,
/// the round does not advance, or the payments differ.
#[test]
fn too_few_commitments_replace_the_absentees_in_a_new_round() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let result = success(b"ok", 1);
		let first = run_selection(id);
		assert_ok!(commit(first[0], id, &result));
		System::reset_events();
		run_step(id);
		let now = System::block_number();
		let new: Vec<AccountId> = seated(id).into_iter().skip(1).collect();
		assert_eq!(seated(id)[0], first[0]);
		assert_eq!(new.len(), 2);
		assert!(new.iter().all(|who| !first.contains(who)));
		assert_eq!((job(id).round, job(id).status), (1, JobStatus::Committing));
		assert_eq!(job(id).due, now + COMMIT_WINDOW);
		let events = compute_events();
		assert_eq!(events.len(), 3);
		assert_eq!(
			events[2],
			Event::WorkersAssigned {
				job: id,
				round: 1,
				workers: new.clone(),
				until: now + COMMIT_WINDOW
			}
		);
		// The extra of a round-1 draw is `round × SELECTION_ROUNDS + attempt`.
		assert_eq!(
			RandomDraws::get().last().unwrap(),
			&(now, (&b"xmbl/compute/select"[..], id, 2u32).encode())
		);
		for who in &new {
			assert_ok!(commit(*who, id, &result));
		}
		assert_eq!(job(id).status, JobStatus::Revealing);
		let workers = seated(id);
		let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
		reveal_each(
			id,
			&workers,
			&[Some(result.clone()), Some(result.clone()), Some(result.clone())],
		);
		run_step(id);
		for (who, before) in workers.iter().zip(before) {
			assert_eq!(free(*who), before + 100);
		}
		assert_eq!(free(CLIENT), ENDOWMENT - REWARD + 2 * MISSED_SLASH);
		assert_eq!(job(id).workers.len(), 5);
	});
}

/// A committed worker that does not reveal is slashed for it; the other two agree and are
/// paid; its share goes back. Fails if the absentee is not slashed or is paid.
#[test]
fn a_missed_reveal_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let result = success(b"ok", 1);
		let all = [Some(result.clone()), Some(result.clone()), Some(result.clone())];
		let workers = committed_job(id, &all);
		reveal_each(id, &workers, &all[..2]);
		run_step(id);
		assert_eq!(staked(workers[2]), STAKE - MISSED_SLASH);
		assert_eq!(job(id).status, JobStatus::Completed);
		assert_eq!(free(CLIENT), ENDOWMENT - 200 + MISSED_SLASH);
		assert!(compute_events().contains(&Event::WorkerSlashed {
			job: id,
			worker: workers[2],
			reason: SlashReason::MissedReveal,
			slashed: MISSED_SLASH,
			to_client: MISSED_SLASH,
		}));
	});
}

/// Nobody commits and the deadline leaves no room for another round: every worker is
/// slashed, the job expires and the reward goes back. Fails if a round starts past the
/// deadline, or anything stays held.
#[test]
fn a_deadline_without_room_for_another_round_expires_the_job() {
	ExtBuilder::default().build_and_execute(|| {
		let id = NextJobId::<Test>::get();
		assert_ok!(submit_spec(CLIENT, spec(), 3, REWARD, MIN_DEADLINE));
		let workers = run_selection(id);
		run_step(id);
		assert_eq!(job(id).status, JobStatus::Failed(JobFailure::Expired));
		assert!(workers
			.iter()
			.all(|w| staked(*w) == STAKE - MISSED_SLASH && slots_used(*w) == 0));
		assert_eq!((escrowed(CLIENT), free(CLIENT)), (0, ENDOWMENT + 3 * MISSED_SLASH));
		let events = compute_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::JobRefunded { job: id, amount: REWARD },
				Event::JobFailed { job: id, reason: JobFailure::Expired },
			]
		);
	});
}

/// Nobody commits in `MaxRounds` rounds: after the last the job expires, six workers
/// slashed. Fails if a third round starts or a worker escapes its slash.
#[test]
fn rounds_stop_at_max_rounds() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		run_selection(id);
		run_step(id);
		assert_eq!(job(id).round, 1);
		run_step(id);
		assert_eq!(job(id).status, JobStatus::Failed(JobFailure::Expired));
		assert_eq!(job(id).workers.len(), 6);
		assert!(job(id).workers.iter().all(|w| staked(w.who) == STAKE - MISSED_SLASH));
		assert_eq!(free(CLIENT), ENDOWMENT + 6 * MISSED_SLASH);
	});
}

/// Replacements are needed but every provider took part already: the job fails, the
/// worker that committed is released unslashed. Fails if it is slashed or keeps its slot.
#[test]
fn no_provider_left_for_a_replacement_fails_the_job() {
	ExtBuilder::default().providers(3).build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		let workers = run_selection(id);
		assert_ok!(commit(workers[0], id, &success(b"ok", 1)));
		run_step(id);
		assert_eq!(job(id).status, JobStatus::Failed(JobFailure::NotEnoughProviders));
		assert_eq!((staked(workers[0]), slots_used(workers[0])), (STAKE, 0));
		assert_eq!(escrowed(CLIENT), 0);
	});
}

/// Outcomes other than success are results: agreed traps, fuel exhaustion, refused modules
/// and inputs that did not open are final and paid like a success. Fails if any is refused, unpaid or stored
/// differently.
#[test]
fn agreed_failures_of_the_program_are_final_and_paid() {
	use xmbl_primitives::{ModuleRejection, TrapKind};
	for kind in [
		JobOutcomeKind::Trap(TrapKind::Exit(3)),
		JobOutcomeKind::OutOfFuel,
		JobOutcomeKind::InvalidModule(ModuleRejection::ForbiddenImport),
		JobOutcomeKind::OutputTooLarge,
		JobOutcomeKind::InputUnreadable,
	] {
		ExtBuilder::default().build_and_execute(|| {
			let id = submit(CLIENT, 3, REWARD);
			let fuel_used = if kind == JobOutcomeKind::InputUnreadable { 0 } else { FUEL };
			let result = JobResult { kind, fuel_used, output: JobOutput::None };
			let all = [Some(result.clone()), Some(result.clone()), Some(result.clone())];
			let workers = committed_job(id, &all);
			let before: Vec<Balance> = workers.iter().map(|w| free(*w)).collect();
			reveal_each(id, &workers, &all);
			run_step(id);
			assert_eq!(Compute::job_result(id).map(|r| r.result), Some(result));
			for (who, before) in workers.iter().zip(before) {
				assert_eq!(free(*who), before + 100);
			}
		});
	}
}

/// A kept output agreed by all is final with its hash and length. Fails if it is not stored
/// as revealed.
#[test]
fn a_kept_output_is_final_by_hash_and_length() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 1, MIN_REWARD);
		let output = vec![9u8; 500];
		let result = JobResult {
			kind: JobOutcomeKind::Success,
			fuel_used: 9,
			output: JobOutput::Kept { hash: sp_io::hashing::blake2_256(&output), len: 500 },
		};
		let workers = committed_job(id, &[Some(result.clone())]);
		reveal_each(id, &workers, &[Some(result.clone())]);
		run_step(id);
		assert_eq!(Compute::job_result(id).map(|r| r.result), Some(result));
	});
}

/// `OutputRetention` blocks after it ended, a job is pruned with its spec, result and
/// index; so is a failed one. Fails if anything of it is left.
#[test]
fn finished_jobs_are_pruned_after_the_retention() {
	ExtBuilder::default().build_and_execute(|| {
		let done = submit(CLIENT, 1, MIN_REWARD);
		let result = success(b"ok", 1);
		let workers = committed_job(done, &[Some(result.clone())]);
		reveal_each(done, &workers, &[Some(result)]);
		run_step(done);
		let ended = System::block_number();
		let failed = submit(CLIENT, 1, MIN_REWARD);
		run_selection(failed);
		// Nobody commits in either round.
		run_step(failed);
		run_step(failed);
		assert_eq!(job(failed).status, JobStatus::Failed(JobFailure::Expired));
		run_to_block(ended + RETENTION - 1);
		assert!(Jobs::<Test>::contains_key(done));
		System::reset_events();
		run_to_block(ended + RETENTION);
		assert_eq!(compute_events(), vec![Event::JobPruned { job: done }]);
		run_to_block(job(failed).due);
		for id in [done, failed] {
			assert!(!Jobs::<Test>::contains_key(id) && !JobSpecs::<Test>::contains_key(id));
			assert!(!Results::<Test>::contains_key(id));
		}
		assert_eq!(Compute::jobs_of(&CLIENT), Vec::<JobId>::new());
		assert_eq!(Due::<Test>::iter().count(), 0);
	});
}

/// At most `MaxJobsPerBlock` steps run per block, the rest carried over in order; a
/// `MaxScheduleWeight` holding one step does the same. Fails if a block runs more, or a
/// carried-over job is lost.
#[test]
fn the_schedule_runs_at_most_its_budget_per_block() {
	let run = |builder: ExtBuilder, weight: Option<Weight>| {
		builder.build_and_execute(|| {
			if let Some(weight) = weight {
				MaxScheduleWeight::set(weight);
			}
			let ids: Vec<JobId> = (0..3).map(|_| submit(CLIENT, 1, MIN_REWARD)).collect();
			let at = 1 + SELECTION_DELAY;
			for (n, block) in (at..at + 3).enumerate() {
				run_to_block(block);
				let selected = ids.iter().filter(|id| job(**id).status != JobStatus::Selecting);
				assert_eq!(selected.count(), n + 1, "block {block}");
			}
			// The cursor left the selection bucket only once it was empty.
			assert!(DueCursor::<Test>::get() > at);
			assert_eq!(Due::<Test>::iter_prefix(at).count(), 0);
		});
	};
	run(ExtBuilder::default().max_jobs_per_block(1), None);
	// Room for the base and one selection, one picosecond short of two.
	let selection = ExtBuilder::default()
		.build()
		.execute_with(|| Compute::step_weight(&job(submit(CLIENT, 1, MIN_REWARD))));
	let limit = <() as WeightInfo>::on_initialize_base()
		.saturating_add(selection.saturating_mul(2))
		.saturating_sub(Weight::from_parts(1, 0));
	run(ExtBuilder::default(), Some(limit));
}

/// The mock's configuration passes the pallet's own checks (windows, bounds, a schedule
/// that holds a worst-case step). Fails if `integrity_test` rejects a sound configuration.
#[test]
fn the_mock_configuration_passes_the_integrity_test() {
	ExtBuilder::default().build_and_execute(|| {
		MaxScheduleWeight::set(
			<() as WeightInfo>::on_initialize_base()
				.saturating_add(Compute::worst_step_weight(u32::from(MAX_REPLICAS))),
		);
		<Compute as Hooks<u64>>::integrity_test();
	});
}

/// A schedule weight below one worst-case step is rejected. Fails if `integrity_test`
/// accepts it.
#[test]
#[should_panic(expected = "MaxScheduleWeight must hold")]
fn a_schedule_weight_below_a_worst_step_fails_the_integrity_test() {
	ExtBuilder::default().build().execute_with(|| {
		MaxScheduleWeight::set(Compute::worst_step_weight(u32::from(MAX_REPLICAS)));
		<Compute as Hooks<u64>>::integrity_test();
	});
}
