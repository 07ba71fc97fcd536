//! Property test: random sequences of jobs submitted (some out of bounds, some on stored
//! files), commitments (honest, dishonest, copied, by strangers), reveals (honest, not
//! opening their commitment), absences, and blocks advanced, over several seeds.
//!
//! After each step: total issuance is unchanged and still the sum of every balance, each
//! client's escrow is exactly what its jobs hold, and both pallets' invariants hold. A failed
//! operation must change nothing: the storage root after it equals the root before
//! (operations are the pallet's `do_*` functions, outside the storage layer a call has).

use super::*;
use polkadot_sdk::{
	frame_support::traits::fungible::InspectHold,
	sp_runtime::{DispatchResult, StateVersion},
};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The providers of the runs.
const PROVIDERS: u64 = 10;

/// Every account that holds funds.
fn all_accounts() -> impl Iterator<Item = AccountId> {
	(1..=21).chain([CLIENT, OTHER, TREASURY])
}

/// Run `operation`; if it fails, the storage root must not have moved. Counts the failures.
fn unchanged_if_err(
	failures: &mut usize,
	step: usize,
	op: &str,
	operation: impl FnOnce() -> DispatchResult,
) {
	let before = sp_io::storage::root(StateVersion::V1);
	if let Err(error) = operation() {
		*failures += 1;
		assert_eq!(
			sp_io::storage::root(StateVersion::V1),
			before,
			"failed {op} ({error:?}) changed storage at step {step}"
		);
	}
}

fn check(issuance: Balance, step: usize, op: &str) {
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed at step {step} ({op})");
	let total: Balance = all_accounts()
		.map(|who| Balances::free_balance(who) + Balances::total_balance_on_hold(&who))
		.sum();
	assert_eq!(total, issuance, "balances no longer add up at step {step} ({op})");
	if let Err(error) = Compute::do_try_state() {
		panic!("compute invariant broken at step {step} ({op}): {error:?}");
	}
	if let Err(error) = Providers::do_try_state() {
		panic!("provider invariant broken at step {step} ({op}): {error:?}");
	}
	assert_escrow_is_what_jobs_hold();
}

/// Every seated worker of a job in `status` whose state passes `state`.
fn workers_where(status: JobStatus, state: fn(&WorkerState) -> bool) -> Vec<(JobId, AccountId)> {
	let mut found: Vec<(JobId, AccountId)> = Jobs::<Test>::iter()
		.filter(|(_, job)| job.status == status)
		.flat_map(|(id, job)| {
			job.seated()
				.filter(|w| state(&w.state))
				.map(|w| (id, w.who))
				.collect::<Vec<_>>()
		})
		.collect();
	found.sort();
	found
}

/// What the runs did, to check that every path was taken.
#[derive(Default, Debug)]
struct Tally {
	failures: usize,
	events: BTreeMap<&'static str, usize>,
}

impl Tally {
	fn count_events(&mut self) {
		for event in take_events() {
			let name = match event {
				Event::JobSubmitted { .. } => "submitted",
				Event::WorkersAssigned { round: 0, .. } => "assigned",
				Event::WorkersAssigned { .. } => "replaced",
				Event::Committed { .. } => "committed",
				Event::RevealPhase { .. } => "reveal phase",
				Event::Revealed { .. } => "revealed",
				Event::JobCompleted { .. } => "completed",
				Event::WorkerSlashed { reason: SlashReason::MissedCommit, .. } => "missed commit",
				Event::WorkerSlashed { reason: SlashReason::MissedReveal, .. } => "missed reveal",
				Event::WorkerSlashed { reason: SlashReason::WrongResult, .. } => "wrong result",
				Event::JobRefunded { .. } => "refunded",
				Event::JobFailed { reason: JobFailure::NoMajority, .. } => "no majority",
				Event::JobFailed { reason: JobFailure::Expired, .. } => "expired",
				Event::JobFailed { reason: JobFailure::NotEnoughProviders, .. } => "no providers",
				Event::JobPruned { .. } => "pruned",
			};
			*self.events.entry(name).or_default() += 1;
		}
	}
}

/// The result a worker of job `id` runs to: the job's own, or (dishonest) another.
fn result_for(id: JobId, honest: bool) -> JobResultOf<Test> {
	if id % 5 == 4 {
		// Some jobs trap: an agreed failure is a result like any other.
		let kind = JobOutcomeKind::Trap(xmbl_primitives::TrapKind::Unreachable);
		return JobResult { kind, fuel_used: FUEL, output: JobOutput::None };
	}
	success(&[id as u8, u8::from(!honest)], 7)
}

