//! Slashing and the treasury.

use super::*;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};
use polkadot_sdk::sp_runtime::DispatchError;

fn slash(
	provider: AccountId,
	amount: Balance,
	harmed: Option<(AccountId, Balance)>,
) -> SlashOutcome<Balance> {
	<Registry as Slashing<AccountId, Balance>>::slash(&provider, amount, harmed)
}

#[test]
fn slash_pays_the_harmed_client_first_bounded_by_its_loss() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		let issuance = Balances::total_issuance();

		let outcome = slash(1, 300, Some((5, 100)));

		assert_eq!(outcome, SlashOutcome { slashed: 300, to_harmed: 100, to_treasury: 200 });
		assert_eq!(free(5), ENDOWMENT + 100);
		assert_eq!(free(TREASURY), ED + 200);
		assert_eq!(staked(1), 200);
		assert_eq!(record(1).stake, 200);
		assert_eq!(record(1).slashes, 1);
		// The provider's free balance is untouched.
		assert_eq!(free(1), ENDOWMENT - 500);
		assert_eq!(
			last_event(),
			Event::Slashed { provider: 1, amount: 300, to_harmed: 100, to_treasury: 200 }
		);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn a_loss_larger_than_the_slash_takes_all_of_it() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		let outcome = slash(1, 100, Some((5, 1_000)));
		assert_eq!(outcome, SlashOutcome { slashed: 100, to_harmed: 100, to_treasury: 0 });
		assert_eq!(free(5), ENDOWMENT + 100);
		assert_eq!(free(TREASURY), ED);
	});
}

#[test]
fn a_slash_larger_than_the_stake_takes_the_stake_and_reports_it() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 200);
		let issuance = Balances::total_issuance();

		let outcome = slash(1, 1_000, Some((5, 50)));

		assert_eq!(outcome, SlashOutcome { slashed: 200, to_harmed: 50, to_treasury: 150 });
		assert_eq!(staked(1), 0);
		assert_eq!(record(1).stake, 0);
		assert_eq!(free(1), ENDOWMENT - 200);
		assert_eq!(
			last_event(),
			Event::Slashed { provider: 1, amount: 200, to_harmed: 50, to_treasury: 150 }
		);
		// A second slash finds nothing but is still counted.
		assert_eq!(slash(1, 10, None), SlashOutcome::default());
		assert_eq!(record(1).slashes, 2);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn a_slash_without_a_harmed_client_goes_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		assert_eq!(slash(1, 80, None), SlashOutcome { slashed: 80, to_harmed: 0, to_treasury: 80 });
		assert_eq!(free(TREASURY), ED + 80);
	});
}

#[test]
fn an_unknown_provider_is_not_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let events = System::events().len();
		assert_eq!(slash(7, 80, Some((5, 10))), SlashOutcome::default());
		assert_eq!(System::events().len(), events);
	});
}

#[test]
fn a_harmed_account_that_cannot_receive_leaves_its_share_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		// Account 77 does not exist and 5 is below the existential deposit.
		let outcome = slash(1, 100, Some((77, ED - 5)));
		assert_eq!(outcome, SlashOutcome { slashed: 100, to_harmed: 0, to_treasury: 100 });
		assert_eq!(free(77), 0);
	});
}

#[test]
fn a_provider_is_not_paid_for_harming_itself() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		let outcome = slash(1, 100, Some((1, 100)));
		assert_eq!(outcome, SlashOutcome { slashed: 100, to_harmed: 0, to_treasury: 100 });
		assert_eq!(free(1), ENDOWMENT - 500);
	});
}

#[test]
fn a_provider_slashed_below_the_minimum_is_not_selected_until_it_bonds_again() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		slash(1, 1, None);
		let select = || {
			<Registry as ProviderRegistry<AccountId, Balance>>::select(
				ProviderRole::Storage,
				1,
				[3; 32],
				&[],
				0,
			)
		};
		assert_eq!(select(), Err(SelectionError::NotEnoughProviders));
		assert_ok!(Registry::bond_extra(RuntimeOrigin::signed(1), 1));
		assert_eq!(select(), Ok(vec![1]));
	});
}

#[test]
fn spend_treasury_pays_from_the_treasury_and_keeps_it_alive() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		slash(1, 300, None);
		assert_eq!(free(TREASURY), ED + 300);

		assert_noop!(
			Registry::spend_treasury(RuntimeOrigin::signed(1), 5, 100),
			DispatchError::BadOrigin
		);
		assert_ok!(Registry::spend_treasury(RuntimeOrigin::root(), 5, 100));
		assert_eq!(free(5), ENDOWMENT + 100);
		assert_eq!(free(TREASURY), ED + 200);
		assert_eq!(last_event(), Event::TreasurySpent { to: 5, amount: 100 });

		// The treasury keeps its existential deposit.
		assert!(Registry::spend_treasury(RuntimeOrigin::root(), 5, 201).is_err());
		assert_eq!(free(TREASURY), ED + 200);
		assert_ok!(Registry::spend_treasury(RuntimeOrigin::root(), 5, 200));
		assert_eq!(free(TREASURY), ED);
	});
}
