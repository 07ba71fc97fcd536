//! Escrow: clients' payments held on their own account until work is proven.
//!
//! Funds stay the client's (on hold with [`HoldReason::Escrow`]) until they are paid to a
//! provider (`release`: transfer from the hold to the provider's free balance) or refunded
//! (`refund`: the hold is released). Nothing is minted or burned. The pallet keeps one
//! escrow hold per client; the markets account for which deal or job each part belongs to.

use crate::*;
use polkadot_sdk::frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
};

impl<T: Config> Escrow<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn hold(client: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		Self::ensure_can_hold(client, amount)?;
		T::Currency::hold(&HoldReason::Escrow.into(), client, amount)?;
		Self::deposit_event(Event::EscrowHeld { client: client.clone(), amount });
		Ok(())
	}

	/// Pays exactly `amount` or fails without change. Freezes on the client's account do not
	/// block a payment it has already committed (`Fortitude::Force`).
	fn release(
		client: &T::AccountId,
		provider: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		Self::ensure_escrowed(client, amount)?;
		T::Currency::transfer_on_hold(
			&HoldReason::Escrow.into(),
			client,
			provider,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)?;
		Self::deposit_event(Event::EscrowReleased {
			client: client.clone(),
			provider: provider.clone(),
			amount,
		});
		Ok(())
	}

	/// Refunds exactly `amount` or fails without change.
	fn refund(client: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		Self::ensure_escrowed(client, amount)?;
		T::Currency::release(&HoldReason::Escrow.into(), client, amount, Precision::Exact)?;
		Self::deposit_event(Event::EscrowRefunded { client: client.clone(), amount });
		Ok(())
	}

	fn held(client: &T::AccountId) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&HoldReason::Escrow.into(), client)
	}
}

impl<T: Config> Pallet<T> {
	/// `client`'s escrow hold covers `amount`.
	fn ensure_escrowed(client: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let held = T::Currency::balance_on_hold(&HoldReason::Escrow.into(), client);
		ensure!(amount <= held, Error::<T>::InsufficientEscrow);
		Ok(())
	}
}
