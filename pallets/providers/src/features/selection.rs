//! Selection of providers and the [`ProviderRegistry`] the markets use.
//!
//! Each role has a dense index `RoleIndex[role][0..RoleCount[role]]` of active providers;
//! a provider's positions are on its record, and removal is a swap with the last entry, so
//! entering and leaving are O(1). Selection draws index positions from
//! `blake2_256(seed ++ draw)` and accepts an eligible candidate with probability
//! `free capacity fraction × stake factor` (rejection sampling), so providers are chosen in
//! proportion to both while the cost stays bounded by the draw budget, whatever the number
//! of providers. When the budget runs out, eligible candidates that were drawn but rejected
//! fill the remaining places, best score first.

use crate::*;
use alloc::{collections::BTreeSet, vec::Vec};
use polkadot_sdk::frame_support::{
	ensure, pallet_prelude::DispatchResult, traits::Get, weights::Weight,
};
use polkadot_sdk::{
	sp_io::hashing::blake2_256,
	sp_runtime::{ArithmeticError, SaturatedConversion},
};

/// Scores are parts per billion.
const BILLION: u64 = 1_000_000_000;

impl<T: Config> Pallet<T> {
	/// Bring `record` (of `who`, not yet stored) into line with the selection indexes: out of
	/// each index it is in but not eligible for, into each index of a role it is eligible for
	/// that has room. The caller stores `record`.
	pub(crate) fn sync_index(who: &T::AccountId, record: &mut ProviderRecord<T>) {
		for role in [ProviderRole::Storage, ProviderRole::Compute] {
			let eligible = Self::selection_score(record, role).is_some();
			match record.index.get(role) {
				Some(position) if !eligible => {
					// `index_remove` may rewrite the record of the entry it moves, never `who`'s
					// (that one is at `position`).
					Self::index_remove(role, position);
					record.index.set(role, None);
					Self::deposit_event(Event::IndexLeft { provider: who.clone(), role });
				},
				None if eligible && RoleCount::<T>::get(role) < T::MaxProviders::get() => {
					record.index.set(role, Some(Self::index_push(role, who)));
					Self::deposit_event(Event::IndexEntered { provider: who.clone(), role });
				},
				_ => {},
			}
		}
	}

	/// Take `who` out of every index it is in but not eligible for.
	pub(crate) fn do_chill(who: T::AccountId) -> DispatchResult {
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let chillable = [ProviderRole::Storage, ProviderRole::Compute].into_iter().any(|role| {
			record.index.get(role).is_some() && Self::selection_score(&record, role).is_none()
		});
		ensure!(chillable, Error::<T>::NothingToChill);
		Self::sync_index(&who, &mut record);
		Providers::<T>::insert(&who, record);
		Ok(())
	}

	/// Put `who` into `role`'s index, at the position of `displace` if the index is full.
	pub(crate) fn do_enter_index(
		who: T::AccountId,
		role: ProviderRole,
		displace: Option<T::AccountId>,
	) -> DispatchResult {
		let mut record = Providers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(record.index.get(role).is_none(), Error::<T>::AlreadyIndexed);
		ensure!(Self::selection_score(&record, role).is_some(), Error::<T>::NotEligible);
		if RoleCount::<T>::get(role) < T::MaxProviders::get() {
			record.index.set(role, Some(Self::index_push(role, &who)));
		} else {
			let displaced = displace.ok_or(Error::<T>::TooManyProviders)?;
			let mut displaced_record =
				Providers::<T>::get(&displaced).ok_or(Error::<T>::CannotDisplace)?;
			let position = displaced_record.index.get(role).ok_or(Error::<T>::CannotDisplace)?;
			ensure!(displaced_record.stake < record.stake, Error::<T>::CannotDisplace);
			RoleIndex::<T>::insert(role, position, &who);
			record.index.set(role, Some(position));
			displaced_record.index.set(role, None);
			Providers::<T>::insert(&displaced, displaced_record);
			Self::deposit_event(Event::IndexLeft { provider: displaced, role });
		}
		Providers::<T>::insert(&who, record);
		Self::deposit_event(Event::IndexEntered { provider: who, role });
		Ok(())
	}

