//! The pallet's invariants, checked after every unit test and by `try-runtime`.

use crate::*;
use alloc::collections::BTreeMap;
use polkadot_sdk::{
	frame_support::ensure,
	sp_runtime::{traits::Zero, Saturating, TryRuntimeError},
};
use xmbl_primitives::Escrow;

impl<T: Config> Pallet<T> {
	/// What this pallet's deals hold in each owner's escrow: their `escrow` plus the upload
	/// deposits of those not active yet.
	pub fn escrow_owed() -> BTreeMap<T::AccountId, BalanceOf<T>> {
		let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, deal) in Deals::<T>::iter() {
			let deposit = UploadDeposits::<T>::get(id).unwrap_or_else(Zero::zero);
			let total = owed.entry(deal.owner).or_insert_with(Zero::zero);
			*total = total.saturating_add(deal.escrow).saturating_add(deposit);
		}
		owed
	}

	/// - every deal's escrow is the price of every shard period not yet settled plus its
	///   repair reserve, and the escrow each owner has on hold covers what its deals still
	///   owe plus the upload deposits of its deals not active yet ([`Self::escrow_owed`];
	///   the hold is shared with the compute market, so equality is checked where all the
	///   markets are known: the unit tests, and the runtime);
	/// - an upload deposit belongs to a live deal that is selecting or uploading; the shards
	///   marked leaving are stored shards of an active deal;
	/// - a shard has a provider exactly when it is pending or stored, and `ProviderShards`
	///   indexes exactly those;
	/// - every deal is scheduled once, at its `due` block, not before the cursor; its manifest
	///   and owner index exist; ids are below `NextDealId`.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut assigned = 0usize;
		for (id, deal) in Deals::<T>::iter() {
			ensure!(id < NextDealId::<T>::get(), "deal id at or above NextDealId");
			ensure!(
				deal.shards.len() as u32 == deal.shard_count(),
				"shard list length is not k + m"
			);
			ensure!(Manifests::<T>::contains_key(id), "deal without manifest");
			ensure!(DealsByOwner::<T>::contains_key(&deal.owner, id), "deal not indexed by owner");
			ensure!(Due::<T>::contains_key(deal.due, id), "deal not scheduled at its due block");
			ensure!(deal.due >= DueCursor::<T>::get(), "deal scheduled before the cursor");
			ensure!(deal.period <= deal.periods, "period beyond the periods bought");

			let mut unsettled = deal.shard_count().saturating_mul(deal.periods - deal.period);
			for (number, shard) in deal.shards.iter().enumerate() {
				match (&shard.state, &shard.provider) {
					(ShardState::Unassigned, None) => {},
					(ShardState::Unassigned, Some(_)) => {
						return Err("unassigned shard with a provider".into())
					},
					(_, None) => return Err("pending or stored shard without provider".into()),
					(_, Some(provider)) => {
						assigned += 1;
						ensure!(
							ProviderShards::<T>::contains_key(provider, (id, number as u8)),
							"assigned shard not indexed by provider"
						);
					},
				}
				if let ShardState::Stored { proven: Some(proven), .. } = shard.state {
					ensure!(proven <= deal.period, "shard proven for a future period");
					if proven == deal.period {
						unsettled = unsettled.saturating_sub(1);
					}
				}
			}
			let expected =
				deal.price.saturating_mul(unsettled.into()).saturating_add(deal.repair_reserve);
			ensure!(deal.escrow == expected, "deal escrow differs from what it still owes");
			let deposit = UploadDeposits::<T>::get(id).unwrap_or_else(Zero::zero);
			ensure!(
				deposit.is_zero() || deal.status != DealStatus::Active,
				"upload deposit held for an active deal"
			);
			let leaving = LeavingShards::<T>::get(id);
			if leaving != 0 {
				ensure!(deal.status == DealStatus::Active, "leaving shards of an inactive deal");
				for (number, shard) in deal.shards.iter().enumerate() {
					ensure!(
						leaving & (1u64 << number) == 0
							|| matches!(shard.state, ShardState::Stored { .. }),
						"a leaving shard is not stored"
					);
				}
				ensure!(
					leaving.checked_shr(deal.shards.len() as u32).unwrap_or(0) == 0,
					"a leaving shard the deal lacks"
				);
			}
		}
		for id in UploadDeposits::<T>::iter_keys().chain(LeavingShards::<T>::iter_keys()) {
			ensure!(
				Deals::<T>::contains_key(id),
				"deposit or leaving shards of a deal that is gone"
			);
		}
		for (owner, total) in Self::escrow_owed() {
			ensure!(T::Escrow::held(&owner) >= total, "escrow held below what deals owe");
		}
		let mut indexed = 0usize;
		for (provider, (id, number), ()) in ProviderShards::<T>::iter() {
			indexed += 1;
			let deal = Deals::<T>::get(id).ok_or("provider index names a deal that is gone")?;
			let shard = deal.shards.get(usize::from(number)).ok_or("provider index: no shard")?;
			ensure!(shard.provider.as_ref() == Some(&provider), "provider index names another");
		}
		ensure!(indexed == assigned, "provider index has entries no shard has");
		for (block, id, ()) in Due::<T>::iter() {
			let deal = Deals::<T>::get(id).ok_or("schedule names a deal that is gone")?;
			ensure!(deal.due == block, "deal scheduled at a block other than its due block");
		}
		Ok(())
	}
}
