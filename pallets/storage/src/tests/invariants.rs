//! Property test: random sequences of deals made (some below the price floor or some
//! providers' minimum price), shards confirmed, periods proven or skipped, proofs forged,
//! shards handed back and providers exiting, deals renewed and cancelled, and blocks advanced,
//! over several seeds.
//!
//! After each step: total issuance is unchanged and still the sum of every balance (nothing
//! minted, burned or lost), and both pallets' invariants (`do_try_state`) hold. Operations may
//! fail; a failed operation must change nothing: the storage root after it equals the root
//! before. Operations are the pallet's `do_*` functions, outside the storage layer a
//! `#[pallet::call]` wraps around each call, so a write before a failure is caught. Batches of
//! confirmations and proofs skip a refused item and go on; they fail, changing nothing, only
//! when every item is refused.

use super::*;
use polkadot_sdk::{
	frame_support::{assert_ok, traits::fungible::InspectHold},
	sp_runtime::{DispatchResult, StateVersion},
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::{collections::BTreeMap, sync::OnceLock};

/// Files of several shapes: `(len, k, m)` 100,000 in 4 + 2, 30,000 in 2 + 1, 70,000 in
/// 3 + 3 and 9,000 in 1 + 1 (shards of 25,000, 15,000, 23,334 and 9,000 bytes).
fn files() -> &'static [StoredFile] {
	static FILES: OnceLock<Vec<StoredFile>> = OnceLock::new();
	FILES.get_or_init(|| {
		vec![
			encode_file(100_000, 4, 2, 11),
			encode_file(30_000, 2, 1, 12),
			encode_file(70_000, 3, 3, 13),
			encode_file(9_000, 1, 1, 14),
		]
	})
}

/// The providers of the runs.
const PROVIDERS: u64 = 10;

/// Every account that holds funds.
fn all_accounts() -> impl Iterator<Item = AccountId> {
	(1..=21).chain([OWNER, OTHER, TREASURY])
}

/// Run `operation`; if it fails, the storage root must not have moved. Counts the failures.
fn unchanged_if_err(
	failures: &mut usize,
	step: usize,
	op: &str,
	operation: impl FnOnce() -> DispatchResult,
) -> bool {
	let before = sp_io::storage::root(StateVersion::V1);
	match operation() {
		Ok(()) => true,
		Err(error) => {
			*failures += 1;
			assert_eq!(
				sp_io::storage::root(StateVersion::V1),
				before,
				"failed {op} ({error:?}) changed storage at step {step}"
			);
			false
		},
	}
}

fn check(issuance: Balance, step: usize, op: &str) {
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed at step {step} ({op})");
	let total: Balance = all_accounts()
		.map(|who| Balances::free_balance(who) + Balances::total_balance_on_hold(&who))
		.sum();
	assert_eq!(total, issuance, "balances no longer add up at step {step} ({op})");
	if let Err(error) = Storage::do_try_state() {
		panic!("storage invariant broken at step {step} ({op}): {error:?}");
	}
	assert_escrow_is_what_deals_owe();
	if let Err(error) = Providers::do_try_state() {
		panic!("provider invariant broken at step {step} ({op}): {error:?}");
	}
}

/// Every shard of a live deal in `state`, with its deal and provider.
fn shards_where(state: impl Fn(&Deal<Test>, &Shard<Test>) -> bool) -> Vec<(DealId, u8, AccountId)> {
	let mut found: Vec<(DealId, u8, AccountId)> = Deals::<Test>::iter()
		.flat_map(|(id, deal)| {
			deal.shards
				.iter()
				.enumerate()
				.filter(|(_, shard)| state(&deal, shard))
				.filter_map(|(number, shard)| shard.provider.map(|p| (id, number as u8, p)))
				.collect::<Vec<_>>()
		})
		.collect();
	found.sort();
	found
}

