//! Property test: long pseudo-random sequences of every operation across eight accounts.
//!
//! After each step: total issuance is unchanged (nothing minted or burned), it still equals
//! the sum of all balances (nothing lost), every account with a hold keeps at least the
//! existential deposit free, and the pallet's invariants (`do_try_state`) hold. Operations
//! may fail; a failed operation must change nothing: the storage root after it equals the
//! root before. The operations are the pallet's `do_*` functions, which the dispatchables
//! call: outside the storage layer that a `#[pallet::call]` wraps around every call, so this
//! holds only because every operation checks before it writes.

use super::*;
use polkadot_sdk::frame_support::traits::fungible::InspectHold;
use polkadot_sdk::sp_runtime::{DispatchResult, StateVersion};

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

/// xorshift64*: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
	fn new(seed: u64) -> Self {
		Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
	}

	fn next_u64(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
	}

	/// Uniform-ish in `0..n` (`n > 0`).
	fn below(&mut self, n: u64) -> u64 {
		self.next_u64() % n
	}

	fn account(&mut self) -> AccountId {
		1 + self.below(ACCOUNTS)
	}

	fn roles(&mut self) -> ProviderRoles {
		match self.below(3) {
			0 => ProviderRoles::Storage,
			1 => ProviderRoles::Compute,
			_ => ProviderRoles::StorageAndCompute,
		}
	}
}

/// Every account the operations touch.
fn all_accounts() -> impl Iterator<Item = AccountId> {
	(1..=ACCOUNTS).chain(core::iter::once(TREASURY))
}

fn check(issuance: Balance, step: usize, op: &str) {
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed at step {step} ({op})");
	let total: Balance = all_accounts()
		.map(|who| Balances::free_balance(who) + Balances::total_balance_on_hold(&who))
		.sum();
	assert_eq!(total, issuance, "balances no longer add up at step {step} ({op})");
	for who in all_accounts() {
		if Balances::total_balance_on_hold(&who) > 0 {
			assert!(
				Balances::free_balance(who) >= ED,
				"account {who} with a hold fell below the existential deposit at step {step} ({op})"
			);
		}
	}
	if let Err(e) = Registry::do_try_state() {
		panic!("invariant broken at step {step} ({op}): {e:?}");
	}
}

