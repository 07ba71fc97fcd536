//! Registration: `register`, `update` (capacity, endpoint, minimum price), `bond_extra`.

use crate::*;
use polkadot_sdk::frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Preservation},
		Get,
	},
};
use polkadot_sdk::sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// Register `who` as a provider: hold `stake`, store the record, enter the selection
	/// index of each role offered that has room.
	pub(crate) fn do_register(
		who: T::AccountId,
		roles: ProviderRoles,
		stake: BalanceOf<T>,
		capacity: Capacity,
		endpoint: EndpointOf<T>,
		min_price: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= T::MinStake::get(), Error::<T>::StakeBelowMinimum);
		ensure!(validate_endpoint(&endpoint), Error::<T>::InvalidEndpoint);
		let capacity = capacity_for(roles, capacity);
		Self::ensure_capacity_for_roles(roles, &capacity)?;
		ensure!(capacity.bytes <= Self::backed_bytes(stake), Error::<T>::CapacityAboveStake);
		Self::ensure_can_hold(&who, stake)?;

		T::Currency::hold(&HoldReason::ProviderStake.into(), &who, stake)?;
		let mut record = ProviderRecord::<T> {
			roles,
			stake,
			capacity,
			used: Capacity::default(),
			endpoint,
			min_price,
			live_assignments: 0,
			slashes: 0,
			successes: 0,
			status: ProviderStatus::Active,
			index: IndexPositions::default(),
		};
		Self::deposit_event(Event::Registered {
			provider: who.clone(),
			roles,
			stake,
			capacity,
			min_price,
		});
		Self::sync_index(&who, &mut record);
		Providers::<T>::insert(&who, record);
		Ok(())
	}

	/// Change the fields of `who`'s declared capacity, endpoint and minimum price that are
	/// given.
	pub(crate) fn do_update(
		who: T::AccountId,
		bytes: Option<u64>,
		compute_slots: Option<u32>,
		endpoint: Option<EndpointOf<T>>,
		min_price: Option<BalanceOf<T>>,
	) -> DispatchResult {
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		if let Some(endpoint) = &endpoint {
			ensure!(validate_endpoint(endpoint), Error::<T>::InvalidEndpoint);
		}
		let requested = Capacity {
			bytes: bytes.unwrap_or(record.capacity.bytes),
			compute_slots: compute_slots.unwrap_or(record.capacity.compute_slots),
		};
		let capacity = capacity_for(record.roles, requested);
		let endpoint = endpoint.unwrap_or_else(|| record.endpoint.clone());
		let min_price = min_price.unwrap_or(record.min_price);
		ensure!(
			capacity != record.capacity
				|| endpoint != record.endpoint
				|| min_price != record.min_price,
			Error::<T>::NothingToUpdate
		);
		Self::ensure_capacity_for_roles(record.roles, &capacity)?;
		ensure!(capacity.covers(&record.used), Error::<T>::CapacityBelowUsed);
		ensure!(capacity.bytes <= Self::backed_bytes(record.stake), Error::<T>::CapacityAboveStake);

		record.capacity = capacity;
		record.endpoint = endpoint;
		record.min_price = min_price;
		Self::deposit_event(Event::Updated { provider: who.clone(), capacity, min_price });
		Self::sync_index(&who, &mut record);
		Providers::<T>::insert(&who, record);
		Ok(())
	}

	/// Hold `amount` more of `who`'s balance as stake.
	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_can_hold(&who, amount)?;

		T::Currency::hold(&HoldReason::ProviderStake.into(), &who, amount)?;
		record.stake = record.stake.saturating_add(amount);
		let stake = record.stake;
		Self::sync_index(&who, &mut record);
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

	/// The bytes of storage capacity `stake` backs: whole `StakePerGiB` units, a GiB each.
	pub(crate) fn backed_bytes(stake: BalanceOf<T>) -> u64 {
		let units: u128 = (stake / T::StakePerGiB::get()).saturated_into();
		u64::try_from(units.saturating_mul(1 << 30)).unwrap_or(u64::MAX)
	}

	/// Each role offered has a non-zero part of `capacity`.
	fn ensure_capacity_for_roles(roles: ProviderRoles, capacity: &Capacity) -> DispatchResult {
		for role in roles.roles() {
			ensure!(capacity.of(*role) > 0, Error::<T>::ZeroCapacity);
		}
		Ok(())
	}
}
