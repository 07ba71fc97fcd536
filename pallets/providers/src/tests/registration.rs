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
			endpoint("ws://127.0.0.1:30333"),
			0,
		));

		assert_eq!(staked(1), 200);
		assert_eq!(free(1), ENDOWMENT - 200);
		let record = record(1);
		assert_eq!(record.roles, ProviderRoles::StorageAndCompute);
		assert_eq!(record.stake, 200);
		assert_eq!(record.capacity, capacity(1_000, 4));
		assert_eq!(record.used, Capacity::default());
		assert_eq!(record.endpoint, endpoint("ws://127.0.0.1:30333"));
		assert_eq!(record.status, ProviderStatus::Active);
		assert_eq!(record.index, IndexPositions { storage: Some(0), compute: Some(0) });
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 1);
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Compute), 1);
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 0), Some(1));
		let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
		assert_eq!(
			events[events.len() - 3..],
			[
				Event::Registered {
					provider: 1,
					roles: ProviderRoles::StorageAndCompute,
					stake: 200,
					capacity: capacity(1_000, 4),
					min_price: 0,
				},
				Event::IndexEntered { provider: 1, role: ProviderRole::Storage },
				Event::IndexEntered { provider: 1, role: ProviderRole::Compute },
			]
			.map(RuntimeEvent::Registry)
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
				endpoint("http://a"),
				0,
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
				endpoint("http://a"),
				0,
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
				endpoint("http://a"),
				0,
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
fn endpoint_form_is_validated() {
	for valid in [
		"http://a",
		"https://node.example.org",
		"ws://127.0.0.1:9944",
		"wss://[::1]:443/rpc",
		"http://host:65535/a/b",
	] {
		assert!(validate_endpoint(valid.as_bytes()), "{valid} is valid");
	}
	for invalid in [
		"",
		"node",
		"/ip4/127.0.0.1/tcp/30333",
		"ftp://host",
		"http://",
		"http://:80",
		"http://host:",
		"http://host:0",
		"http://host:65536",
		"http://host:99999999",
		"http://host:8a",
		"http://ho st",
		"http://host\n",
		"http://user@host",
		"wss://[::1",
		"wss://[]:1",
		"wss://[::1]x",
		"HTTP://host",
	] {
		assert!(!validate_endpoint(invalid.as_bytes()), "{invalid:?} is invalid");
	}
	// Non-ASCII bytes.
	assert!(!validate_endpoint("http://h\u{e9}".as_bytes()));
}

#[test]
fn register_and_update_refuse_a_malformed_endpoint() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::register(
				RuntimeOrigin::signed(1),
				ProviderRoles::Storage,
				MIN_STAKE,
				capacity(1, 0),
				endpoint("/ip4/127.0.0.1/tcp/30333"),
				0,
			),
			Error::<Test>::InvalidEndpoint
		);
		register(1, MIN_STAKE);
		assert_noop!(
			Registry::update(
				RuntimeOrigin::signed(1),
				None,
				None,
				Some(endpoint("ws://x:0")),
				None
			),
			Error::<Test>::InvalidEndpoint
		);
	});
}

#[test]
fn an_endpoint_longer_than_the_bound_does_not_decode() {
	use codec::{Decode, Encode};
	let too_long = vec![b'a'; MAX_ENDPOINT as usize + 1].encode();
	assert!(EndpointOf::<Test>::decode(&mut &too_long[..]).is_err());
	let longest = vec![b'a'; MAX_ENDPOINT as usize].encode();
	assert!(EndpointOf::<Test>::decode(&mut &longest[..]).is_ok());
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
				Registry::register(
					RuntimeOrigin::signed(1),
					roles,
					MIN_STAKE,
					declared,
					endpoint("http://a"),
					0
				),
				Error::<Test>::ZeroCapacity
			);
		}
	});
}

#[test]
fn register_into_a_full_index_waits_outside_it() {
	ExtBuilder::default().max_providers(2).build_and_execute(|| {
		register_as(1, ProviderRoles::Storage, MIN_STAKE);
		register_as(2, ProviderRoles::Storage, MIN_STAKE);
		// Registered, but the storage index is full: 3 is out of it.
		register_as(3, ProviderRoles::Storage, MIN_STAKE);
		assert_eq!(record(3).index, IndexPositions::default());
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 2);
		// The compute index is a separate list.
		register_as(4, ProviderRoles::Compute, MIN_STAKE);
		assert_eq!(record(4).index.compute, Some(0));
		// When a place frees up, 3 enters without displacing anyone.
		assert_noop!(
			Registry::enter_index(RuntimeOrigin::signed(3), ProviderRole::Storage, None),
			Error::<Test>::TooManyProviders
		);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_ok!(Registry::enter_index(RuntimeOrigin::signed(3), ProviderRole::Storage, None));
		assert_eq!(record(3).index.storage, Some(1));
		assert_eq!(last_event(), Event::IndexEntered { provider: 3, role: ProviderRole::Storage });
	});
}

