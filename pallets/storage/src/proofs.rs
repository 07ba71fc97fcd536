//! Challenges, proof verification and payment, and the duties a provider's node reads.

use crate::*;
use alloc::{collections::BTreeSet, vec::Vec};
use polkadot_sdk::{
	frame_support::{ensure, pallet_prelude::*, storage::with_storage_layer},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_io::hashing::blake2_256,
	sp_runtime::Saturating,
};
use xmbl_primitives::{Escrow, ProviderRegistry};

impl<T: Config> Pallet<T> {
	/// The leaves shard `number` of a shard of `shard_size` bytes must prove in the period
	/// whose seed is `seed`: the deal's period seed is mixed with the shard's number, so every
	/// shard of a deal has its own challenge while the chain stores one seed per deal and
	/// period.
	pub fn challenge(seed: &[u8; 32], number: u8, shard_size: u64) -> Vec<u64> {
		let shard_seed = blake2_256(&(seed, number).encode());
		xmbl_merkle::challenged_leaves(&shard_seed, shard_size, T::ChallengedLeaves::get())
	}

	pub(crate) fn do_submit_proofs(
		provider: T::AccountId,
		proofs: &[ShardProof<T>],
	) -> DispatchResult {
		Self::ensure_distinct(proofs.iter().map(|proof| (proof.deal, proof.shard)))?;
		Self::each_item(
			proofs,
			|proof| Self::accept_proof(&provider, proof),
			|proof, error| Event::ProofSkipped {
				deal: proof.deal,
				shard: proof.shard,
				period: proof.period,
				provider: provider.clone(),
				error,
			},
		)
	}

	/// Refuses an empty batch, and one that names a shard of a deal twice.
	pub(crate) fn ensure_distinct(
		shards: impl ExactSizeIterator<Item = (DealId, u8)>,
	) -> DispatchResult {
		ensure!(shards.len() > 0, Error::<T>::EmptyBatch);
		let mut seen = BTreeSet::new();
		for shard in shards {
			ensure!(seen.insert(shard), Error::<T>::DuplicateInBatch);
		}
		Ok(())
	}

	/// Runs `item` on every item of a batch in a storage layer of its own, so that a refused
	/// item changes nothing and the others go on; a refused item is reported with the event
	/// `skipped` makes of it. Fails with the first item's error, having changed nothing,
	/// when every item is refused.
	pub(crate) fn each_item<I>(
		items: &[I],
		mut item: impl FnMut(&I) -> DispatchResult,
		skipped: impl Fn(&I, DispatchError) -> Event<T>,
	) -> DispatchResult {
		with_storage_layer(|| {
			let mut first_error = None;
			let mut accepted = false;
			for each in items {
				match with_storage_layer(|| item(each)) {
					Ok(()) => accepted = true,
					Err(error) => {
						first_error.get_or_insert(error);
						Self::deposit_event(skipped(each, error));
					},
				}
			}
			match first_error {
				Some(error) if !accepted => Err(error),
				_ => Ok(()),
			}
		})
	}

	/// Checks one proof and pays for it.
	fn accept_proof(provider: &T::AccountId, proof: &ShardProof<T>) -> DispatchResult {
		let mut deal = Deals::<T>::get(proof.deal).ok_or(Error::<T>::UnknownDeal)?;
		ensure!(deal.status == DealStatus::Active, Error::<T>::DealNotActive);
		ensure!(proof.period == deal.period, Error::<T>::WrongPeriod);
		let shard = deal.shards.get(usize::from(proof.shard)).ok_or(Error::<T>::UnknownShard)?;
		ensure!(shard.provider.as_ref() == Some(provider), Error::<T>::NotAssigned);
		let ShardState::Stored { from_period, proven } = shard.state else {
			return Err(Error::<T>::NotDue.into());
		};
		ensure!(from_period <= deal.period, Error::<T>::NotDue);
		ensure!(proven != Some(deal.period), Error::<T>::AlreadyProven);

		let indices = Self::challenge(&deal.seed, proof.shard, deal.shard_size);
		let leaves: Vec<&[u8]> = proof.leaves.iter().map(|leaf| leaf.as_slice()).collect();
		xmbl_merkle::verify(&shard.root, deal.shard_size, &indices, &leaves, &proof.proof)
			.map_err(|_| Error::<T>::InvalidProof)?;

		T::Escrow::release(&deal.owner, provider, deal.price)?;
		T::Registry::record_success(provider);
		deal.escrow.saturating_reduce(deal.price);
		deal.shards[usize::from(proof.shard)].state =
			ShardState::Stored { from_period, proven: Some(deal.period) };
		Self::deposit_event(Event::ShardProven {
			deal: proof.deal,
			shard: proof.shard,
			period: deal.period,
			provider: provider.clone(),
			paid: deal.price,
		});
		// Shards confirmed at the upload are stored from period 0; a shard stored from a
		// later period was confirmed by a repair, and a first proof of it earns the bounty.
		if from_period > 0 && proven.is_none() {
			let bounty = T::RepairBounty::get().min(deal.repair_reserve);
			if !bounty.is_zero() {
				T::Escrow::release(&deal.owner, provider, bounty)?;
				deal.repair_reserve.saturating_reduce(bounty);
				deal.escrow.saturating_reduce(bounty);
			}
			Self::deposit_event(Event::ShardRepaired {
				deal: proof.deal,
				shard: proof.shard,
				provider: provider.clone(),
				bounty,
			});
		}
		Deals::<T>::insert(proof.deal, deal);
		Ok(())
	}

	/// Every shard assigned to `provider` and what is due for it (the runtime API).
	pub fn provider_duties(provider: &T::AccountId) -> Vec<ShardDuty<BlockNumberFor<T>>> {
		let mut duties = Vec::new();
		let mut keys: Vec<(DealId, u8)> = ProviderShards::<T>::iter_key_prefix(provider).collect();
		keys.sort_unstable();
		for (id, number) in keys {
			let Some(deal) = Deals::<T>::get(id) else { continue };
			let Some(shard) = deal.shards.get(usize::from(number)) else { continue };
			let task = match shard.state {
				ShardState::Pending { until, repair } => ShardTask::Receive { repair, until },
				ShardState::Stored { from_period, proven }
					if deal.status == DealStatus::Active
						&& from_period <= deal.period
						&& proven != Some(deal.period) =>
				{
					ShardTask::Prove {
						period: deal.period,
						leaves: Self::challenge(&deal.seed, number, deal.shard_size),
						deadline: deal.due,
					}
				},
				ShardState::Stored { .. } => ShardTask::Keep { until: deal.due },
				ShardState::Unassigned => continue,
			};
			duties.push(ShardDuty {
				deal: id,
				shard: number,
				root: shard.root,
				size: deal.shard_size,
				task,
			});
		}
		duties
	}
}