/// Run `steps` random operations from `seed`.
fn run(seed: u64, steps: usize, tally: &mut Tally) {
	let mut ext = ExtBuilder::default().providers(PROVIDERS).build();
	let mut rng = StdRng::seed_from_u64(seed);
	ext.execute_with(|| {
		store_file(1, CLIENT, true);
		store_file(2, OTHER, true);
		store_file(3, CLIENT, false);
		// Two providers ask more than some jobs pay per replica.
		for who in [1, 2] {
			assert_ok!(Providers::update(RuntimeOrigin::signed(who), None, None, None, Some(60)));
		}
	});
	let issuance = ext.execute_with(Balances::total_issuance);
	let mut committed: BTreeMap<(JobId, AccountId), JobResultOf<Test>> = BTreeMap::new();
	let mut block = 1u64;
	let mut failed = 0;
	for step in 0..steps {
		ext.execute_with(|| {
			let failures = &mut failed;
			let op = match rng.gen_range(0..100) {
				0..=10 => {
					let client = [CLIENT, OTHER, OTHER, 21][rng.gen_range(0..4)];
					let mut spec = spec();
					if rng.gen_bool(0.2) {
						spec.program = JobSource::Deal(rng.gen_range(1..=4));
					}
					if rng.gen_bool(0.2) {
						spec.input = JobSource::Deal(rng.gen_range(1..=4));
					}
					spec.fuel = [0, FUEL, FUEL, MAX_FUEL][rng.gen_range(0..4)];
					let replicas = rng.gen_range(0..=MAX_REPLICAS + 1);
					let reward = rng.gen_range(0..=100) * Balance::from(replicas.max(1));
					let deadline = rng.gen_range(MIN_DEADLINE - 1..=MIN_DEADLINE + 12);
					unchanged_if_err(failures, step, "submit", || {
						Compute::do_submit_job(client, spec, replicas, reward, deadline).map(|_| ())
					});
					"submit"
				},
				11..=46 => {
					let assigned =
						workers_where(JobStatus::Committing, |s| *s == WorkerState::Assigned);
					if assigned.is_empty() {
						"commit (nothing due)"
					} else {
						let (id, mut who) = assigned[rng.gen_range(0..assigned.len())];
						let result = result_for(id, rng.gen_bool(0.8));
						let mut hash = commitment(&result, &salt(who), &who);
						match rng.gen_range(0..20) {
							0 => who = rng.gen_range(1..=PROVIDERS),
							1 => {
								// A copy of another worker's commitment, if there is one.
								if let Some(WorkerState::Committed(other)) = job(id)
									.workers
									.iter()
									.map(|w| w.state)
									.find(|s| matches!(s, WorkerState::Committed(_)))
								{
									hash = other;
								}
							},
							_ => {},
						}
						let accepted = Compute::do_commit(who, id, hash).is_ok();
						if accepted {
							committed.insert((id, who), result);
						} else {
							*failures += 1;
						}
						"commit"
					}
				},
				47..=76 => {
					let due = workers_where(JobStatus::Revealing, |s| {
						matches!(s, WorkerState::Committed(_))
					});
					if due.is_empty() {
						"reveal (nothing due)"
					} else {
						let (id, who) = due[rng.gen_range(0..due.len())];
						let mut result = committed
							.get(&(id, who))
							.cloned()
							.unwrap_or_else(|| result_for(id, true));
						if rng.gen_bool(0.1) {
							result.fuel_used += 1;
						}
						unchanged_if_err(failures, step, "reveal", || {
							Compute::do_reveal(who, id, result, salt(who))
						});
						"reveal"
					}
				},
				77..=79 => {
					// A reveal out of turn: a stranger, or a job not revealing.
					let id = rng.gen_range(0..NextJobId::<Test>::get() + 1);
					let who = rng.gen_range(1..=PROVIDERS);
					unchanged_if_err(failures, step, "stray reveal", || {
						Compute::do_reveal(who, id, result_for(id, true), salt(who))
					});
					"stray reveal"
				},
				80..=82 => "skip",
				_ => {
					block += rng.gen_range(1..=2);
					run_to_block(block);
					"advance blocks"
				},
			};
			check(issuance, step, op);
			tally.count_events();
		});
		// Committed, so that the storage roots of the next step hash only its own changes.
		ext.commit_all().unwrap();
	}
	tally.failures += failed;
}

/// Fails if any step breaks an invariant, a failed operation writes, or a path of the
/// market (each outcome, each slash, each failure) is never taken.
#[test]
fn random_operations_conserve_issuance_escrow_and_invariants() {
	let mut tally = Tally::default();
	for seed in 1..=4 {
		run(seed, 400, &mut tally);
	}
	assert!(
		tally.failures >= 150,
		"only {} failed operations were checked: {tally:?}",
		tally.failures
	);
	for (event, least) in [
		("submitted", 30),
		("assigned", 25),
		("replaced", 5),
		("committed", 60),
		("reveal phase", 20),
		("revealed", 40),
		("completed", 10),
		("missed commit", 20),
		("missed reveal", 5),
		("wrong result", 2),
		("refunded", 10),
		("no majority", 3),
		("expired", 3),
		("pruned", 10),
	] {
		let count = tally.events.get(event).copied().unwrap_or(0);
		assert!(count >= least, "{event}: {count} < {least}: {tally:?}");
	}
}
