//! Selection and the rest of the `ProviderRegistry` interface.

use super::*;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

fn select(
	role: ProviderRole,
	count: u32,
	seed: u8,
	exclude: &[AccountId],
) -> Result<Vec<AccountId>, SelectionError> {
	<Registry as ProviderRegistry<AccountId, Balance>>::select(role, count, [seed; 32], exclude)
}

fn select_seeded(
	role: ProviderRole,
	count: u32,
	seed: [u8; 32],
) -> Result<Vec<AccountId>, SelectionError> {
	<Registry as ProviderRegistry<AccountId, Balance>>::select(role, count, seed, &[])
}

fn assign(who: AccountId, bytes: u64, slots: u32) -> polkadot_sdk::sp_runtime::DispatchResult {
	<Registry as ProviderRegistry<AccountId, Balance>>::assign(&who, bytes, slots)
}

/// A different 32-byte seed for each `i`.
fn seed_of(i: u32) -> [u8; 32] {
	let mut seed = [0u8; 32];
	seed[..4].copy_from_slice(&i.to_le_bytes());
	seed
}

fn distinct(accounts: &[AccountId]) -> bool {
	let mut sorted = accounts.to_vec();
	sorted.sort();
	sorted.dedup();
	sorted.len() == accounts.len()
}

#[test]
fn select_returns_distinct_registered_providers() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=ACCOUNTS {
			register(who, MIN_STAKE * (who % 3 + 1));
		}
		for i in 0..200 {
			let chosen =
				select_seeded(ProviderRole::Storage, 5, seed_of(i)).expect("8 eligible providers");
			assert_eq!(chosen.len(), 5);
			assert!(distinct(&chosen), "{chosen:?}");
			assert!(chosen.iter().all(|who| (1..=ACCOUNTS).contains(who)));
		}
		// All eight, when all eight are asked for.
		let mut all = select(ProviderRole::Compute, 8, 1, &[]).unwrap();
		all.sort();
		assert_eq!(all, (1..=ACCOUNTS).collect::<Vec<_>>());
	});
}

#[test]
fn select_is_deterministic_in_its_seed() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=ACCOUNTS {
			register(who, MIN_STAKE);
		}
		assert_eq!(
			select(ProviderRole::Storage, 3, 9, &[]),
			select(ProviderRole::Storage, 3, 9, &[])
		);
	});
}

#[test]
fn select_respects_exclude() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=ACCOUNTS {
			register(who, MIN_STAKE);
		}
		let exclude = [1, 2, 3];
		for seed in 0..100 {
			let chosen = select(ProviderRole::Storage, 5, seed, &exclude).unwrap();
			assert!(chosen.iter().all(|who| !exclude.contains(who)), "{chosen:?}");
		}
		assert_eq!(
			select(ProviderRole::Storage, 6, 0, &exclude),
			Err(SelectionError::NotEnoughProviders)
		);
	});
}

#[test]
fn select_never_picks_unbonding_providers() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=ACCOUNTS {
			register(who, MIN_STAKE);
		}
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(2)));
		for seed in 0..100 {
			let chosen = select(ProviderRole::Compute, 6, seed, &[]).unwrap();
			assert!(!chosen.contains(&1) && !chosen.contains(&2), "{chosen:?}");
		}
		assert_eq!(
			select(ProviderRole::Compute, 7, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
	});
}

#[test]
fn select_fewer_providers_than_asked_fails() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(
			select(ProviderRole::Storage, 1, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
		register(1, MIN_STAKE);
		register(2, MIN_STAKE);
		assert_eq!(
			select(ProviderRole::Storage, 3, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
		assert_eq!(select(ProviderRole::Storage, 0, 0, &[]), Ok(vec![]));
		assert_eq!(select(ProviderRole::Storage, 2, 0, &[]).map(|v| v.len()), Ok(2));
	});
}

#[test]
fn select_only_picks_providers_of_the_role() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=4 {
			register_as(who, ProviderRoles::Storage, MIN_STAKE);
		}
		for who in 5..=8 {
			register_as(who, ProviderRoles::Compute, MIN_STAKE);
		}
		for seed in 0..50 {
			assert!(select(ProviderRole::Storage, 3, seed, &[]).unwrap().iter().all(|w| *w <= 4));
			assert!(select(ProviderRole::Compute, 3, seed, &[]).unwrap().iter().all(|w| *w >= 5));
		}
		assert_eq!(
			select(ProviderRole::Compute, 5, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
	});
}