#[test]
fn a_full_index_admits_a_higher_stake_by_displacing_a_lower_one() {
	ExtBuilder::default().max_providers(2).build_and_execute(|| {
		register_as(1, ProviderRoles::Storage, MIN_STAKE);
		register_as(2, ProviderRoles::Storage, 2 * MIN_STAKE);
		register_as(3, ProviderRoles::Storage, 2 * MIN_STAKE);
		assert_eq!(record(3).index, IndexPositions::default());
		let enter = |who: AccountId, displace: Option<AccountId>| {
			Registry::enter_index(RuntimeOrigin::signed(who), ProviderRole::Storage, displace)
		};

		// Equal stake does not displace; nor does naming a provider outside the index.
		assert_noop!(enter(3, Some(2)), Error::<Test>::CannotDisplace);
		assert_noop!(enter(3, Some(3)), Error::<Test>::CannotDisplace);
		assert_noop!(enter(3, Some(7)), Error::<Test>::CannotDisplace);
		assert_noop!(enter(1, None), Error::<Test>::AlreadyIndexed);
		assert_noop!(enter(8, None), Error::<Test>::NotRegistered);

		assert_ok!(enter(3, Some(1)));
		assert_eq!(record(3).index.storage, Some(0));
		assert_eq!(record(1).index, IndexPositions::default());
		assert!(record(1).is_active(), "a displaced provider stays registered");
		assert_eq!(RoleIndex::<Test>::get(ProviderRole::Storage, 0), Some(3));
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 2);
		assert!(System::events().iter().any(|record| record.event
			== RuntimeEvent::Registry(Event::IndexLeft {
				provider: 1,
				role: ProviderRole::Storage
			})));

		// 1 comes back by raising its stake above 2's and displacing it.
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 2 * MIN_STAKE));
		assert_eq!(record(1).index, IndexPositions::default(), "the index is still full");
		assert_ok!(enter(1, Some(2)));
		assert_eq!(record(1).index.storage, Some(1));
	});
}

#[test]
fn enter_index_refuses_an_ineligible_provider() {
	ExtBuilder::default().max_providers(1).build_and_execute(|| {
		register_as(1, ProviderRoles::Storage, MIN_STAKE);
		register_as(2, ProviderRoles::Storage, 5 * MIN_STAKE);
		// Full capacity: not eligible, whatever its stake.
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&2, 1_000, 0));
		assert_noop!(
			Registry::enter_index(RuntimeOrigin::signed(2), ProviderRole::Storage, Some(1)),
			Error::<Test>::NotEligible
		);
		// A role not offered.
		assert_noop!(
			Registry::enter_index(RuntimeOrigin::signed(1), ProviderRole::Compute, None),
			Error::<Test>::NotEligible
		);
	});
}

#[test]
fn update_changes_only_the_fields_given() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(Registry::update(RuntimeOrigin::signed(1), Some(2_000), None, None, None));
		assert_eq!(record(1).capacity, capacity(2_000, 10));
		assert_eq!(record(1).endpoint, endpoint("ws://127.0.0.1:30333"));
		assert_eq!(
			last_event(),
			Event::Updated { provider: 1, capacity: capacity(2_000, 10), min_price: 0 }
		);

		assert_ok!(Registry::update(RuntimeOrigin::signed(1), None, Some(20), None, None));
		assert_eq!(record(1).capacity, capacity(2_000, 20));

		assert_ok!(Registry::update(
			RuntimeOrigin::signed(1),
			None,
			None,
			Some(endpoint("https://new.example")),
			None
		));
		assert_eq!(record(1).capacity, capacity(2_000, 20));
		assert_eq!(record(1).endpoint, endpoint("https://new.example"));

		assert_ok!(Registry::update(
			RuntimeOrigin::signed(1),
			Some(3_000),
			Some(30),
			Some(endpoint("ws://n:1")),
			None
		));
		assert_eq!(record(1).capacity, capacity(3_000, 30));
		assert_eq!(record(1).endpoint, endpoint("ws://n:1"));
	});
}

#[test]
fn update_that_changes_nothing_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		register_as(2, ProviderRoles::Storage, MIN_STAKE);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), None, None, None, None),
			Error::<Test>::NothingToUpdate
		);
		// The values it already has.
		assert_noop!(
			Registry::update(
				RuntimeOrigin::signed(1),
				Some(1_000),
				Some(10),
				Some(endpoint("ws://127.0.0.1:30333")),
				None
			),
			Error::<Test>::NothingToUpdate
		);
		// Compute slots of a storage-only provider are ignored: nothing changes.
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(2), None, Some(5), None, None),
			Error::<Test>::NothingToUpdate
		);
	});
}

#[test]
fn update_cannot_shrink_below_used_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 500, 3));
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), Some(499), None, None, None),
			Error::<Test>::CapacityBelowUsed
		);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), None, Some(2), None, None),
			Error::<Test>::CapacityBelowUsed
		);
		// Exactly what is used: full, so out of both indexes.
		assert_ok!(Registry::update(RuntimeOrigin::signed(1), Some(500), Some(3), None, None));
		assert_eq!(record(1).index, IndexPositions::default());
		// Room again: back in both.
		assert_ok!(Registry::update(RuntimeOrigin::signed(1), Some(600), Some(4), None, None));
		assert_eq!(record(1).index, IndexPositions { storage: Some(0), compute: Some(0) });
	});
}

#[test]
fn update_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), Some(1), Some(1), None, None),
			Error::<Test>::NotRegistered
		);
		register(1, MIN_STAKE);
		assert_noop!(
			Registry::update(RuntimeOrigin::signed(1), None, Some(0), None, None),
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
		assert_noop!(Registry::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		let available = ENDOWMENT - MIN_STAKE - ED;
		assert_noop!(
			Registry::bond_extra(RuntimeOrigin::signed(1), available + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), available));
		assert_eq!(free(1), ED);
	});
}
