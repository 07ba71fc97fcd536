//! Selection and the rest of the `ProviderRegistry` interface.

use super::*;
use alloc::collections::BTreeSet;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

fn select(
	role: ProviderRole,
	count: u32,
	seed: u8,
	exclude: &[AccountId],
) -> Result<Vec<AccountId>, SelectionError> {
	<Registry as ProviderRegistry<AccountId, Balance>>::select(role, count, [seed; 32], exclude, 0)
}

fn select_seeded(
	role: ProviderRole,
	count: u32,
	seed: [u8; 32],
) -> Result<Vec<AccountId>, SelectionError> {
	<Registry as ProviderRegistry<AccountId, Balance>>::select(role, count, seed, &[], 0)
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
		for seed in 0..20 {
			assert_eq!(
				select_seeded(ProviderRole::Storage, 3, seed_of(seed)),
				select_seeded(ProviderRole::Storage, 3, seed_of(seed))
			);
		}
		// The seed matters: 20 seeds do not all give the same selection (with 8 providers
		// and 3 picks there are 336 ordered outcomes).
		let outcomes: BTreeSet<Vec<AccountId>> = (0..20)
			.map(|seed| select_seeded(ProviderRole::Storage, 3, seed_of(seed)).unwrap())
			.collect();
		assert!(outcomes.len() >= 10, "only {} distinct selections", outcomes.len());
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
			Registry::select_counting_draws(ProviderRole::Storage, 1, [0; 32], &[], 0, 0),
			(Err(SelectionError::NotEnoughProviders), 0)
		);
		// One draw at the full stake weight would be accepted; at a tenth it may be rejected,
		// but a drawn eligible candidate still fills the place when the budget runs out.
		let (chosen, draws) =
			Registry::select_counting_draws(ProviderRole::Storage, 1, [0; 32], &[], 0, 1);
		assert_eq!((chosen.map(|v| v.len()), draws), (Ok(1), 1));
		assert_eq!(Registry::draw_budget(3), 3 * 16);

		// Everyone excluded: no draw is ever accepted, so the selection spends its whole budget
		// (on 8 providers a budget of 5 ends before every position has been seen) and no more.
		let everyone: Vec<AccountId> = (1..=ACCOUNTS).collect();
		for budget in 1..=5 {
			for seed in 0..20 {
				let (chosen, draws) = Registry::select_counting_draws(
					ProviderRole::Storage,
					1,
					seed_of(seed),
					&everyone,
					0,
					budget,
				);
				assert_eq!(chosen, Err(SelectionError::NotEnoughProviders));
				assert!(draws <= budget, "{draws} draws on a budget of {budget}");
			}
		}
		// With a large budget, it stops once every position has been seen: never more draws
		// than the budget.
		for seed in 0..20 {
			let (_, draws) = Registry::select_counting_draws(
				ProviderRole::Storage,
				1,
				seed_of(seed),
				&everyone,
				0,
				1_000,
			);
			assert!(draws >= ACCOUNTS as u32 && draws <= 1_000, "{draws}");
		}
		// `select` uses `count × MaxSelectionDraws`.
		let (_, draws) = Registry::select_counting_draws(
			ProviderRole::Storage,
			2,
			[3; 32],
			&everyone,
			0,
			Registry::draw_budget(2),
		);
		assert!(draws <= 2 * 16, "{draws}");
	});
}

#[test]
fn a_provider_slashed_below_min_stake_leaves_the_index_and_returns_on_bond_extra() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE + 10);
		register(2, MIN_STAKE);
		<Registry as Slashing<AccountId, Balance>>::slash(&1, 5, None);
		assert_eq!(record(1).index, IndexPositions { storage: Some(0), compute: Some(0) });
		<Registry as Slashing<AccountId, Balance>>::slash(&1, 10, None);
		assert_eq!(record(1).stake, MIN_STAKE - 5);
		assert_eq!(record(1).index, IndexPositions::default());
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 1);
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 0), Some(2));
		// Every selection of one provider finds the only eligible one at its first draw.
		for seed in 0..50 {
			let (chosen, draws) = Registry::select_counting_draws(
				ProviderRole::Storage,
				1,
				seed_of(seed),
				&[],
				0,
				16,
			);
			assert_eq!((chosen, draws), (Ok(vec![2]), 1));
		}
		assert_noop!(
			Registry::enter_index(RuntimeOrigin::signed(1), ProviderRole::Storage, None),
			Error::<Test>::NotEligible
		);
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 5));
		assert_eq!(record(1).index, IndexPositions { storage: Some(1), compute: Some(1) });
	});
}

