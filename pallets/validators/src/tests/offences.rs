//! Reported offenders are disabled at once and leave the set.

use super::*;
use polkadot_sdk::{
	sp_runtime::Perbill,
	sp_staking::offence::{OffenceDetails, OnOffenceHandler},
};

fn report(offenders: &[AccountId], session: SessionIndex) {
	let details: Vec<_> = offenders
		.iter()
		.map(|&who| OffenceDetails { offender: (who, ()), reporters: vec![] })
		.collect();
	let fractions = vec![Perbill::one(); offenders.len()];
	<Validators as OnOffenceHandler<_, _, _>>::on_offence(&details, &fractions, session);
}

#[test]
fn an_offender_is_disabled_now_and_removed_from_the_next_planned_set() {
	new_test_ext(&[1, 2, 3, 4]).execute_with(|| {
		run_to_session(1);
		report(&[3], 1);
		// Index 2 of the active set [1, 2, 3, 4]: a set of 4 may disable one.
		assert_eq!(Disabled::get(), vec![2]);
		assert_eq!(pallet_session::Pallet::<Test>::disabled_validators(), vec![2]);
		assert_eq!(validator_events(), vec![Event::OffenderRemoved { who: 3, session: 1 }]);
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![1, 2, 4]);
		run_to_session(2);
		assert_eq!(Active::get(), vec![1, 2, 3, 4]);
		run_to_session(3);
		assert_eq!(Active::get(), vec![1, 2, 4]);
	});
}

#[test]
fn an_offender_reported_again_is_left_alone() {
	new_test_ext(&[1, 2, 3, 4]).execute_with(|| {
		report(&[3], 0);
		report(&[3], 0);
		assert_eq!(validator_events(), vec![Event::OffenderRemoved { who: 3, session: 0 }]);
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![1, 2, 4]);
	});
}

#[test]
fn an_offender_stays_when_the_set_is_at_its_minimum() {
	new_test_ext(&[1, 2]).execute_with(|| {
		report(&[2], 0);
		assert_eq!(validator_events(), vec![Event::OffenderKept { who: 2, session: 0 }]);
		assert_eq!(crate::Validators::<Test>::get().into_inner(), vec![1, 2]);
	});
}
