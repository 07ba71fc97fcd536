//! Escrow: hold, release to a provider, refund.

use super::*;
use polkadot_sdk::frame_support::{assert_noop, assert_ok};
use polkadot_sdk::sp_runtime::DispatchResult;

fn hold(client: AccountId, amount: Balance) -> DispatchResult {
	<Registry as Escrow<AccountId, Balance>>::hold(&client, amount)
}

fn release(client: AccountId, provider: AccountId, amount: Balance) -> DispatchResult {
	<Registry as Escrow<AccountId, Balance>>::release(&client, &provider, amount)
}

fn refund(client: AccountId, amount: Balance) -> DispatchResult {
	<Registry as Escrow<AccountId, Balance>>::refund(&client, amount)
}

#[test]
fn hold_moves_free_balance_into_escrow() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		assert_ok!(hold(5, 300));
		assert_eq!(escrowed(5), 300);
		assert_eq!(free(5), ENDOWMENT - 300);
		assert_eq!(last_event(), Event::EscrowHeld { client: 5, amount: 300 });
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn hold_keeps_the_existential_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(hold(5, ENDOWMENT), Error::<Test>::InsufficientBalance);
		assert_noop!(hold(5, ENDOWMENT - ED + 1), Error::<Test>::InsufficientBalance);
		assert_noop!(hold(50, 1), Error::<Test>::InsufficientBalance);
		assert_ok!(hold(5, ENDOWMENT - ED));
		assert_eq!(free(5), ED);
	});
}

#[test]
fn release_pays_a_provider_from_escrow() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		let issuance = Balances::total_issuance();
		assert_ok!(hold(5, 300));
		assert_ok!(release(5, 1, 120));
		assert_eq!(escrowed(5), 180);
		assert_eq!(free(5), ENDOWMENT - 300);
		assert_eq!(free(1), ENDOWMENT - MIN_STAKE + 120);
		// The provider's stake is untouched.
		assert_eq!(staked(1), MIN_STAKE);
		assert_eq!(last_event(), Event::EscrowReleased { client: 5, provider: 1, amount: 120 });
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn release_more_than_escrowed_fails_without_change() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, MIN_STAKE);
		assert_ok!(hold(5, 300));
		assert_noop!(release(5, 1, 301), Error::<Test>::InsufficientEscrow);
		// A provider's stake is not escrow.
		assert_noop!(release(1, 5, 1), Error::<Test>::InsufficientEscrow);
		assert_ok!(release(5, 1, 300));
		assert_eq!(escrowed(5), 0);
	});
}

#[test]
fn refund_returns_escrow_to_the_client() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		assert_ok!(hold(5, 300));
		assert_ok!(refund(5, 100));
		assert_eq!(escrowed(5), 200);
		assert_eq!(free(5), ENDOWMENT - 200);
		assert_eq!(last_event(), Event::EscrowRefunded { client: 5, amount: 100 });
		assert_noop!(refund(5, 201), Error::<Test>::InsufficientEscrow);
		assert_ok!(refund(5, 200));
		assert_eq!(free(5), ENDOWMENT);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn escrow_and_stake_of_one_account_are_separate() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 500);
		assert_ok!(hold(1, 200));
		assert_eq!(staked(1), 500);
		assert_eq!(escrowed(1), 200);
		assert_noop!(refund(1, 201), Error::<Test>::InsufficientEscrow);
		let outcome = <Registry as Slashing<AccountId, Balance>>::slash(&1, 1_000, None);
		assert_eq!(outcome.slashed, 500);
		assert_eq!(escrowed(1), 200);
		assert_ok!(refund(1, 200));
	});
}
