//! Registration: `register`, `update`, `bond_extra`.

use crate::*;
use alloc::vec::Vec;
use polkadot_sdk::frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Preservation},
		Get,
	},
	BoundedVec,
};
use polkadot_sdk::sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Register `who` as a provider: hold `stake`, store the record, enter the selection
	/// index of each role offered.
	pub(crate) fn do_register(
		who: T::AccountId,
		roles: ProviderRoles,
		stake: BalanceOf<T>,
		capacity: Capacity,
		endpoint: Vec<u8>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= T::MinStake::get(), Error::<T>::StakeBelowMinimum);
		let endpoint = Self::bound_endpoint(endpoint)?;
		let capacity = capacity_for(roles, capacity);
		Self::ensure_capacity_for_roles(roles, &capacity)?;
		for role in roles.roles() {
			ensure!(
				RoleCount::<T>::get(role) < T::MaxProviders::get(),
				Error::<T>::TooManyProviders
			);
		}
		Self::ensure_can_hold(&who, stake)?;

		T::Currency::hold(&HoldReason::ProviderStake.into(), &who, stake)?;
		let mut index = IndexPositions::default();
		for role in roles.roles() {
			index.set(*role, Some(Self::index_push(*role, &who)));
		}
		Providers::<T>::insert(
			&who,
			ProviderRecord::<T> {
				roles,
				stake,
				capacity,
				used: Capacity::default(),
				endpoint,
				live_assignments: 0,
				slashes: 0,
				successes: 0,
				status: ProviderStatus::Active,
				index,
			},
		);
		Self::deposit_event(Event::Registered { provider: who, roles, stake, capacity });
		Ok(())
	}

	/// Replace `who`'s declared capacity and endpoint.
	pub(crate) fn do_update(
		who: T::AccountId,
		capacity: Capacity,
		endpoint: Vec<u8>,
	) -> DispatchResult {
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let endpoint = Self::bound_endpoint(endpoint)?;
		let capacity = capacity_for(record.roles, capacity);
		Self::ensure_capacity_for_roles(record.roles, &capacity)?;
		ensure!(capacity.covers(&record.used), Error::<T>::CapacityBelowUsed);

		record.capacity = capacity;
		record.endpoint = endpoint;
		Providers::<T>::insert(&who, record);
		Self::deposit_event(Event::Updated { provider: who, capacity });
		Ok(())
	}

	/// Hold `amount` more of `who`'s balance as stake.
	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_can_hold(&who, amount)?;

		T::Currency::hold(&HoldReason::ProviderStake.into(), &who, amount)?;
		record.stake = record.stake.saturating_add(amount);
		let stake = record.stake;
		Providers::<T>::insert(&who, record);
		Self::deposit_event(Event::StakeBonded { provider: who, amount, stake });
		Ok(())
	}

	/// `amount` can be held from `who`'s free balance with the existential deposit left
	/// free, so the account stays alive (and freezes are respected).
	pub(crate) fn ensure_can_hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let available =
			T::Currency::reducible_balance(who, Preservation::Preserve, Fortitude::Polite);
		ensure!(amount <= available, Error::<T>::InsufficientBalance);
		Ok(())
	}

	/// Each role offered has a non-zero part of `capacity`.
	fn ensure_capacity_for_roles(roles: ProviderRoles, capacity: &Capacity) -> DispatchResult {
		for role in roles.roles() {
			ensure!(capacity.of(*role) > 0, Error::<T>::ZeroCapacity);
		}
		Ok(())
	}

	/// `endpoint` as a bounded vector, or `EndpointTooLong`.
	fn bound_endpoint(endpoint: Vec<u8>) -> Result<BoundedVec<u8, T::MaxEndpointLen>, Error<T>> {
		endpoint.try_into().map_err(|_| Error::<T>::EndpointTooLong)
	}
}
