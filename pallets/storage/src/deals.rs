//! Deals: creation, confirmation of shards, renewal, cancellation, the upload deposit, shards
//! handed back by their providers, and removal.

use crate::*;
use polkadot_sdk::{
	frame_support::{ensure, pallet_prelude::*, traits::Randomness},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_io::hashing::blake2_256,
	sp_runtime::{traits::Zero, ArithmeticError, Saturating},
};
use xmbl_file_format::Manifest;
use xmbl_primitives::{Escrow, ProviderRegistry, ProviderRole};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_deal(
		owner: T::AccountId,
		manifest: Manifest,
		periods: u32,
		price: BalanceOf<T>,
	) -> Result<DealId, DispatchError> {
		manifest.check().map_err(|_| Error::<T>::InvalidManifest)?;
		ensure!(manifest.plaintext_size > 0, Error::<T>::EmptyFile);
		let (k, m) = (manifest.data_shards, manifest.parity_shards);
		ensure!(k >= 1 && k <= T::MaxDataShards::get(), Error::<T>::TooManyDataShards);
		ensure!(m >= 1 && m <= T::MaxParityShards::get(), Error::<T>::BadParityShards);
		let shard_size = manifest.shard_size();
		ensure!(shard_size <= T::MaxShardSize::get(), Error::<T>::ShardTooLarge);
		ensure!(periods >= 1 && periods <= T::MaxPeriods::get(), Error::<T>::BadPeriods);
		ensure!(price >= T::MinShardPrice::get(), Error::<T>::PriceBelowMinimum);
		let count = u32::from(k) + u32::from(m);
		ensure!(
			T::Registry::selectable(ProviderRole::Storage) >= count,
			Error::<T>::NotEnoughProviders
		);

		let repair_reserve = T::RepairBounty::get()
			.checked_mul(&u32::from(m).into())
			.ok_or(ArithmeticError::Overflow)?;
		let escrow = Self::storage_cost(price, count, periods)?
			.checked_add(&repair_reserve)
			.ok_or(ArithmeticError::Overflow)?;
		let upload_deposit = T::UploadDeposit::get()
			.checked_mul(&count.into())
			.ok_or(ArithmeticError::Overflow)?;
		let held = escrow.checked_add(&upload_deposit).ok_or(ArithmeticError::Overflow)?;
		let id = NextDealId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		T::Escrow::hold(&owner, held)?;

		NextDealId::<T>::put(next_id);
		let now = frame_system::Pallet::<T>::block_number();
		let due = now.saturating_add(T::SelectionDelay::get());
		let shards = manifest
			.shards
			.iter()
			.map(|info| Shard {
				root: info.root,
				provider: None,
				state: ShardState::Unassigned,
				missed: 0,
			})
			.collect::<alloc::vec::Vec<_>>();
		let deal = Deal::<T> {
			owner: owner.clone(),
			file_root: manifest.file_root,
			data_shards: k,
			parity_shards: m,
			shard_size,
			price,
			periods,
			period: 0,
			escrow,
			repair_reserve,
			status: DealStatus::Selecting,
			due,
			period_start: now,
			seed: [0; 32],
			// `check` bounds the list by k + m, which `MaxShards` holds (integrity test).
			shards: BoundedVec::try_from(shards).map_err(|_| Error::<T>::InvalidManifest)?,
		};
		Self::deposit_event(Event::DealCreated {
			deal: id,
			owner: owner.clone(),
			file_root: manifest.file_root,
			shards: count,
			shard_size,
			periods,
			price,
			escrow,
			upload_deposit,
			selection_at: due,
		});
		Deals::<T>::insert(id, deal);
		Manifests::<T>::insert(id, manifest);
		DealsByOwner::<T>::insert(&owner, id, ());
		Due::<T>::insert(due, id, ());
		if !upload_deposit.is_zero() {
			UploadDeposits::<T>::insert(id, upload_deposit);
		}
		Ok(id)
	}

	pub(crate) fn do_confirm_shards(
		provider: T::AccountId,
		items: &[(DealId, u8)],
	) -> DispatchResult {
		Self::ensure_distinct(items.iter().copied())?;
		let now = frame_system::Pallet::<T>::block_number();
		Self::each_item(
			items,
			|&(id, number)| Self::confirm_shard(&provider, id, number, now),
			|&(deal, shard), error| Event::ConfirmationSkipped {
				deal,
				shard,
				provider: provider.clone(),
				error,
			},
		)
	}

	/// Confirms that `provider` holds shard `number` of deal `id` at block `now`.
	fn confirm_shard(
		provider: &T::AccountId,
		id: DealId,
		number: u8,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let mut deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		let active = deal.status == DealStatus::Active;
		let from_period = if active { deal.period.saturating_add(1) } else { 0 };
		let shard = deal.shards.get_mut(usize::from(number)).ok_or(Error::<T>::UnknownShard)?;
		ensure!(shard.provider.as_ref() == Some(provider), Error::<T>::NotAssigned);
		ensure!(matches!(shard.state, ShardState::Pending { .. }), Error::<T>::NotPending);
		// A repair's bounty is paid at its first proof (`accept_proof`), not here: a
		// confirmation proves nothing.
		shard.state = ShardState::Stored { from_period, proven: None };
		shard.missed = 0;
		Self::deposit_event(Event::ShardConfirmed {
			deal: id,
			shard: number,
			provider: provider.clone(),
		});
		let all_stored =
			deal.shards.iter().all(|shard| matches!(shard.state, ShardState::Stored { .. }));
		if matches!(deal.status, DealStatus::Uploading { .. }) && all_stored {
			if let Some(amount) = UploadDeposits::<T>::take(id) {
				T::Escrow::refund(&deal.owner, amount)?;
				Self::deposit_event(Event::UploadDepositReturned { deal: id, amount });
			}
			deal.status = DealStatus::Active;
			Self::start_period(id, &mut deal, now);
			Self::deposit_event(Event::DealActivated { deal: id, deadline: deal.due });
		}
		Deals::<T>::insert(id, deal);
		Ok(())
	}

	pub(crate) fn do_renew(owner: T::AccountId, id: DealId, periods: u32) -> DispatchResult {
		let mut deal = Self::owned_deal(&owner, id)?;
		let total = deal.periods.checked_add(periods).ok_or(Error::<T>::BadPeriods)?;
		ensure!(periods >= 1 && total <= T::MaxPeriods::get(), Error::<T>::BadPeriods);
		let held = Self::storage_cost(deal.price, deal.shard_count(), periods)?;
		T::Escrow::hold(&owner, held)?;
		deal.escrow = deal.escrow.checked_add(&held).ok_or(ArithmeticError::Overflow)?;
		deal.periods = total;
		Self::deposit_event(Event::DealRenewed { deal: id, added: periods, periods: total, held });
		Deals::<T>::insert(id, deal);
		Ok(())
	}

	pub(crate) fn do_cancel(owner: T::AccountId, id: DealId) -> DispatchResult {
		let deal = Self::owned_deal(&owner, id)?;
		let mut refund = deal.escrow;
		let deposit = UploadDeposits::<T>::get(id).unwrap_or_else(Zero::zero);
		// Before selection no provider has held capacity for the deal.
		let deposit_back = match deal.status {
			DealStatus::Uploading { .. } => Self::forfeit_upload_deposit(id, &deal, deposit),
			DealStatus::Selecting | DealStatus::Active => deposit,
		};
		refund.saturating_accrue(deposit_back);
		if !refund.is_zero() {
			T::Escrow::refund(&owner, refund)?;
		}
		Self::remove_deal(id, &deal);
		Self::deposit_event(Event::DealCancelled { deal: id, refund });
		Ok(())
	}

	/// Pay deal `id`'s upload `deposit` out: one shard's part to the provider of each shard
	/// confirmed, the rest to the treasury (the chain cannot tell whether an unconfirmed
	/// shard was never sent or never accepted, so neither side is paid for it). What could
	/// not be paid, for the caller to refund.
	pub(crate) fn forfeit_upload_deposit(
		id: DealId,
		deal: &Deal<T>,
		deposit: BalanceOf<T>,
	) -> BalanceOf<T> {
		if deposit.is_zero() {
			return deposit;
		}
		let per_shard = deposit / deal.shard_count().into();
		let mut to_providers: BalanceOf<T> = Zero::zero();
		for shard in &deal.shards {
			if let (ShardState::Stored { .. }, Some(provider)) = (shard.state, &shard.provider) {
				if T::Escrow::release(&deal.owner, provider, per_shard).is_ok() {
					to_providers.saturating_accrue(per_shard);
				}
			}
		}
		let rest = deposit.saturating_sub(to_providers);
		let to_treasury = if !rest.is_zero()
			&& T::Escrow::release(&deal.owner, &T::TreasuryAccount::get(), rest).is_ok()
		{
			rest
		} else {
			Zero::zero()
		};
		Self::deposit_event(Event::UploadDepositForfeited { deal: id, to_providers, to_treasury });
		rest.saturating_sub(to_treasury)
	}

	pub(crate) fn do_leave_shards(
		provider: T::AccountId,
		items: &[(DealId, u8)],
	) -> DispatchResult {
		Self::ensure_distinct(items.iter().copied())?;
		Self::each_item(
			items,
			|&(id, number)| Self::leave_shard(&provider, id, number),
			|&(deal, shard), error| Event::LeaveSkipped {
				deal,
				shard,
				provider: provider.clone(),
				error,
			},
		)
	}

	/// Marks shard `number` of deal `id`, stored by `provider`, to move at the period end.
	fn leave_shard(provider: &T::AccountId, id: DealId, number: u8) -> DispatchResult {
		let deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.status == DealStatus::Active, Error::<T>::DealNotActive);
		let shard = deal.shards.get(usize::from(number)).ok_or(Error::<T>::UnknownShard)?;
		ensure!(shard.provider.as_ref() == Some(provider), Error::<T>::NotAssigned);
		ensure!(matches!(shard.state, ShardState::Stored { .. }), Error::<T>::NotStored);
		let bit = 1u64 << number;
		let leaving = LeavingShards::<T>::get(id);
		ensure!(leaving & bit == 0, Error::<T>::AlreadyLeaving);
		LeavingShards::<T>::insert(id, leaving | bit);
		Self::deposit_event(Event::ShardLeaving {
			deal: id,
			shard: number,
			provider: provider.clone(),
			at: deal.due,
		});
		Ok(())
	}

	/// The deal `id`, if `owner` owns it.
	fn owned_deal(owner: &T::AccountId, id: DealId) -> Result<Deal<T>, DispatchError> {
		let deal = Deals::<T>::get(id).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.owner == *owner, Error::<T>::NotOwner);
		Ok(deal)
	}

	/// `price × shards × periods`.
	pub(crate) fn storage_cost(
		price: BalanceOf<T>,
		shards: u32,
		periods: u32,
	) -> Result<BalanceOf<T>, DispatchError> {
		price
			.checked_mul(&shards.into())
			.and_then(|cost| cost.checked_mul(&periods.into()))
			.ok_or(ArithmeticError::Overflow.into())
	}

	/// Start the deal's current period at `now`: draw its seed and schedule its end.
	pub(crate) fn start_period(id: DealId, deal: &mut Deal<T>, now: BlockNumberFor<T>) {
		deal.period_start = now;
		deal.seed = Self::random_seed(b"xmbl/storage/period", id, 0);
		Self::reschedule(id, deal, now.saturating_add(T::ProofPeriod::get()));
	}

	/// A seed for `id` (and `extra`) from the current block's randomness.
	pub(crate) fn random_seed(context: &[u8], id: DealId, extra: u32) -> [u8; 32] {
		let subject = (context, id, extra).encode();
		let (random, _) = T::Randomness::random(&subject);
		blake2_256(&(subject, random).encode())
	}

	/// Move the deal's next step to block `at`.
	pub(crate) fn reschedule(id: DealId, deal: &mut Deal<T>, at: BlockNumberFor<T>) {
		Due::<T>::remove(deal.due, id);
		deal.due = at;
		Due::<T>::insert(at, id, ());
	}

	/// Assign shard `number` of deal `id` to `provider` until `until`.
	pub(crate) fn assign_shard(
		id: DealId,
		deal: &mut Deal<T>,
		number: u8,
		provider: T::AccountId,
		until: BlockNumberFor<T>,
		repair: bool,
	) {
		ProviderShards::<T>::insert(&provider, (id, number), ());
		if let Some(shard) = deal.shards.get_mut(usize::from(number)) {
			shard.provider = Some(provider);
			shard.state = ShardState::Pending { until, repair };
			shard.missed = 0;
		}
	}

	/// Take shard `number` of deal `id` from its provider and release the provider's
	/// capacity. Returns the provider it had.
	pub(crate) fn unassign_shard(
		id: DealId,
		deal: &mut Deal<T>,
		number: u8,
	) -> Option<T::AccountId> {
		let shard_size = deal.shard_size;
		let shard = deal.shards.get_mut(usize::from(number))?;
		let provider = shard.provider.take()?;
		shard.state = ShardState::Unassigned;
		shard.missed = 0;
		T::Registry::unassign(&provider, shard_size, 0);
		ProviderShards::<T>::remove(&provider, (id, number));
		Some(provider)
	}

	/// Remove a deal and everything indexed by it, releasing its providers' capacity. The
	/// caller settles its escrow and upload deposit.
	pub(crate) fn remove_deal(id: DealId, deal: &Deal<T>) {
		let mut deal = deal.clone();
		for number in 0..deal.shards.len() {
			Self::unassign_shard(id, &mut deal, number as u8);
		}
		Due::<T>::remove(deal.due, id);
		Deals::<T>::remove(id);
		Manifests::<T>::remove(id);
		DealsByOwner::<T>::remove(&deal.owner, id);
		UploadDeposits::<T>::remove(id);
		LeavingShards::<T>::remove(id);
	}
}

/// The compute market reads the files it runs on through this: a deal's owner, file root,
/// plaintext size, whether it is encrypted, and whether it is active (every shard stored, so it can be read back).
impl<T: Config> xmbl_primitives::StoredFiles<T::AccountId> for Pallet<T> {
	fn file(deal: DealId) -> Option<xmbl_primitives::StoredFile<T::AccountId>> {
		let record = Deals::<T>::get(deal)?;
		let manifest = Manifests::<T>::get(deal);
		Some(xmbl_primitives::StoredFile {
			owner: record.owner,
			root: record.file_root,
			size: manifest.as_ref().map_or(0, |manifest| manifest.plaintext_size),
			encrypted: manifest
				.is_some_and(|manifest| manifest.encryption != xmbl_file_format::Encryption::None),
			readable: record.status == DealStatus::Active,
		})
	}
}
