//! Property test: long pseudo-random sequences of every operation across eight accounts.
//!
//! After each step: total issuance is unchanged (nothing minted or burned), it still equals
//! the sum of all balances (nothing lost), every account with a hold keeps at least the
//! existential deposit free, and the pallet's invariants (`do_try_state`) hold. Operations
//! may fail; a failed operation must change nothing.

use super::*;
use polkadot_sdk::frame_support::traits::fungible::InspectHold;

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

fn run(seed: u64, steps: usize) {
	ExtBuilder::default().build_and_execute(|| {
		let mut rng = Rng::new(seed);
		let issuance = Balances::total_issuance();
		// Live assignments made, so that they can be ended again.
		let mut assignments: Vec<(AccountId, u64, u32)> = Vec::new();
		let mut block = 1u64;

		for step in 0..steps {
			let who = rng.account();
			let other = rng.account();
			let op = match rng.below(14) {
				0 | 1 => {
					let stake = MIN_STAKE + rng.below(3 * MIN_STAKE);
					let declared = capacity(1 + rng.below(2_000), 1 + rng.below(8) as u32);
					let _ = Registry::register(
						RuntimeOrigin::signed(who),
						rng.roles(),
						stake,
						declared,
						b"node".to_vec(),
					);
					"register"
				}
				2 => {
					let _ = Registry::bond_extra(RuntimeOrigin::signed(who), rng.below(500));
					"bond_extra"
				}
				3 => {
					let declared = capacity(rng.below(3_000), rng.below(10) as u32);
					let _ = Registry::update(RuntimeOrigin::signed(who), declared, vec![]);
					"update"
				}
				4 => {
					let _ = <Registry as Escrow<AccountId, Balance>>::hold(&who, rng.below(2_000));
					"escrow hold"
				}
				5 => {
					let held = Balances::balance_on_hold(&HoldReason::Escrow.into(), &who);
					// Sometimes more than is held, to exercise the error path.
					let amount = rng.below(held + 50);
					let _ = <Registry as Escrow<AccountId, Balance>>::release(&who, &other, amount);
					"escrow release"
				}
				6 => {
					let held = Balances::balance_on_hold(&HoldReason::Escrow.into(), &who);
					let _ = <Registry as Escrow<AccountId, Balance>>::refund(
						&who,
						rng.below(held + 50),
					);
					"escrow refund"
				}
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
				}
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
				}
				9 => {
					if !assignments.is_empty() {
						let i = rng.below(assignments.len() as u64) as usize;
						let (provider, bytes, slots) = assignments.swap_remove(i);
						<Registry as ProviderRegistry<AccountId, Balance>>::unassign(
							&provider, bytes, slots,
						);
					}
					"unassign"
				}
				10 => {
					let _ = Registry::unbond(RuntimeOrigin::signed(who));
					"unbond"
				}
				11 => {
					let _ = Registry::withdraw(RuntimeOrigin::signed(who));
					"withdraw"
				}
				12 => {
					let seed = [rng.below(256) as u8; 32];
					let role = if rng.below(2) == 0 {
						ProviderRole::Storage
					} else {
						ProviderRole::Compute
					};
					let count = 1 + rng.below(4) as u32;
					if let Ok(chosen) = <Registry as ProviderRegistry<AccountId, Balance>>::select(
						role,
						count,
						seed,
						&[who],
					) {
						assert_eq!(chosen.len() as u32, count);
						assert!(!chosen.contains(&who));
						for provider in chosen {
							let record = record(provider);
							assert!(record.is_active() && record.roles.offers(role));
						}
					}
					"select"
				}
				_ => {
					if rng.below(4) == 0 {
						let _ =
							Registry::spend_treasury(RuntimeOrigin::root(), who, rng.below(300));
						"spend_treasury"
					} else {
						block += rng.below(2 * UNBONDING);
						run_to_block(block);
						"advance blocks"
					}
				}
			};
			check(issuance, step, op);
		}
	});
}

#[test]
fn random_operations_conserve_issuance_and_invariants() {
	for seed in 1..=24 {
		run(seed, 400);
	}
}