/// Run `steps` operations from `seed`; returns how many failed (and were checked to change
/// nothing).
fn run(seed: u64, steps: usize) -> usize {
	let mut failures = 0;
	// Odd seeds: a small index, so full indexes and displacement are exercised too.
	let max_providers = if seed % 2 == 1 { 3 } else { 10_000 };
	ExtBuilder::default().max_providers(max_providers).build_and_execute(|| {
		let mut rng = Rng::new(seed);
		let issuance = Balances::total_issuance();
		// Live assignments made, so that they can be ended again.
		let mut assignments: Vec<(AccountId, u64, u32)> = Vec::new();
		let mut block = 1u64;

		for step in 0..steps {
			let who = rng.account();
			let other = rng.account();
			let op = match rng.below(16) {
				0 | 1 => {
					let stake = MIN_STAKE + rng.below(3 * MIN_STAKE);
					let declared = capacity(1 + rng.below(2_000), 1 + rng.below(8) as u32);
					unchanged_if_err(&mut failures, step, "register", || {
						Registry::do_register(
							who,
							rng.roles(),
							stake,
							declared,
							endpoint("ws://node:30333"),
							rng.below(3),
						)
					});
					"register"
				},
				2 => {
					unchanged_if_err(&mut failures, step, "bond_extra", || {
						Registry::do_bond_extra(who, rng.below(500))
					});
					"bond_extra"
				},
				3 => {
					let bytes = (rng.below(2) == 0).then(|| rng.below(3_000));
					let slots = (rng.below(2) == 0).then(|| rng.below(10) as u32);
					let min_price = (rng.below(2) == 0).then(|| rng.below(3));
					unchanged_if_err(&mut failures, step, "update", || {
						Registry::do_update(who, bytes, slots, None, min_price)
					});
					"update"
				},
				4 => {
					unchanged_if_err(&mut failures, step, "escrow hold", || {
						<Registry as Escrow<AccountId, Balance>>::hold(&who, rng.below(2_000))
					});
					"escrow hold"
				},
				5 => {
					let held = Balances::balance_on_hold(&HoldReason::Escrow.into(), &who);
					// Sometimes more than is held, to exercise the error path.
					let amount = rng.below(held + 50);
					unchanged_if_err(&mut failures, step, "escrow release", || {
						<Registry as Escrow<AccountId, Balance>>::release(&who, &other, amount)
					});
					"escrow release"
				},
				6 => {
					let held = Balances::balance_on_hold(&HoldReason::Escrow.into(), &who);
					unchanged_if_err(&mut failures, step, "escrow refund", || {
						<Registry as Escrow<AccountId, Balance>>::refund(&who, rng.below(held + 50))
					});
					"escrow refund"
				},
				7 => {
					let harmed = match rng.below(3) {
						0 => None,
						_ => Some((other, rng.below(400))),
					};
					let _ = <Registry as Slashing<AccountId, Balance>>::slash(
						&who,
						rng.below(600),
						harmed,
					);
					"slash"
				},
				8 => {
					let bytes = rng.below(600);
					let slots = rng.below(4) as u32;
					if <Registry as ProviderRegistry<AccountId, Balance>>::assign(
						&who, bytes, slots,
					)
					.is_ok()
					{
						assignments.push((who, bytes, slots));
					}
					"assign"
				},
				9 => {
					if !assignments.is_empty() {
						let i = rng.below(assignments.len() as u64) as usize;
						let (provider, bytes, slots) = assignments.swap_remove(i);
						<Registry as ProviderRegistry<AccountId, Balance>>::unassign(
							&provider, bytes, slots,
						);
					}
					"unassign"
				},
				10 => {
					if rng.below(3) == 0 {
						unchanged_if_err(&mut failures, step, "announce_exit", || {
							Registry::do_announce_exit(who)
						});
						"announce_exit"
					} else {
						unchanged_if_err(&mut failures, step, "unbond", || {
							Registry::do_unbond(who)
						});
						"unbond"
					}
				},
				11 => {
					unchanged_if_err(&mut failures, step, "withdraw", || {
						Registry::do_withdraw(who)
					});
					"withdraw"
				},
				12 => {
					let seed = [rng.below(256) as u8; 32];
					let role = if rng.below(2) == 0 {
						ProviderRole::Storage
					} else {
						ProviderRole::Compute
					};
					let count = 1 + rng.below(4) as u32;
					let price = rng.below(3);
					if let Ok(chosen) = <Registry as ProviderRegistry<AccountId, Balance>>::select(
						role,
						count,
						seed,
						&[who],
						price,
					) {
						assert_eq!(chosen.len() as u32, count);
						assert!(!chosen.contains(&who));
						for provider in chosen {
							let record = record(provider);
							assert!(record.is_active() && record.roles.offers(role));
							assert!(record.min_price <= price, "selected above its price");
						}
					}
					"select"
				},
				13 => {
					unchanged_if_err(&mut failures, step, "chill", || Registry::do_chill(other));
					"chill"
				},
				14 => {
					let role = if rng.below(2) == 0 {
						ProviderRole::Storage
					} else {
						ProviderRole::Compute
					};
					let displace = (rng.below(2) == 0).then_some(other);
					unchanged_if_err(&mut failures, step, "enter_index", || {
						Registry::do_enter_index(who, role, displace)
					});
					"enter_index"
				},
				_ => {
					if rng.below(4) == 0 {
						unchanged_if_err(&mut failures, step, "spend_treasury", || {
							Registry::do_spend_treasury(who, rng.below(300))
						});
						"spend_treasury"
					} else {
						block += rng.below(2 * UNBONDING);
						run_to_block(block);
						"advance blocks"
					}
				},
			};
			check(issuance, step, op);
		}
	});
	failures
}

#[test]
fn random_operations_conserve_issuance_and_invariants() {
	let failures: usize = (1..=24).map(|seed| run(seed, 400)).sum();
	// The error paths are exercised, not only the successful ones.
	assert!(failures > 1_000, "only {failures} failed operations were checked");
}

#[test]
fn try_state_detects_each_broken_invariant() {
	use polkadot_sdk::frame_support::{assert_ok, traits::fungible::MutateHold};
	fn broken(breakage: &dyn Fn(), message: &'static str) {
		ExtBuilder::default().build().execute_with(|| {
			register(1, MIN_STAKE);
			register(2, MIN_STAKE);
			assert_eq!(Registry::do_try_state(), Ok(()));
			breakage();
			assert_eq!(Registry::do_try_state(), Err(message.into()));
		});
	}
	broken(
		&|| {
			assert_ok!(Balances::hold(&HoldReason::ProviderStake.into(), &3, 50));
		},
		"stake hold without a provider record",
	);
	broken(
		&|| {
			Providers::<Test>::mutate(1, |record| {
				let record = record.as_mut().unwrap();
				record.status = ProviderStatus::Unbonding { unlock_at: 5 };
				record.index = IndexPositions::default();
				record.live_assignments = 1;
			});
			Registry::index_remove(ProviderRole::Storage, 0);
			Registry::index_remove(ProviderRole::Compute, 0);
		},
		"unbonding provider has live assignments",
	);
	broken(
		&|| Providers::<Test>::mutate(1, |record| record.as_mut().unwrap().stake = MIN_STAKE - 1),
		"provider stake differs from its ProviderStake hold",
	);
	broken(
		&|| {
			Providers::<Test>::mutate(1, |record| {
				record.as_mut().unwrap().used = capacity(1_000, 10);
			})
		},
		"ineligible provider in a role index",
	);
	broken(
		&|| {
			assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), TREASURY, 0));
		},
		"treasury account below the existential deposit",
	);
}