/// Whether shard `shard` of `deal` is to be proven in the deal's current period.
fn due(deal: &Deal<Test>, shard: &Shard<Test>) -> bool {
	deal.status == DealStatus::Active
		&& matches!(
			shard.state,
			ShardState::Stored { from_period, proven } if from_period <= deal.period && proven != Some(deal.period)
		)
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
				Event::DealCreated { .. } => "created",
				Event::ShardsAssigned { .. } => "assigned",
				Event::ShardConfirmed { .. } => "confirmed",
				Event::DealActivated { .. } => "activated",
				Event::ShardReassigned { repair: false, .. } => "reassigned",
				Event::ShardReassigned { repair: true, .. } => "repair assigned",
				Event::ShardProven { .. } => "proven",
				Event::ProofMissed { .. } => "missed",
				Event::ShardLost { .. } => "lost",
				Event::ShardRepaired { .. } => "repaired",
				Event::DealRenewed { .. } => "renewed",
				Event::DealCancelled { .. } => "cancelled",
				Event::DealEnded { .. } => "ended",
				Event::DealFailed { .. } => "failed",
				Event::UploadDepositReturned { .. } => "deposit returned",
				Event::UploadDepositForfeited { .. } => "deposit forfeited",
				Event::ShardLeaving { .. } => "leaving",
				_ => "other",
			};
			*self.events.entry(name).or_default() += 1;
		}
	}
}

