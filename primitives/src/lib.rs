//! Types and traits shared by the XMBL pallets, the runtime, the node and the client.
//!
//! The provider pallet implements [`ProviderRegistry`], [`Escrow`] and [`Slashing`]; the
//! storage and compute markets depend on these traits through their `Config`, and the
//! runtime wires the two together. The storage market's runtime API
//! ([`StorageMarketApi`]) and the duties it reports live here too, for the node and the
//! client. The compute market's outcome vocabulary, shared with the off-chain job runner, is
//! in [`compute`]. Nothing here needs a `T: Config`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod compute;
pub use compute::*;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{DispatchResult, Weight};
use scale_info::TypeInfo;

/// One service a provider can offer; the key of the per-role selection index.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
)]
pub enum ProviderRole {
	/// Keeps erasure-coded shards and proves them.
	Storage,
	/// Runs WASM jobs and commits to their results.
	Compute,
}

/// The services a provider offers: storage, compute, or both.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ProviderRoles {
	/// Storage only.
	Storage,
	/// Compute only.
	Compute,
	/// Storage and compute.
	StorageAndCompute,
}

impl ProviderRoles {
	/// Whether these roles include `role`.
	pub fn offers(&self, role: ProviderRole) -> bool {
		matches!(
			(self, role),
			(Self::Storage, ProviderRole::Storage)
				| (Self::Compute, ProviderRole::Compute)
				| (Self::StorageAndCompute, _)
		)
	}

	/// The single roles these roles are made of, storage first.
	pub fn roles(&self) -> &'static [ProviderRole] {
		match self {
			Self::Storage => &[ProviderRole::Storage],
			Self::Compute => &[ProviderRole::Compute],
			Self::StorageAndCompute => &[ProviderRole::Storage, ProviderRole::Compute],
		}
	}
}

/// An amount of provider capacity: bytes of shard storage and concurrent compute slots.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct Capacity {
	/// Bytes of shard storage.
	pub bytes: u64,
	/// Concurrent compute slots.
	pub compute_slots: u32,
}

impl Capacity {
	/// The part of this capacity that `role` uses (bytes for storage, slots for compute).
	pub fn of(&self, role: ProviderRole) -> u64 {
		match role {
			ProviderRole::Storage => self.bytes,
			ProviderRole::Compute => u64::from(self.compute_slots),
		}
	}

	/// Whether `other` fits inside this capacity in both dimensions.
	pub fn covers(&self, other: &Capacity) -> bool {
		self.bytes >= other.bytes && self.compute_slots >= other.compute_slots
	}

	/// `self + other`, or `None` on overflow in either dimension.
	pub fn checked_add(&self, other: &Capacity) -> Option<Capacity> {
		Some(Capacity {
			bytes: self.bytes.checked_add(other.bytes)?,
			compute_slots: self.compute_slots.checked_add(other.compute_slots)?,
		})
	}

	/// `self - other`, floored at zero in each dimension.
	pub fn saturating_sub(&self, other: &Capacity) -> Capacity {
		Capacity {
			bytes: self.bytes.saturating_sub(other.bytes),
			compute_slots: self.compute_slots.saturating_sub(other.compute_slots),
		}
	}
}

/// What other pallets may read about a registered provider.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ProviderSummary<Balance> {
	/// The services offered.
	pub roles: ProviderRoles,
	/// Stake currently held (after slashes).
	pub stake: Balance,
	/// Declared capacity not yet assigned.
	pub free: Capacity,
	/// Capacity assigned to live shards and jobs.
	pub used: Capacity,
	/// Number of slashes ever applied.
	pub slashes: u32,
	/// Number of proven periods and accepted results.
	pub successes: u64,
	/// `false` once the provider unbonds: it gets no new work.
	pub active: bool,
}

/// Why a selection of providers failed.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SelectionError {
	/// Fewer distinct eligible providers were found than were asked for.
	NotEnoughProviders,
}

/// The provider registry, as the storage and compute markets use it.
pub trait ProviderRegistry<AccountId, Balance> {
	/// The record of `who`, or `None` if `who` is not registered.
	fn provider(who: &AccountId) -> Option<ProviderSummary<Balance>>;

	/// `count` distinct active providers of `role` with free capacity, none in `exclude` and
	/// none whose minimum price is above `price`, drawn from `seed` with weight on free
	/// capacity and stake; the cost is bounded independently of the number of providers.
	fn select(
		role: ProviderRole,
		count: u32,
		seed: [u8; 32],
		exclude: &[AccountId],
		price: Balance,
	) -> Result<Vec<AccountId>, SelectionError>;

	/// The worst-case weight of a `select` of `count` providers.
	fn select_weight(count: u32) -> Weight;

	/// How many providers of `role` selection can currently draw from (an upper bound on
	/// what one `select` can return).
	fn selectable(role: ProviderRole) -> u32;

	/// Reserve `bytes` and `slots` of `who`'s free capacity for one new live assignment.
	fn assign(who: &AccountId, bytes: u64, slots: u32) -> DispatchResult;

	/// Return capacity reserved by `assign` and end that live assignment.
	fn unassign(who: &AccountId, bytes: u64, slots: u32);

	/// Count one proven period or accepted result on `who`'s record.
	fn record_success(who: &AccountId);
}

/// Client payments held in escrow until work is proven.
pub trait Escrow<AccountId, Balance> {
	/// Hold `amount` of `client`'s free balance in escrow (the account stays alive).
	fn hold(client: &AccountId, amount: Balance) -> DispatchResult;

