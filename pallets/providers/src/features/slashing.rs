//! Slashing of provider stake, and the treasury that receives what harmed clients do not.
//!
//! A slash moves held stake to other accounts' free balance (`transfer_on_hold`): first to
//! the harmed client, up to what it lost, then the rest to the treasury account. Nothing is
//! burned. The treasury is an ordinary account that only `TreasuryOrigin` spends from.

use crate::*;
use polkadot_sdk::frame_support::{
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Get,
	},
};
use polkadot_sdk::sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Slashing<T::AccountId, BalanceOf<T>> for Pallet<T> {
	/// An unknown `provider` (never registered, or withdrawn) is not slashed and gets no count.
	/// If a transfer cannot be made (a dead harmed account and a payment below the existential
	/// deposit), that part goes to the treasury; if the treasury cannot take it either, it
	/// stays held as stake and is not counted as slashed.
	fn slash(
		provider: &T::AccountId,
		amount: BalanceOf<T>,
		harmed: Option<(T::AccountId, BalanceOf<T>)>,
	) -> SlashOutcome<BalanceOf<T>> {
		let Some(mut record) = Providers::<T>::get(provider) else {
			return SlashOutcome::default();
		};
		let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		let held_before = T::Currency::balance_on_hold(&reason, provider);
		let target = amount.min(record.stake).min(held_before);

		let mut to_harmed = Zero::zero();
		if let Some((client, lost)) = harmed {
			let due = target.min(lost);
			if !due.is_zero() && client != *provider {
				to_harmed = Self::pay_from_stake(&reason, provider, &client, due);
			}
		}
		let rest = target.saturating_sub(to_harmed);
		let to_treasury = if rest.is_zero() {
			Zero::zero()
		} else {
			Self::pay_from_stake(&reason, provider, &T::TreasuryAccount::get(), rest)
		};

		// The record follows the hold, whatever the transfers actually moved.
		let held_after = T::Currency::balance_on_hold(&reason, provider);
		let slashed = held_before.saturating_sub(held_after);
		record.stake = record.stake.saturating_sub(slashed);
		record.slashes = record.slashes.saturating_add(1);
		// Below `MinStake`, the provider leaves the selection indexes.
		Self::sync_index(provider, &mut record);
		Providers::<T>::insert(provider, record);
		Self::deposit_event(Event::Slashed {
			provider: provider.clone(),
			amount: slashed,
			to_harmed,
			to_treasury,
		});
		SlashOutcome { slashed, to_harmed, to_treasury }
	}
}

impl<T: Config> Pallet<T> {
	/// Move up to `amount` of `provider`'s stake hold to `to`'s free balance; the amount moved,
	/// zero if the transfer is refused.
	fn pay_from_stake(
		reason: &T::RuntimeHoldReason,
		provider: &T::AccountId,
		to: &T::AccountId,
		amount: BalanceOf<T>,
	) -> BalanceOf<T> {
		T::Currency::transfer_on_hold(
			reason,
			provider,
			to,
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero())
	}

	/// Pay `amount` from the treasury account to `to`; the treasury stays alive.
	pub(crate) fn do_spend_treasury(to: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::transfer(&T::TreasuryAccount::get(), &to, amount, Preservation::Preserve)?;
		Self::deposit_event(Event::TreasurySpent { to, amount });
		Ok(())
	}
}
