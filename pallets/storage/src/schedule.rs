//! The per-block hook: each deal's scheduled step (selection, the end of an upload window,
//! the end of a period), at most `MaxDealsPerBlock` deals per block within
//! `MaxScheduleWeight`.

use crate::*;
use alloc::vec::Vec;
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, traits::Get},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::{traits::Zero, Saturating},
};
use xmbl_primitives::{Escrow, ProviderRegistry, ProviderRole, Slashing};

/// Buckets of [`Due`] `on_initialize` looks at per block at most; more than one, so the
/// cursor catches up after blocks whose deals were carried over.
pub const MAX_BUCKETS_PER_BLOCK: u32 = 4;

/// Draws of providers a selection makes at most: a provider drawn whose free capacity is
/// smaller than a shard is replaced by a second draw that excludes it.
pub const SELECTION_ROUNDS: u32 = 2;

/// The number of other live deals at which the honest period end is charged: the largest
/// the benchmark `deadline_among_deals` measured. Its cost grows with the state's size only
/// through the trie's depth (0.63 ns per deal, 63 µs across 100,000, on an optimised node).
pub const HONEST_DEADLINE_CHARGED_AT_DEALS: u32 = 100_000;

impl<T: Config> Pallet<T> {
	/// Run the scheduled steps due by `now`, oldest first: at most `MaxDealsPerBlock`, and
	/// each only while its worst case fits in what is left of `MaxScheduleWeight`.
	pub(crate) fn run_due(now: BlockNumberFor<T>) -> Weight {
		let limit = T::MaxScheduleWeight::get();
		let mut weight = T::WeightInfo::on_initialize_base();
		let mut budget = T::MaxDealsPerBlock::get();
		let mut cursor = DueCursor::<T>::get();
		let mut buckets = 0;
		'buckets: while cursor <= now && buckets < MAX_BUCKETS_PER_BLOCK && budget > 0 {
			buckets += 1;
			let ids: Vec<DealId> =
				Due::<T>::iter_key_prefix(cursor).take(budget as usize + 1).collect();
			let more = ids.len() > budget as usize;
			for id in ids.into_iter().take(budget as usize) {
				let Some(deal) = Deals::<T>::get(id) else {
					// Every removal of a deal removes its entry too; never leave one behind.
					budget -= 1;
					Due::<T>::remove(cursor, id);
					weight.saturating_accrue(T::DbWeight::get().reads_writes(1, 1));
					continue;
				};
				if weight.saturating_add(Self::step_weight(&deal)).any_gt(limit) {
					// Carried over: the deal stays due at `cursor`, which does not move.
					weight.saturating_accrue(T::DbWeight::get().reads(1));
					break 'buckets;
				}
				budget -= 1;
				Due::<T>::remove(cursor, id);
				weight.saturating_accrue(Self::run_deal(id, deal, now));
			}
			if more {
				break;
			}
			cursor.saturating_inc();
		}
		DueCursor::<T>::put(cursor);
		weight
	}

	/// Run deal `id`'s scheduled step; the weight it used.
	fn run_deal(id: DealId, mut deal: Deal<T>, now: BlockNumberFor<T>) -> Weight {
		let shards = deal.shard_count();
		// The entry was taken off `Due`; every branch either reschedules or removes.
		let weight = match deal.status {
			DealStatus::Selecting => {
				Self::select_providers(id, &mut deal, now);
				Self::selection_weight(shards)
			},
			DealStatus::Uploading { round } => {
				Self::end_upload_window(id, &mut deal, round, now);
				Self::deadline_weight(shards)
			},
			DealStatus::Active => {
				if Self::end_period(id, &mut deal, now) {
					Self::honest_deadline_weight().min(Self::deadline_weight(shards))
				} else {
					Self::deadline_weight(shards)
				}
			},
		};
		if Deals::<T>::contains_key(id) {
			Deals::<T>::insert(id, deal);
		}
		weight
	}

	/// The most a deal's next step can weigh.
	fn step_weight(deal: &Deal<T>) -> Weight {
		match deal.status {
			DealStatus::Selecting => Self::selection_weight(deal.shard_count()),
			DealStatus::Uploading { .. } | DealStatus::Active => {
				Self::deadline_weight(deal.shard_count())
			},
		}
	}

	/// The most any step of a deal with `shards` shards can weigh.
	pub fn worst_step_weight(shards: u32) -> Weight {
		Self::selection_weight(shards).max(Self::deadline_weight(shards))
	}

	/// The selection of a deal's `shards` providers, with the registry's draws.
	pub(crate) fn selection_weight(shards: u32) -> Weight {
		T::WeightInfo::select_providers(shards).saturating_add(
			T::Registry::select_weight(shards).saturating_mul(SELECTION_ROUNDS.into()),
		)
	}

	/// The worst case of a deadline of a deal with `shards` shards: every shard missed, lost
	/// and drawn anew.
	pub(crate) fn deadline_weight(shards: u32) -> Weight {
		T::WeightInfo::end_period(shards)
			.saturating_add(T::Registry::select_weight(1).saturating_mul(shards.into()))
	}

	/// An honest period end: every shard proven, the deal goes on. Benchmarked as a whole
	/// `on_initialize` (base included) of a deal with the most shards, so it bounds any deal's.
	pub fn honest_deadline_weight() -> Weight {
		T::WeightInfo::deadline_among_deals(HONEST_DEADLINE_CHARGED_AT_DEALS)
	}

	/// Draw `k + m` providers for a deal, or fail it.
	fn select_providers(id: DealId, deal: &mut Deal<T>, now: BlockNumberFor<T>) {
		let count = deal.shard_count();
		let mut chosen: Vec<T::AccountId> = Vec::new();
		let mut refused: Vec<T::AccountId> = Vec::new();
		for round in 0..SELECTION_ROUNDS {
			let missing = count - chosen.len() as u32;
			if missing == 0 {
				break;
			}
			let exclude: Vec<T::AccountId> = chosen.iter().chain(&refused).cloned().collect();
			let seed = Self::random_seed(b"xmbl/storage/select", id, round);
			let Ok(drawn) =
				T::Registry::select(ProviderRole::Storage, missing, seed, &exclude, deal.price)
			else {
				break;
			};
			for provider in drawn {
				if T::Registry::assign(&provider, deal.shard_size, 0).is_ok() {
					chosen.push(provider);
				} else {
					refused.push(provider);
				}
			}
		}
		if (chosen.len() as u32) < count {
			for provider in &chosen {
				T::Registry::unassign(provider, deal.shard_size, 0);
			}
			Self::fail_deal(id, deal, DealFailure::NotEnoughProviders);
			return;
		}
		let until = now.saturating_add(T::UploadWindow::get());
		for (number, provider) in chosen.iter().enumerate() {
			Self::assign_shard(id, deal, number as u8, provider.clone(), until, false);
		}
		deal.status = DealStatus::Uploading { round: 0 };
		Self::reschedule(id, deal, until);
		Self::deposit_event(Event::ShardsAssigned { deal: id, providers: chosen, until });
	}

	/// An upload window ended with shards unconfirmed: reassign them, or fail the deal after
	/// `MaxUploadRounds` windows.
	fn end_upload_window(id: DealId, deal: &mut Deal<T>, round: u8, now: BlockNumberFor<T>) {
		let round = round.saturating_add(1);
		if round >= T::MaxUploadRounds::get() {
			Self::fail_deal(id, deal, DealFailure::UploadIncomplete);
			return;
		}
		let until = now.saturating_add(T::UploadWindow::get());
		let mut removed = Vec::new();
		for number in 0..deal.shards.len() as u8 {
			if !matches!(deal.shards[usize::from(number)].state, ShardState::Stored { .. }) {
				Self::replace_provider(id, deal, number, until, false, &mut removed);
			}
		}
		deal.status = DealStatus::Uploading { round };
		Self::reschedule(id, deal, until);
	}

	/// The deal's current period ended: settle every shard, hand the shards their providers
	/// are leaving to new ones, then start the next period or end the deal. Whether it was
	/// honest (every shard proven and kept, and the deal goes on), the case
	/// [`Self::honest_deadline_weight`] is charged for.
	fn end_period(id: DealId, deal: &mut Deal<T>, now: BlockNumberFor<T>) -> bool {
		let period = deal.period;
		let until = now.saturating_add(T::UploadWindow::get());
		let mut removed = Vec::new();
		let mut every_shard_proven = true;
		let leaving = LeavingShards::<T>::take(id);
		for number in 0..deal.shards.len() as u8 {
			let shard = &deal.shards[usize::from(number)];
			let leaves = leaving & (1u64 << number) != 0;
			let proven = matches!(
				shard.state,
				ShardState::Stored { from_period, proven: Some(proven) }
					if from_period <= period && proven == period
			);
			if proven {
				deal.shards[usize::from(number)].missed = 0;
				if leaves {
					every_shard_proven = false;
					Self::replace_provider(id, deal, number, until, true, &mut removed);
				}
				continue;
			}
			every_shard_proven = false;
			// Nobody earned this shard's period: its price goes back to the owner.
			if T::Escrow::refund(&deal.owner, deal.price).is_ok() {
				deal.escrow.saturating_reduce(deal.price);
			}
			match (shard.state, shard.provider.clone()) {
				(ShardState::Stored { from_period, .. }, Some(provider))
					if from_period <= period =>
				{
					// The owner lost this shard-period, whose price it gets back; it is
					// compensated as much again at most, so a deal made to be missed (a
					// price of almost nothing) earns nothing from the slash; the treasury
					// takes the rest.
					let outcome = T::Slashing::slash(
						&provider,
						T::MissedProofSlash::get(),
						Some((deal.owner.clone(), deal.price)),
					);
					Self::deposit_event(Event::ProofMissed {
						deal: id,
						shard: number,
						period,
						provider: provider.clone(),
						slashed: outcome.slashed,
						to_owner: outcome.to_harmed,
					});
					let shard = &mut deal.shards[usize::from(number)];
					shard.missed = shard.missed.saturating_add(1);
					if shard.missed >= T::MaxMissedPeriods::get() {
						Self::deposit_event(Event::ShardLost { deal: id, shard: number, provider });
						Self::replace_provider(id, deal, number, until, true, &mut removed);
					} else if leaves {
						Self::replace_provider(id, deal, number, until, true, &mut removed);
					}
				},
				(ShardState::Pending { until: pending_until, repair }, _)
					if pending_until <= now =>
				{
					Self::replace_provider(id, deal, number, until, repair, &mut removed);
				},
				(ShardState::Unassigned, _) => {
					Self::replace_provider(id, deal, number, until, true, &mut removed);
				},
				// Confirmed during this period, or still within its confirmation window.
				_ => {},
			}
		}
		deal.period = period.saturating_add(1);
		if deal.period >= deal.periods {
			let refund = deal.escrow;
			if !refund.is_zero() && T::Escrow::refund(&deal.owner, refund).is_ok() {
				deal.escrow = Zero::zero();
			}
			Self::remove_deal(id, deal);
			Self::deposit_event(Event::DealEnded { deal: id, refund });
			false
		} else {
			Self::start_period(id, deal, now);
			every_shard_proven
		}
	}

	/// Give shard `number` to a newly drawn provider (none of the deal's, nor its current
	/// one, nor one in `removed`), to confirm before `until`; `Unassigned` if none has room.
	/// `removed` collects the providers taken off the deal's shards in this step, so that a
	/// provider that just failed one shard is not handed another one of the same deal.
	fn replace_provider(
		id: DealId,
		deal: &mut Deal<T>,
		number: u8,
		until: BlockNumberFor<T>,
		repair: bool,
		removed: &mut Vec<T::AccountId>,
	) {
		let mut exclude = deal.providers();
		let from = Self::unassign_shard(id, deal, number);
		removed.extend(from.clone());
		exclude.extend(removed.iter().cloned());
		let seed = Self::random_seed(b"xmbl/storage/replace", id, u32::from(number));
		let to = T::Registry::select(ProviderRole::Storage, 1, seed, &exclude, deal.price)
			.ok()
			.and_then(|drawn| drawn.into_iter().next())
			.filter(|provider| T::Registry::assign(provider, deal.shard_size, 0).is_ok());
		if let Some(provider) = &to {
			Self::assign_shard(id, deal, number, provider.clone(), until, repair);
		}
		Self::deposit_event(Event::ShardReassigned { deal: id, shard: number, from, to, repair });
	}

	/// End a deal that never became active: release its providers and refund its escrow.
	/// Its upload deposit is refunded too when no provider could be drawn; after an
	/// incomplete upload it is forfeited (`forfeit_upload_deposit`).
	fn fail_deal(id: DealId, deal: &mut Deal<T>, reason: DealFailure) {
		let deposit = UploadDeposits::<T>::take(id).unwrap_or_else(Zero::zero);
		let deposit_back = match reason {
			DealFailure::NotEnoughProviders => deposit,
			DealFailure::UploadIncomplete => Self::forfeit_upload_deposit(id, deal, deposit),
		};
		let refund = deal.escrow.saturating_add(deposit_back);
		if !refund.is_zero() && T::Escrow::refund(&deal.owner, refund).is_ok() {
			deal.escrow = Zero::zero();
		}
		Self::remove_deal(id, deal);
		Self::deposit_event(Event::DealFailed { deal: id, reason, refund });
	}
}