#[test]
fn a_full_provider_leaves_the_index_and_returns_when_unassigned() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(assign(1, 600, 2));
		assert_eq!(record(1).index, IndexPositions { storage: Some(0), compute: Some(0) });
		// Storage full, compute slots free: out of the storage index only.
		assert_ok!(assign(1, 400, 0));
		assert_eq!(record(1).index, IndexPositions { storage: None, compute: Some(0) });
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 0);
		<Registry as ProviderRegistry<AccountId, Balance>>::unassign(&1, 400, 0);
		assert_eq!(record(1).index, IndexPositions { storage: Some(0), compute: Some(0) });
	});
}

#[test]
fn chill_takes_only_ineligible_providers_out() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		register(2, MIN_STAKE);
		assert_noop!(Registry::chill(RuntimeOrigin::signed(3), 1), Error::<Test>::NothingToChill);
		assert_noop!(Registry::chill(RuntimeOrigin::signed(3), 5), Error::<Test>::NotRegistered);
		// An entry that became ineligible without a call of the provider's (as after a
		// runtime upgrade raising `MinStake`): written straight into the record.
		Providers::<Test>::mutate(1, |record| {
			record.as_mut().expect("registered").used = capacity(1_000, 10);
		});
		assert_ok!(Registry::chill(RuntimeOrigin::signed(3), 1));
		assert_eq!(record(1).index, IndexPositions::default());
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 0), Some(2));
		assert_eq!(record(2).index, IndexPositions { storage: Some(0), compute: Some(0) });
		assert_noop!(Registry::chill(RuntimeOrigin::signed(3), 1), Error::<Test>::NothingToChill);
	});
}

#[test]
fn selection_does_not_scan_every_provider() {
	// 2_000 providers with a thousandth of their capacity free at a tenth of the stake weight
	// (each draw accepted with probability 1/10,000): a selection that scanned the index
	// would read all of them; one bounded by its budget makes exactly its 16 draws, then
	// fills the place from the candidates it drew.
	ExtBuilder::default().build_and_execute(|| {
		for who in 1_000..3_000 {
			assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), who, ENDOWMENT));
			register(who, MIN_STAKE);
			assert_ok!(assign(who, 999, 0));
		}
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 2_000);
		for seed in 0..20 {
			let (chosen, draws) = Registry::select_counting_draws(
				ProviderRole::Storage,
				1,
				seed_of(seed),
				&[],
				0,
				Registry::draw_budget(1),
			);
			assert_eq!(chosen.map(|v| v.len()), Ok(1));
			assert!(draws <= 16, "{draws} draws");
		}
		let spent_the_budget = (0..20)
			.filter(|seed| {
				Registry::select_counting_draws(
					ProviderRole::Storage,
					1,
					seed_of(*seed),
					&[],
					0,
					16,
				)
				.1 == 16
			})
			.count();
		assert!(spent_the_budget >= 19, "{spent_the_budget} of 20 selections drew 16 times");
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

/// A GiB: the mock's stake backs one per unit (`StakePerGiB` = 1).
const GIB: u64 = 1 << 30;

#[test]
fn capacity_beyond_what_the_stake_backs_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let register_with = |who: AccountId, stake: Balance, bytes: u64| {
			Registry::register(
				RuntimeOrigin::signed(who),
				ProviderRoles::Storage,
				stake,
				capacity(bytes, 0),
				endpoint("ws://127.0.0.1:30333"),
				0,
			)
		};
		assert_noop!(
			register_with(1, MIN_STAKE, MIN_STAKE * GIB + 1),
			Error::<Test>::CapacityAboveStake
		);
		assert_noop!(register_with(1, MIN_STAKE, u64::MAX), Error::<Test>::CapacityAboveStake);
		assert_ok!(register_with(1, MIN_STAKE, MIN_STAKE * GIB));
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), Some(MIN_STAKE * GIB + 1), None, None, None),
			Error::<Test>::CapacityAboveStake
		);
		// More stake backs more capacity.
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 1));
		assert_ok!(Registry::update(
			RuntimeOrigin::signed(1),
			Some((MIN_STAKE + 1) * GIB),
			None,
			None,
			None
		));
	});
}