	/// Pay `amount` of `client`'s escrow to `provider`'s free balance.
	fn release(client: &AccountId, provider: &AccountId, amount: Balance) -> DispatchResult;

	/// Return `amount` of `client`'s escrow to `client`'s free balance.
	fn refund(client: &AccountId, amount: Balance) -> DispatchResult;

	/// What `client` has in escrow, for every market together.
	fn held(client: &AccountId) -> Balance;
}

/// The split of one slash of a provider's stake.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct SlashOutcome<Balance> {
	/// Taken from the stake in total: `to_harmed + to_treasury`.
	pub slashed: Balance,
	/// Paid to the harmed client.
	pub to_harmed: Balance,
	/// Paid to the treasury.
	pub to_treasury: Balance,
}

/// Slashing of provider stake for missed proofs and wrong results.
pub trait Slashing<AccountId, Balance> {
	/// Take up to `amount` of `provider`'s stake (never more than it has), pay the harmed
	/// client first up to what it lost, send the rest to the treasury, and count one slash.
	fn slash(
		provider: &AccountId,
		amount: Balance,
		harmed: Option<(AccountId, Balance)>,
	) -> SlashOutcome<Balance>;
}

/// A storage deal's number, assigned in order from 0.
pub type DealId = u64;

/// What a storage provider's node has to do for one shard it is assigned.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ShardDuty<BlockNumber> {
	/// The deal the shard belongs to.
	pub deal: DealId,
	/// The shard's number in the deal (`0..k+m`).
	pub shard: u8,
	/// The shard's root: the BLAKE3 hash of its bytes.
	pub root: [u8; 32],
	/// The shard's length in bytes.
	pub size: u64,
	/// What is due.
	pub task: ShardTask<BlockNumber>,
}

/// The part of a [`ShardDuty`] that changes over the deal's life.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum ShardTask<BlockNumber> {
	/// Take the shard in (uploaded by the client, or rebuilt from `k` other shards when
	/// `repair`) and confirm it before block `until`.
	Receive { repair: bool, until: BlockNumber },
	/// Prove `leaves` of the shard for the deal's period `period` before block `deadline`.
	Prove { period: u32, leaves: Vec<u64>, deadline: BlockNumber },
	/// Keep the shard; nothing is due for it before block `until`: the end of the deal's
	/// current period, or, while other shards of the deal are still uploading, the end of the
	/// upload window (the first period starts when the last shard is confirmed).
	Keep { until: BlockNumber },
}

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// The storage market, as provider nodes and clients read it.
	pub trait StorageMarketApi<AccountId, BlockNumber, Deal>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
		Deal: codec::Codec,
	{
		/// Every shard assigned to `provider` and what is due for it.
		fn provider_duties(provider: AccountId) -> Vec<ShardDuty<BlockNumber>>;
		/// A deal as stored, or `None` if there is no live deal `deal`.
		fn deal(deal: DealId) -> Option<Deal>;
		/// The live deals `owner` made, in order.
		fn deals_of(owner: AccountId) -> Vec<DealId>;
	}

	/// The compute market, as worker nodes and clients read it.
	pub trait ComputeMarketApi<AccountId, BlockNumber, Job, FinalResult>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
		Job: codec::Codec,
		FinalResult: codec::Codec,
	{
		/// What `worker` has to do now for each job it holds a seat of, with what each runs.
		fn worker_duties(worker: AccountId) -> Vec<WorkerDuty<BlockNumber>>;
		/// Job `job` as stored, while it is open or retained, or `None`.
		fn job(job: JobId) -> Option<Job>;
		/// Job `job`'s final result while it is retained, or `None`.
		fn job_result(job: JobId) -> Option<FinalResult>;
		/// The open or retained jobs `client` submitted, in order.
		fn jobs_of(client: AccountId) -> Vec<JobId>;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn roles_offer_what_they_name() {
		assert!(ProviderRoles::Storage.offers(ProviderRole::Storage));
		assert!(!ProviderRoles::Storage.offers(ProviderRole::Compute));
		assert!(ProviderRoles::Compute.offers(ProviderRole::Compute));
		assert!(!ProviderRoles::Compute.offers(ProviderRole::Storage));
		assert!(ProviderRoles::StorageAndCompute.offers(ProviderRole::Storage));
		assert!(ProviderRoles::StorageAndCompute.offers(ProviderRole::Compute));
		for roles in
			[ProviderRoles::Storage, ProviderRoles::Compute, ProviderRoles::StorageAndCompute]
		{
			for role in roles.roles() {
				assert!(roles.offers(*role));
			}
		}
	}

	#[test]
	fn capacity_arithmetic() {
		let a = Capacity { bytes: 10, compute_slots: 2 };
		let b = Capacity { bytes: 4, compute_slots: 3 };
		assert!(!a.covers(&b));
		assert!(a.covers(&Capacity { bytes: 10, compute_slots: 2 }));
		assert_eq!(a.saturating_sub(&b), Capacity { bytes: 6, compute_slots: 0 });
		assert_eq!(a.checked_add(&b), Some(Capacity { bytes: 14, compute_slots: 5 }));
		assert_eq!(Capacity { bytes: u64::MAX, compute_slots: 0 }.checked_add(&a), None);
		assert_eq!(a.of(ProviderRole::Storage), 10);
		assert_eq!(a.of(ProviderRole::Compute), 2);
	}
}