	/// Append `who` to `role`'s index and return its position. The caller checked
	/// `RoleCount < MaxProviders`.
	pub(crate) fn index_push(role: ProviderRole, who: &T::AccountId) -> u32 {
		let position = RoleCount::<T>::get(role);
		RoleIndex::<T>::insert(role, position, who);
		RoleCount::<T>::insert(role, position.saturating_add(1));
		position
	}

	/// Remove the entry at `position` from `role`'s index: the last entry moves into its
	/// place and its record's position is updated.
	pub(crate) fn index_remove(role: ProviderRole, position: u32) {
		let count = RoleCount::<T>::get(role);
		let Some(last) = count.checked_sub(1) else { return };
		if position != last {
			if let Some(moved) = RoleIndex::<T>::get(role, last) {
				RoleIndex::<T>::insert(role, position, &moved);
				Providers::<T>::mutate(&moved, |record| {
					if let Some(record) = record {
						record.index.set(role, Some(position));
					}
				});
			}
		}
		RoleIndex::<T>::remove(role, last);
		RoleCount::<T>::insert(role, last);
	}

	/// The selection score of `record` for `role` in parts per billion, or `None` if it is not
	/// eligible: active, stake at least `MinStake`, some free capacity for `role` (for storage,
	/// within what the stake backs).
	pub(crate) fn selection_score(record: &ProviderRecord<T>, role: ProviderRole) -> Option<u64> {
		if !record.is_active() || !record.roles.offers(role) {
			return None;
		}
		let min_stake: u128 = T::MinStake::get().saturated_into();
		let stake: u128 = record.stake.saturated_into();
		if stake < min_stake {
			return None;
		}
		let mut declared = record.capacity.of(role);
		if role == ProviderRole::Storage {
			// Only what the stake still backs counts (a slash may have lowered it).
			declared = declared.min(Self::backed_bytes(record.stake));
		}
		let free = declared.saturating_sub(record.used.of(role));
		if free == 0 || declared == 0 {
			return None;
		}
		let free_ppb = (u128::from(free) * u128::from(BILLION) / u128::from(declared)) as u64;
		let cap = min_stake.saturating_mul(u128::from(STAKE_WEIGHT_CAP)).max(1);
		let stake_ppb = (stake.min(cap).saturating_mul(u128::from(BILLION)) / cap) as u64;
		Some((free_ppb.saturating_mul(stake_ppb) / BILLION).max(1))
	}

	/// Select `count` distinct eligible providers of `role` not in `exclude` whose minimum
	/// price is at most `price`, making at most `max_draws` draws.
	pub(crate) fn do_select(
		role: ProviderRole,
		count: u32,
		seed: [u8; 32],
		exclude: &[T::AccountId],
		price: BalanceOf<T>,
		max_draws: u32,
	) -> Result<Vec<T::AccountId>, SelectionError> {
		Self::select_counting_draws(role, count, seed, exclude, price, max_draws).0
	}

	/// [`Self::do_select`], and the number of draws it made.
	pub(crate) fn select_counting_draws(
		role: ProviderRole,
		count: u32,
		seed: [u8; 32],
		exclude: &[T::AccountId],
		price: BalanceOf<T>,
		max_draws: u32,
	) -> (Result<Vec<T::AccountId>, SelectionError>, u32) {
		if count == 0 {
			return (Ok(Vec::new()), 0);
		}
		let n = RoleCount::<T>::get(role);
		if n < count {
			return (Err(SelectionError::NotEnoughProviders), 0);
		}

		let mut selected: Vec<T::AccountId> = Vec::with_capacity(count as usize);
		// Eligible candidates drawn and rejected, with their scores.
		let mut fallback: Vec<(u64, T::AccountId)> = Vec::new();
		// Index positions already looked at.
		let mut seen: BTreeSet<u32> = BTreeSet::new();
		let mut input = [0u8; 36];
		input[..32].copy_from_slice(&seed);

		let mut draw: u32 = 0;
		while draw < max_draws && (selected.len() as u32) < count && (seen.len() as u32) < n {
			input[32..].copy_from_slice(&draw.to_le_bytes());
			draw = draw.saturating_add(1);
			let hash = blake2_256(&input);
			let position = (u64_from(&hash[0..8]) % u64::from(n)) as u32;
			let coin = u64_from(&hash[8..16]) % BILLION;
			if !seen.insert(position) {
				continue;
			}
			let Some(who) = RoleIndex::<T>::get(role, position) else { continue };
			if exclude.contains(&who) {
				continue;
			}
			let Some(record) = Providers::<T>::get(&who) else { continue };
			// A provider asking more than the price costs a draw like any rejected one, so the
			// budget bounds the reads however many providers ask more.
			if record.min_price > price {
				continue;
			}
			let Some(score) = Self::selection_score(&record, role) else { continue };
			if coin < score {
				selected.push(who);
			} else {
				fallback.push((score, who));
			}
		}

		if (selected.len() as u32) < count {
			// Highest score first; the sort is stable, so ties keep draw order.
			fallback.sort_by_key(|(score, _)| core::cmp::Reverse(*score));
			for (_, who) in fallback {
				if (selected.len() as u32) >= count {
					break;
				}
				selected.push(who);
			}
		}
		if (selected.len() as u32) < count {
			return (Err(SelectionError::NotEnoughProviders), draw);
		}
		(Ok(selected), draw)
	}
}

