//! Admission and removal, and when each takes effect.

use super::*;
use polkadot_sdk::{frame_support::assert_noop, sp_runtime::DispatchError};

#[test]
fn an_admitted_validator_validates_from_the_session_after_next() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		assert_eq!(Active::get(), vec![1, 2, 3]);
		set_keys(4);
		assert_eq!(Validators::add_validator(RuntimeOrigin::root(), 4), Ok(()));
		assert_eq!(validator_events(), vec![Event::ValidatorAdded { who: 4 }]);
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![1, 2, 3, 4]);

		// Session 1 starts with the set queued at genesis; the new set is planned then.
		run_to_session(1);
		assert_eq!(Active::get(), vec![1, 2, 3]);
		assert!(!SetChanged::<Test>::get());
		run_to_session(2);
		assert_eq!(Active::get(), vec![1, 2, 3, 4]);
		run_to_session(3);
		assert_eq!(Active::get(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn a_removed_validator_stops_after_the_next_session() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		run_to_session(1);
		assert_eq!(Validators::remove_validator(RuntimeOrigin::root(), 2), Ok(()));
		assert_eq!(validator_events(), vec![Event::ValidatorRemoved { who: 2 }]);
		run_to_session(2);
		assert_eq!(Active::get(), vec![1, 2, 3]);
		run_to_session(3);
		assert_eq!(Active::get(), vec![1, 3]);
	});
}

#[test]
fn only_the_admin_origin_changes_the_set() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		set_keys(4);
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::signed(4), 4),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn admission_needs_session_keys_and_room() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 4),
			Error::<Test>::NoSessionKeys
		);
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::AlreadyValidator
		);
		for who in 4..=5 {
			set_keys(who);
			assert_eq!(Validators::add_validator(RuntimeOrigin::root(), who), Ok(()));
		}
		set_keys(6);
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 6),
			Error::<Test>::TooManyValidators
		);
		assert_eq!(crate::Validators::<Test>::get().len() as u32, MAX_VALIDATORS);
	});
}

#[test]
fn removal_keeps_min_validators() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 7),
			Error::<Test>::NotValidator
		);
		assert_eq!(Validators::remove_validator(RuntimeOrigin::root(), 1), Ok(()));
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::TooFewValidators
		);
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![2, 3]);
	});
}

#[test]
fn an_unchanged_set_is_not_planned_again() {
	new_test_ext(&[1, 2, 3]).execute_with(|| {
		run_to_session(3);
		assert!(!SetChanged::<Test>::get());
		assert_eq!(<Validators as pallet_session::SessionManager<AccountId>>::new_session(4), None);
	});
}

#[test]
#[should_panic(expected = "genesis validator listed twice")]
fn genesis_refuses_a_duplicate_validator() {
	new_test_ext(&[1, 2, 1]);
}
