//! Leaving: `announce_exit` (out of selection while the markets move the provider's work
//! elsewhere), `unbond` (once nothing is assigned) and `withdraw` (after the unbonding period,
//! slashes included).

use crate::*;
use polkadot_sdk::frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{fungible::MutateHold, tokens::Precision, Get},
};
use polkadot_sdk::frame_system::{pallet_prelude::BlockNumberFor, Pallet as System};
use polkadot_sdk::sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Take active `who` out of the selection indexes; it keeps its assignments until the
	/// markets move them.
	pub(crate) fn do_announce_exit(who: T::AccountId) -> DispatchResult {
		let record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		match record.status {
			ProviderStatus::Active => {},
			ProviderStatus::Exiting => return Err(Error::<T>::AlreadyExiting.into()),
			ProviderStatus::Unbonding { .. } => return Err(Error::<T>::AlreadyUnbonding.into()),
		}
		Self::leave_indexes(&who, record, ProviderStatus::Exiting);
		Self::deposit_event(Event::ExitAnnounced { provider: who });
		Ok(())
	}

	/// Take `who` (active or exiting) out of the selection indexes and start its unbonding
	/// period.
	pub(crate) fn do_unbond(who: T::AccountId) -> DispatchResult {
		let record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(
			!matches!(record.status, ProviderStatus::Unbonding { .. }),
			Error::<T>::AlreadyUnbonding
		);
		ensure!(record.live_assignments == 0, Error::<T>::HasLiveAssignments);

		let unlock_at = System::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		Self::leave_indexes(&who, record, ProviderStatus::Unbonding { unlock_at });
		Self::deposit_event(Event::UnbondingStarted { provider: who, unlock_at });
		Ok(())
	}

	/// Store `record` of `who` with `status` and out of every selection index.
	fn leave_indexes(
		who: &T::AccountId,
		mut record: ProviderRecord<T>,
		status: ProviderStatus<BlockNumberFor<T>>,
	) {
		// Store the record first: `index_remove` may update the record of the provider it
		// moves, which is never `who` (that one is at the removed position).
		let positions = record.index;
		record.status = status;
		record.index = IndexPositions::default();
		Providers::<T>::insert(who, record);
		for role in [ProviderRole::Storage, ProviderRole::Compute] {
			if let Some(position) = positions.get(role) {
				Self::index_remove(role, position);
			}
		}
	}

	/// Release `who`'s whole stake and remove its record, once the unbonding period is over.
	pub(crate) fn do_withdraw(who: T::AccountId) -> DispatchResult {
		let record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let ProviderStatus::Unbonding { unlock_at } = record.status else {
			return Err(Error::<T>::NotUnbonding.into());
		};
		ensure!(System::<T>::block_number() >= unlock_at, Error::<T>::UnbondingNotFinished);

		let amount = T::Currency::release_all(
			&HoldReason::ProviderStake.into(),
			&who,
			Precision::BestEffort,
		)?;
		Providers::<T>::remove(&who);
		Self::deposit_event(Event::Withdrawn { provider: who, amount });
		Ok(())
	}
}