/// Run `steps` random operations from `seed`.
fn run(seed: u64, steps: usize, tally: &mut Tally) {
	let mut ext = ExtBuilder::default().providers(PROVIDERS).build();
	let mut rng = StdRng::seed_from_u64(seed);
	// Two providers ask more than some deals pay, so selection has to pass them over.
	ext.execute_with(|| {
		for who in [1, 2] {
			assert_ok!(Providers::update(RuntimeOrigin::signed(who), None, None, None, Some(10)));
		}
	});
	let issuance = ext.execute_with(Balances::total_issuance);
	let mut file_of: BTreeMap<DealId, usize> = BTreeMap::new();
	let mut block = 1u64;
	let mut failed = 0;
	for step in 0..steps {
		ext.execute_with(|| {
			let failures = &mut failed;
			let op = match rng.gen_range(0..100) {
				0..=8 => {
					let owner = [OWNER, OTHER, OTHER, 21][rng.gen_range(0..4)];
					let file = rng.gen_range(0..files().len());
					// Sometimes no period or a zero price, to take the error paths.
					let periods = rng.gen_range(0..=5);
					let price = rng.gen_range(0..=20);
					let id = NextDealId::<Test>::get();
					let manifest = files()[file].manifest.clone();
					if unchanged_if_err(failures, step, "create", || {
						Storage::do_create_deal(owner, manifest, periods, price).map(|_| ())
					}) {
						file_of.insert(id, file);
					}
					"create"
				},
				9..=38 => {
					let pending =
						shards_where(|_, shard| matches!(shard.state, ShardState::Pending { .. }));
					if pending.is_empty() || rng.gen_bool(0.1) {
						// A shard that may not be pending, by anyone.
						let id = rng.gen_range(0..NextDealId::<Test>::get() + 1);
						let number = rng.gen_range(0..7);
						let who = rng.gen_range(1..=PROVIDERS);
						unchanged_if_err(failures, step, "confirm", || {
							Storage::do_confirm_shards(who, &[(id, number)])
						});
					} else {
						let (id, number, provider) = pending[rng.gen_range(0..pending.len())];
						let who =
							if rng.gen_bool(0.9) { provider } else { rng.gen_range(1..=PROVIDERS) };
						if rng.gen_bool(0.7) {
							// Every shard the provider has pending, in one batch.
							let mut batch: Vec<(DealId, u8)> = pending
								.iter()
								.filter(|(_, _, p)| *p == provider)
								.map(|(other, n, _)| (*other, *n))
								.take(15)
								.collect();
							if rng.gen_bool(0.2) {
								// A shard that may not be the provider's, nor pending, nor new.
								batch.push((
									rng.gen_range(0..NextDealId::<Test>::get()),
									rng.gen_range(0..7),
								));
							}
							unchanged_if_err(failures, step, "confirm batch", || {
								Storage::do_confirm_shards(who, &batch)
							});
						} else {
							unchanged_if_err(failures, step, "confirm", || {
								Storage::do_confirm_shards(who, &[(id, number)])
							});
						}
					}
					"confirm"
				},
				39..=63 => {
					let due_shards = shards_where(due);
					if due_shards.is_empty() {
						"prove (nothing due)"
					} else {
						let (id, number, provider) = due_shards[rng.gen_range(0..due_shards.len())];
						let file = &files()[file_of[&id]];
						let mut proof = honest_proof(id, number, file);
						let mut who = provider;
						match rng.gen_range(0..20) {
							0 => proof.leaves[0][0] ^= 1,
							1 => proof.period += 1,
							2 => who = rng.gen_range(1..=PROVIDERS),
							3 => proof.shard = rng.gen_range(0..7),
							_ => {},
						}
						let more = due_shards
							.iter()
							.find(|(other, n, p)| *p == provider && (*other, *n) != (id, number))
							.filter(|_| rng.gen_bool(0.3));
						match more {
							Some(&(other, n, _)) => {
								let second = honest_proof(other, n, &files()[file_of[&other]]);
								unchanged_if_err(failures, step, "prove batch", || {
									Storage::do_submit_proofs(who, &[proof, second])
								})
							},
							None => unchanged_if_err(failures, step, "prove", || {
								Storage::do_submit_proofs(who, &[proof])
							}),
						};
						"prove"
					}
				},
				64..=69 => {
					let id = rng.gen_range(0..NextDealId::<Test>::get() + 1);
					let owner = Deals::<Test>::get(id)
						.map(|deal| deal.owner)
						.filter(|_| rng.gen_bool(0.9))
						.unwrap_or(OWNER);
					let periods = rng.gen_range(0..=4);
					unchanged_if_err(failures, step, "renew", || {
						Storage::do_renew(owner, id, periods)
					});
					"renew"
				},
				70..=73 => {
					let id = rng.gen_range(0..NextDealId::<Test>::get() + 1);
					let owner = Deals::<Test>::get(id)
						.map(|deal| deal.owner)
						.filter(|_| rng.gen_bool(0.8))
						.unwrap_or(OTHER);
					unchanged_if_err(failures, step, "cancel", || Storage::do_cancel(owner, id));
					"cancel"
				},
				74..=76 => {
					let stored =
						shards_where(|_, shard| matches!(shard.state, ShardState::Stored { .. }));
					if stored.is_empty() {
						"leave (nothing stored)"
					} else {
						let (id, number, provider) = stored[rng.gen_range(0..stored.len())];
						let who =
							if rng.gen_bool(0.9) { provider } else { rng.gen_range(1..=PROVIDERS) };
						if rng.gen_bool(0.2) {
							unchanged_if_err(failures, step, "announce_exit", || {
								Providers::announce_exit(RuntimeOrigin::signed(who))
							});
						}
						unchanged_if_err(failures, step, "leave", || {
							Storage::do_leave_shards(who, &[(id, number)])
						});
						"leave"
					}
				},
				// Skip: a provider that should prove does not (its shard is missed at the end of
				// the period), or a pending shard is left unconfirmed.
				77..=79 => "skip",
				_ => {
					block += rng.gen_range(1..=3);
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

#[test]
fn random_operations_conserve_issuance_and_invariants() {
	let mut tally = Tally::default();
	for seed in 1..=4 {
		run(seed, 250, &mut tally);
	}
	// Every path was taken, the error paths included.
	assert!(
		tally.failures >= 150,
		"only {} failed operations were checked: {tally:?}",
		tally.failures
	);
	for (event, least) in [
		("created", 25),
		("activated", 12),
		("reassigned", 20),
		("proven", 60),
		("missed", 40),
		("lost", 5),
		("repair assigned", 5),
		("repaired", 3),
		("renewed", 8),
		("cancelled", 6),
		("ended", 4),
		("failed", 5),
		("deposit returned", 12),
		("deposit forfeited", 5),
		("leaving", 5),
	] {
		let count = tally.events.get(event).copied().unwrap_or(0);
		assert!(count >= least, "{event}: {count} < {least}: {tally:?}");
	}
}