#[test]
fn select_skips_providers_without_free_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=3 {
			register(who, MIN_STAKE);
		}
		// Provider 1's storage is full; its compute slots are not.
		assert_ok!(assign(1, 1_000, 0));
		for seed in 0..50 {
			assert!(!select(ProviderRole::Storage, 2, seed, &[]).unwrap().contains(&1));
		}
		assert_eq!(
			select(ProviderRole::Storage, 3, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
		assert_eq!(select(ProviderRole::Compute, 3, 0, &[]).map(|v| v.len()), Ok(3));
	});
}

#[test]
fn selection_favours_free_capacity_and_stake() {
	ExtBuilder::default().build_and_execute(|| {
		// 1: full stake weight, all capacity free. 2: a tenth of the stake weight.
		register(1, MIN_STAKE * STAKE_WEIGHT_CAP as u64);
		register(2, MIN_STAKE);
		// 3: full stake weight, a tenth of its capacity free.
		register(3, MIN_STAKE * STAKE_WEIGHT_CAP as u64);
		assert_ok!(assign(3, 900, 9));

		let mut picks = [0u32; 4];
		for i in 0..2_000 {
			let chosen = select_seeded(ProviderRole::Storage, 1, seed_of(i)).unwrap();
			picks[chosen[0] as usize] += 1;
		}
		assert!(picks[1] > 3 * picks[2], "{picks:?}");
		assert!(picks[1] > 3 * picks[3], "{picks:?}");
		assert!(picks[2] > 0 && picks[3] > 0, "{picks:?}");
	});
}

#[test]
fn selection_makes_at_most_its_draw_budget() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=ACCOUNTS {
			register(who, MIN_STAKE);
		}
		assert_eq!(
			Registry::do_select(ProviderRole::Storage, 1, [0; 32], &[], 0),
			Err(SelectionError::NotEnoughProviders)
		);
		// One draw at the full stake weight would be accepted; at a tenth it may be rejected,
		// but a drawn eligible candidate still fills the place when the budget runs out.
		assert_eq!(
			Registry::do_select(ProviderRole::Storage, 1, [0; 32], &[], 1).map(|v| v.len()),
			Ok(1)
		);
		assert_eq!(Registry::draw_budget(3), 3 * 16);
	});
}

#[test]
fn selection_does_not_scan_every_provider() {
	// 2_000 full providers and one eligible provider at the end of the index: a selection
	// that scanned the index would always find it; one bounded by its draw budget (16 draws
	// for one provider) almost never does.
	ExtBuilder::default().build_and_execute(|| {
		for who in 1_000..3_000 {
			assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), who, ENDOWMENT));
			register(who, MIN_STAKE);
			assert_ok!(assign(who, 1_000, 10));
		}
		register(1, MIN_STAKE);
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 2_000), Some(1));

		let found = (0..20)
			.filter(|i| select_seeded(ProviderRole::Storage, 1, seed_of(*i)).is_ok())
			.count();
		assert!(found <= 3, "found the one eligible provider {found} times out of 20");
	});
}

#[test]
fn provider_summary_and_assignments() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(<Registry as ProviderRegistry<AccountId, Balance>>::provider(&1), None);
		register(1, 300);
		assert_ok!(assign(1, 400, 2));
		assert_noop!(assign(1, 601, 0), Error::<Test>::InsufficientCapacity);
		assert_noop!(assign(1, 0, 9), Error::<Test>::InsufficientCapacity);
		assert_noop!(assign(2, 1, 0), Error::<Test>::NotRegistered);
		<Registry as ProviderRegistry<AccountId, Balance>>::record_success(&1);
		<Registry as ProviderRegistry<AccountId, Balance>>::record_success(&1);

		assert_eq!(
			<Registry as ProviderRegistry<AccountId, Balance>>::provider(&1),
			Some(ProviderSummary {
				roles: ProviderRoles::StorageAndCompute,
				stake: 300,
				free: capacity(600, 8),
				used: capacity(400, 2),
				slashes: 0,
				successes: 2,
				active: true,
			})
		);
		assert_eq!(record(1).live_assignments, 1);
		<Registry as ProviderRegistry<AccountId, Balance>>::unassign(&1, 400, 2);
		assert_eq!(record(1).live_assignments, 0);
		assert_eq!(record(1).used, Capacity::default());
		assert!(<Registry as ProviderRegistry<AccountId, Balance>>::select_weight(2)
			.all_gte(<Registry as ProviderRegistry<AccountId, Balance>>::select_weight(1)));
	});
}
