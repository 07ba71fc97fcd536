//! The pallet's invariants, checked by the `try_state` hook and after every unit test.
//!
//! This iterates over every provider: it is for try-runtime and tests only.

use crate::*;
use polkadot_sdk::frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, InspectHold},
		Get,
	},
};
use polkadot_sdk::sp_runtime::traits::Zero;
use polkadot_sdk::sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Check that:
	/// - each record's `stake` equals its account's `ProviderStake` hold;
	/// - no account without a record has a `ProviderStake` hold;
	/// - each record's used capacity fits its declared capacity;
	/// - an unbonding provider has no live assignments (an exiting one may have some);
	/// - a provider with an index position is eligible for the role (active, stake at least
	///   `MinStake`, free capacity) and the index points back at it;
	/// - each role's index is dense (`0..RoleCount`), holds nothing beyond `RoleCount`, and
	///   points only at records that name that position;
	/// - the treasury account holds at least the existential deposit.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let stake_reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		for (who, record) in Providers::<T>::iter() {
			ensure!(
				record.stake == T::Currency::balance_on_hold(&stake_reason, &who),
				"provider stake differs from its ProviderStake hold"
			);
			ensure!(record.capacity.covers(&record.used), "provider uses more than it declared");
			ensure!(
				!matches!(record.status, ProviderStatus::Unbonding { .. })
					|| record.live_assignments == 0,
				"unbonding provider has live assignments"
			);
			for role in [ProviderRole::Storage, ProviderRole::Compute] {
				if let Some(position) = record.index.get(role) {
					ensure!(
						Self::selection_score(&record, role).is_some(),
						"ineligible provider in a role index"
					);
					ensure!(
						RoleIndex::<T>::get(role, position).as_ref() == Some(&who),
						"record's index position does not point back at it"
					);
				}
			}
		}
		for who in polkadot_sdk::frame_system::Account::<T>::iter_keys() {
			ensure!(
				Providers::<T>::contains_key(&who)
					|| T::Currency::balance_on_hold(&stake_reason, &who).is_zero(),
				"stake hold without a provider record"
			);
		}
		ensure!(
			T::Currency::balance(&T::TreasuryAccount::get()) >= T::Currency::minimum_balance(),
			"treasury account below the existential deposit"
		);

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
				ensure!(
					record.index.get(role) == Some(position),
					"role index entry and record position disagree"
				);
			}
		}
		Ok(())
	}
}
