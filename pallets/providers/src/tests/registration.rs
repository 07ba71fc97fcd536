//! `register`, `update`, `bond_extra`.

use super::*;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

#[test]
fn register_holds_stake_and_enters_both_indexes() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(1),
			ProviderRoles::StorageAndCompute,
			200,
			capacity(1_000, 4),
			b"/ip4/127.0.0.1/tcp/30333".to_vec(),
		));

		assert_eq!(staked(1), 200);
		assert_eq!(free(1), ENDOWMENT - 200);
		let record = record(1);
		assert_eq!(record.roles, ProviderRoles::StorageAndCompute);
		assert_eq!(record.stake, 200);
		assert_eq!(record.capacity, capacity(1_000, 4));
		assert_eq!(record.used, Capacity::default());
		assert_eq!(record.endpoint.to_vec(), b"/ip4/127.0.0.1/tcp/30333".to_vec());
		assert_eq!(record.status, ProviderStatus::Active);
		assert_eq!(record.index, IndexPositions { storage: Some(0), compute: Some(0) });
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 1);
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Compute), 1);
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 0), Some(1));
		assert_eq!(
			last_event(),
			Event::Registered {
				provider: 1,
				roles: ProviderRoles::StorageAndCompute,
				stake: 200,
				capacity: capacity(1_000, 4),
			}
		);
	});
}

#[test]
fn a_single_role_ignores_the_other_dimension_and_index() {
	ExtBuilder::default().build_and_execute(|| {
		register_as(1, ProviderRoles::Storage, MIN_STAKE);
		register_as(2, ProviderRoles::Compute, MIN_STAKE);

		assert_eq!(record(1).capacity, capacity(1_000, 0));
		assert_eq!(record(1).index, IndexPositions { storage: Some(0), compute: None });
		assert_eq!(record(2).capacity, capacity(0, 10));
		assert_eq!(record(2).index, IndexPositions { storage: None, compute: Some(0) });
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 1);
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Compute), 1);
	});
}

#[test]
fn register_twice_fails() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_noop!(
			Registry::register(
				RuntimeOrigin::signed(1),
				ProviderRoles::Storage,
				MIN_STAKE,
				capacity(1, 0),
				vec![],
			),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_below_minimum_stake_fails() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::register(
				RuntimeOrigin::signed(1),
				ProviderRoles::Storage,
				MIN_STAKE - 1,
				capacity(1, 0),
				vec![],
			),
			Error::<Test>::StakeBelowMinimum
		);
	});
}

#[test]
fn register_without_enough_balance_fails_and_keeps_the_existential_deposit() {
	ExtBuilder::default().balance(3, 500).build_and_execute(|| {
		let try_stake = |who: AccountId, stake: Balance| {
			Registry::register(
				RuntimeOrigin::signed(who),
				ProviderRoles::Storage,
				stake,
				capacity(1, 0),
				vec![],
			)
		};
		// An account with nothing.
		assert_noop!(try_stake(50, MIN_STAKE), Error::<Test>::InsufficientBalance);
		// The whole balance would leave nothing to keep the account alive.
		assert_noop!(try_stake(3, 500), Error::<Test>::InsufficientBalance);
		assert_noop!(try_stake(3, 500 - ED + 1), Error::<Test>::InsufficientBalance);
		// All but the existential deposit is fine.
		assert_ok!(try_stake(3, 500 - ED));
		assert_eq!(free(3), ED);
		assert_eq!(staked(3), 500 - ED);
	});
}

#[test]
fn register_with_a_too_long_endpoint_fails() {
	ExtBuilder::default().build_and_execute(|| {
		let endpoint = |len: u32| vec![b'a'; len as usize];
		assert_noop!(
			Registry::register(
				RuntimeOrigin::signed(1),
				ProviderRoles::Storage,
				MIN_STAKE,
				capacity(1, 0),
				endpoint(MAX_ENDPOINT + 1),
			),
			Error::<Test>::EndpointTooLong
		);
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(1),
			ProviderRoles::Storage,
			MIN_STAKE,
			capacity(1, 0),
			endpoint(MAX_ENDPOINT),
		));
	});
}

#[test]
fn register_with_zero_capacity_for_an_offered_role_fails() {
	ExtBuilder::default().build_and_execute(|| {
		for (roles, declared) in [
			(ProviderRoles::Storage, capacity(0, 5)),
			(ProviderRoles::Compute, capacity(5, 0)),
			(ProviderRoles::StorageAndCompute, capacity(5, 0)),
			(ProviderRoles::StorageAndCompute, capacity(0, 5)),
		] {
			assert_noop!(
				Registry::register(RuntimeOrigin::signed(1), roles, MIN_STAKE, declared, vec![]),
				Error::<Test>::ZeroCapacity
			);
		}
	});
}

#[test]
fn register_beyond_max_providers_fails_until_one_leaves() {
	ExtBuilder::default().max_providers(2).build_and_execute(|| {
		register_as(1, ProviderRoles::Storage, MIN_STAKE);
		register_as(2, ProviderRoles::Storage, MIN_STAKE);
		assert_noop!(
			Registry::register(
				RuntimeOrigin::signed(3),
				ProviderRoles::Storage,
				MIN_STAKE,
				capacity(1, 0),
				vec![],
			),
			Error::<Test>::TooManyProviders
		);
		// The compute index is a separate list.
		register_as(3, ProviderRoles::Compute, MIN_STAKE);
		// An unbonding provider frees its place.
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		register_as(4, ProviderRoles::Storage, MIN_STAKE);
	});
}

#[test]
fn update_changes_capacity_and_endpoint() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(Registry::update(
			RuntimeOrigin::signed(1),
			capacity(2_000, 20),
			b"new".to_vec()
		));
		assert_eq!(record(1).capacity, capacity(2_000, 20));
		assert_eq!(record(1).endpoint.to_vec(), b"new".to_vec());
		assert_eq!(last_event(), Event::Updated { provider: 1, capacity: capacity(2_000, 20) });
	});
}

#[test]
fn update_cannot_shrink_below_used_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 500, 3));
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), capacity(499, 10), vec![]),
			Error::<Test>::CapacityBelowUsed
		);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), capacity(1_000, 2), vec![]),
			Error::<Test>::CapacityBelowUsed
		);
		assert_ok!(Registry::update(RuntimeOrigin::signed(1), capacity(500, 3), vec![]));
	});
}

#[test]
fn update_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), capacity(1, 1), vec![]),
			Error::<Test>::NotRegistered
		);
		register(1, MIN_STAKE);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), capacity(1, 1), vec![0; 33]),
			Error::<Test>::EndpointTooLong
		);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), capacity(1, 0), vec![]),
			Error::<Test>::ZeroCapacity
		);
	});
}

#[test]
fn bond_extra_adds_to_stake_and_hold() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 50));
		assert_eq!(record(1).stake, MIN_STAKE + 50);
		assert_eq!(staked(1), MIN_STAKE + 50);
		assert_eq!(free(1), ENDOWMENT - MIN_STAKE - 50);
		assert_eq!(
			last_event(),
			Event::StakeBonded { provider: 1, amount: 50, stake: MIN_STAKE + 50 }
		);
	});
}

#[test]
fn bond_extra_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::bond_extra(RuntimeOrigin::signed(1), 50),
			Error::<Test>::NotRegistered
		);
		register(1, MIN_STAKE);
		let available = ENDOWMENT - MIN_STAKE - ED;
		assert_noop!(
			Registry::bond_extra(RuntimeOrigin::signed(1), available + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), available));
		assert_eq!(free(1), ED);
	});
}
