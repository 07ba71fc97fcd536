//! `unbond` and `withdraw`.

use super::*;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};

#[test]
fn unbond_leaves_the_indexes_and_starts_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		register(2, MIN_STAKE);
		register(3, MIN_STAKE);

		assert_ok!(Registry::unbond(RuntimeOrigin::signed(2)));

		let unlock_at = 1 + UNBONDING;
		assert_eq!(record(2).status, ProviderStatus::Unbonding { unlock_at });
		assert_eq!(record(2).index, IndexPositions::default());
		// The last provider moved into the freed place of both indexes.
		assert_eq!(record(3).index, IndexPositions { storage: Some(1), compute: Some(1) });
		for role in [ProviderRole::Storage, ProviderRole::Compute] {
			assert_eq!(RoleCount::<Test>::get(role), 2);
			assert_eq!(RoleIndex::<Test>::get(role, 0), Some(1));
			assert_eq!(RoleIndex::<Test>::get(role, 1), Some(3));
			assert_eq!(RoleIndex::<Test>::get(role, 2), None);
		}
		// The stake stays held until withdrawal.
		assert_eq!(staked(2), MIN_STAKE);
		assert_eq!(last_event(), Event::UnbondingStarted { provider: 2, unlock_at });
	});
}

#[test]
fn unbond_the_last_entry_of_an_index() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		register(2, MIN_STAKE);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(2)));
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 0);
		assert_eq!(RoleIndex::<Test>::iter().count(), 0);
	});
}

#[test]
fn unbond_with_live_assignments_fails_until_they_end() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 100, 1));
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 100, 0));
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::HasLiveAssignments);

		<Registry as ProviderRegistry<AccountId, Balance>>::unassign(&1, 100, 1);
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::HasLiveAssignments);

		<Registry as ProviderRegistry<AccountId, Balance>>::unassign(&1, 100, 0);
		assert_eq!(record(1).used, Capacity::default());
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
	});
}

#[test]
fn unbond_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::NotRegistered);
		register(1, MIN_STAKE);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyUnbonding);
	});
}

#[test]
fn an_unbonding_provider_takes_no_new_assignment() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 1, 0),
			Error::<Test>::NotActive
		);
		assert_eq!(
			<Registry as ProviderRegistry<AccountId, Balance>>::provider(&1).map(|p| p.active),
			Some(false)
		);
	});
}

#[test]
fn withdraw_before_the_period_ends_fails() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 300);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		run_to_block(UNBONDING);
		assert_noop!(
			Registry::withdraw(RuntimeOrigin::signed(1)),
			Error::<Test>::UnbondingNotFinished
		);

		run_to_block(1 + UNBONDING);
		assert_ok!(Registry::withdraw(RuntimeOrigin::signed(1)));
		assert!(Providers::<Test>::get(1).is_none());
		assert_eq!(staked(1), 0);
		assert_eq!(free(1), ENDOWMENT);
		assert_eq!(last_event(), Event::Withdrawn { provider: 1, amount: 300 });
	});
}

#[test]
fn withdraw_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Registry::withdraw(RuntimeOrigin::signed(1)), Error::<Test>::NotRegistered);
		register(1, MIN_STAKE);
		assert_noop!(Registry::withdraw(RuntimeOrigin::signed(1)), Error::<Test>::NotUnbonding);
	});
}

#[test]
fn slashes_still_apply_while_unbonding() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 300);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		let outcome = <Registry as Slashing<AccountId, Balance>>::slash(&1, 120, None);
		assert_eq!(outcome.slashed, 120);

		run_to_block(1 + UNBONDING);
		assert_ok!(Registry::withdraw(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::Withdrawn { provider: 1, amount: 180 });
		assert_eq!(free(1), ENDOWMENT - 120);
	});
}

#[test]
fn a_withdrawn_provider_can_register_again() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		run_to_block(1 + UNBONDING);
		assert_ok!(Registry::withdraw(RuntimeOrigin::signed(1)));
		register(1, MIN_STAKE);
		assert!(record(1).is_active());
	});
}

/// A provider with live assignments announces its exit: it leaves both indexes and takes no
/// new assignment, keeps the ones it has (and can still be slashed for them), and unbonds as
/// soon as the last one ends. On the old code there was no way out of selection while
/// assigned: `unbond` refused with `HasLiveAssignments` and new work kept arriving.
#[test]
fn an_exiting_provider_leaves_selection_and_unbonds_once_its_work_has_moved() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		register(2, MIN_STAKE);
		assert_ok!(<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 100, 1));
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::HasLiveAssignments);

		assert_ok!(Registry::announce_exit(RuntimeOrigin::signed(1)));
		assert_eq!(last_event(), Event::ExitAnnounced { provider: 1 });
		assert_eq!(record(1).status, ProviderStatus::Exiting);
		assert_eq!(record(1).index, IndexPositions::default());
		assert_eq!(record(2).index, IndexPositions { storage: Some(0), compute: Some(0) });
		assert_eq!(RoleCount::<Test>::get(ProviderRole::Storage), 1);
		assert_noop!(
			<Registry as ProviderRegistry<AccountId, Balance>>::assign(&1, 1, 0),
			Error::<Test>::NotActive
		);
		// Neither more stake nor capacity brings it back into selection.
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 50));
		assert_eq!(record(1).index, IndexPositions::default());
		assert_noop!(
			Registry::enter_index(RuntimeOrigin::signed(1), ProviderRole::Storage, None),
			Error::<Test>::NotEligible
		);
		// Still answerable for the work it keeps.
		assert_eq!(<Registry as Slashing<AccountId, Balance>>::slash(&1, 10, None).slashed, 10);
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::HasLiveAssignments);

		<Registry as ProviderRegistry<AccountId, Balance>>::unassign(&1, 100, 1);
		assert_eq!(record(1).index, IndexPositions::default());
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_eq!(record(1).status, ProviderStatus::Unbonding { unlock_at: 1 + UNBONDING });
		run_to_block(1 + UNBONDING);
		assert_ok!(Registry::withdraw(RuntimeOrigin::signed(1)));
		assert_eq!(free(1), ENDOWMENT - 10);
	});
}

#[test]
fn announce_exit_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::announce_exit(RuntimeOrigin::signed(1)),
			Error::<Test>::NotRegistered
		);
		register(1, MIN_STAKE);
		assert_ok!(Registry::announce_exit(RuntimeOrigin::signed(1)));
		assert_noop!(
			Registry::announce_exit(RuntimeOrigin::signed(1)),
			Error::<Test>::AlreadyExiting
		);
		assert_ok!(Registry::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			Registry::announce_exit(RuntimeOrigin::signed(1)),
			Error::<Test>::AlreadyUnbonding
		);
		assert_noop!(Registry::unbond(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyUnbonding);
	});
}
