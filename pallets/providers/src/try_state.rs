//! The pallet's invariants, checked by the `try_state` hook and after every unit test.
//!
//! This iterates over every provider: it is for try-runtime and tests only.

use crate::*;
use polkadot_sdk::frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use polkadot_sdk::sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Check that:
	/// - each record's `stake` equals its account's `ProviderStake` hold;
	/// - each record's used capacity fits its declared capacity;
	/// - an active provider is in the index of every role it offers, at the position on its
	///   record, and an unbonding one is in none;
	/// - each role's index is dense (`0..RoleCount`), holds nothing beyond `RoleCount`, and
	///   points only at active records that offer the role and name that position.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let stake_reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		for (who, record) in Providers::<T>::iter() {
			ensure!(
				record.stake == T::Currency::balance_on_hold(&stake_reason, &who),
				"provider stake differs from its ProviderStake hold"
			);
			ensure!(record.capacity.covers(&record.used), "provider uses more than it declared");
			for role in [ProviderRole::Storage, ProviderRole::Compute] {
				let position = record.index.get(role);
				if record.is_active() && record.roles.offers(role) {
					let position = position.ok_or("active provider missing from a role index")?;
					ensure!(
						RoleIndex::<T>::get(role, position).as_ref() == Some(&who),
						"record's index position does not point back at it"
					);
				} else {
					ensure!(
						position.is_none(),
						"inactive or non-offered role has an index position"
					);
				}
			}
		}

		for role in [ProviderRole::Storage, ProviderRole::Compute] {
			let count = RoleCount::<T>::get(role);
			ensure!(
				RoleIndex::<T>::iter_prefix(role).count() as u32 == count,
				"role index has entries beyond its count"
			);
			ensure!(count <= T::MaxProviders::get(), "role index longer than MaxProviders");
			for position in 0..count {
				let who = RoleIndex::<T>::get(role, position).ok_or("role index is not dense")?;
				let record =
					Providers::<T>::get(&who).ok_or("role index names an unknown provider")?;
				ensure!(record.is_active(), "role index names an unbonding provider");
				ensure!(record.roles.offers(role), "role index names a provider without the role");
				ensure!(
					record.index.get(role) == Some(position),
					"role index entry and record position disagree"
				);
			}
		}
		Ok(())
	}
}