#[test]
fn a_provider_slashed_below_what_backs_its_shards_takes_no_new_ones() {
	ExtBuilder::default().build_and_execute(|| {
		let stake = MIN_STAKE + 50;
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(1),
			ProviderRoles::Storage,
			stake,
			capacity(stake * GIB, 0),
			endpoint("ws://127.0.0.1:30333"),
			0,
		));
		assert_ok!(assign(1, (MIN_STAKE + 20) * GIB, 0));
		assert_eq!(record(1).index.storage, Some(0));
		// The stake now backs MIN_STAKE + 10 GiB, less than the MIN_STAKE + 20 GiB in use:
		// out of the index although the stake is above MinStake and capacity is declared.
		<Registry as Slashing<AccountId, Balance>>::slash(&1, 40, None);
		assert_eq!(record(1).stake, MIN_STAKE + 10);
		assert_eq!(record(1).index.storage, None);
		assert_noop!(assign(1, 1, 0), Error::<Test>::InsufficientCapacity);
		// Bonding enough to back more than is used brings it back.
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 11));
		assert_eq!(record(1).index.storage, Some(0));
	});
}

/// Register `who` for storage with a roomy capacity, the minimum stake and `min_price`.
fn register_priced(who: AccountId, min_price: Balance) {
	assert_ok!(Registry::register(
		RuntimeOrigin::signed(who),
		ProviderRoles::Storage,
		MIN_STAKE,
		capacity(1_000, 0),
		endpoint("ws://127.0.0.1:30333"),
		min_price,
	));
}

/// A selection for a price skips the providers that ask more, and fails when too few ask
/// less, within the same draw budget. On the old code providers had no minimum price and
/// selection took no price: every registered provider was drawn whatever the deal paid, so
/// the asserts that providers 2 and 3 are never chosen at a price of 5 fail there.
#[test]
fn selection_skips_providers_whose_minimum_price_is_above_the_price() {
	ExtBuilder::default().build_and_execute(|| {
		register_priced(1, 5);
		register_priced(2, 6);
		register_priced(3, 100);
		for seed in 0..50u8 {
			let at_five = <Registry as ProviderRegistry<AccountId, Balance>>::select(
				ProviderRole::Storage,
				1,
				[seed; 32],
				&[],
				5,
			);
			assert_eq!(at_five, Ok(vec![1]));
		}
		let (two_at_five, draws) = Registry::select_counting_draws(
			ProviderRole::Storage,
			2,
			[0; 32],
			&[],
			5,
			Registry::draw_budget(2),
		);
		assert_eq!(two_at_five, Err(SelectionError::NotEnoughProviders));
		assert!(draws <= Registry::draw_budget(2));
		let mut all = <Registry as ProviderRegistry<AccountId, Balance>>::select(
			ProviderRole::Storage,
			3,
			[0; 32],
			&[],
			100,
		)
		.unwrap();
		all.sort();
		assert_eq!(all, vec![1, 2, 3]);
	});
}

/// `update` changes the minimum price alone, and the next selection honours it. On the old
/// code `update` had no price and the record none to change.
#[test]
fn update_changes_the_minimum_price() {
	ExtBuilder::default().build_and_execute(|| {
		register_priced(1, 0);
		assert_ok!(Registry::update(RuntimeOrigin::signed(1), None, None, None, Some(9)));
		assert_eq!(record(1).min_price, 9);
		assert_eq!(
			last_event(),
			Event::Updated { provider: 1, capacity: capacity(1_000, 0), min_price: 9 }
		);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), None, None, None, Some(9)),
			Error::<Test>::NothingToUpdate
		);
		assert_eq!(
			select(ProviderRole::Storage, 1, 0, &[]),
			Err(SelectionError::NotEnoughProviders)
		);
		assert_eq!(
			<Registry as ProviderRegistry<AccountId, Balance>>::select(
				ProviderRole::Storage,
				1,
				[0; 32],
				&[],
				9
			),
			Ok(vec![1])
		);
	});
}