/// The little-endian `u64` in the first eight bytes of `bytes`.
fn u64_from(bytes: &[u8]) -> u64 {
	let mut buf = [0u8; 8];
	buf.copy_from_slice(&bytes[..8]);
	u64::from_le_bytes(buf)
}

impl<T: Config> ProviderRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn provider(who: &T::AccountId) -> Option<ProviderSummary<BalanceOf<T>>> {
		Providers::<T>::get(who).map(|record| ProviderSummary {
			roles: record.roles,
			stake: record.stake,
			free: record.free(),
			used: record.used,
			slashes: record.slashes,
			successes: record.successes,
			active: record.is_active(),
		})
	}

	fn select(
		role: ProviderRole,
		count: u32,
		seed: [u8; 32],
		exclude: &[T::AccountId],
		price: BalanceOf<T>,
	) -> Result<Vec<T::AccountId>, SelectionError> {
		Self::do_select(role, count, seed, exclude, price, Self::draw_budget(count))
	}

	fn select_weight(count: u32) -> Weight {
		T::WeightInfo::select(T::MaxProviders::get(), Self::draw_budget(count))
	}

	fn selectable(role: ProviderRole) -> u32 {
		RoleCount::<T>::get(role)
	}

	/// A provider whose capacity of a role becomes full leaves that role's index.
	fn assign(who: &T::AccountId, bytes: u64, slots: u32) -> DispatchResult {
		Providers::<T>::try_mutate(who, |maybe_record| -> DispatchResult {
			let record = maybe_record.as_mut().ok_or(Error::<T>::NotRegistered)?;
			ensure!(record.is_active(), Error::<T>::NotActive);
			let used = record
				.used
				.checked_add(&Capacity { bytes, compute_slots: slots })
				.ok_or(ArithmeticError::Overflow)?;
			ensure!(record.capacity.covers(&used), Error::<T>::InsufficientCapacity);
			ensure!(
				used.bytes <= Self::backed_bytes(record.stake),
				Error::<T>::InsufficientCapacity
			);
			record.live_assignments =
				record.live_assignments.checked_add(1).ok_or(Error::<T>::Overflow)?;
			record.used = used;
			Self::sync_index(who, record);
			Ok(())
		})
	}

	/// A provider whose freed capacity makes it eligible again enters the index if it has
	/// room.
	fn unassign(who: &T::AccountId, bytes: u64, slots: u32) {
		Providers::<T>::mutate(who, |maybe_record| {
			if let Some(record) = maybe_record {
				record.used = record.used.saturating_sub(&Capacity { bytes, compute_slots: slots });
				record.live_assignments = record.live_assignments.saturating_sub(1);
				Self::sync_index(who, record);
			}
		});
	}

	fn record_success(who: &T::AccountId) {
		Providers::<T>::mutate(who, |maybe_record| {
			if let Some(record) = maybe_record {
				record.successes = record.successes.saturating_add(1);
			}
		});
	}
}

impl<T: Config> Pallet<T> {
	/// The draw budget of a selection of `count` providers.
	pub(crate) fn draw_budget(count: u32) -> u32 {
		count.saturating_mul(T::MaxSelectionDraws::get())
	}
}
