//! The pallet's stored types.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
	},
	frame_system::pallet_prelude::BlockNumberFor,
};
use scale_info::TypeInfo;

/// The balance type of the currency escrow is held in.
pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// A BLAKE3 hash: a shard's root or a file's root.
pub type Root = [u8; 32];

/// Where a deal is in its life.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum DealStatus {
	/// Waiting for the block that selects its providers (`Deal::due`).
	Selecting,
	/// Providers are assigned; waiting until every shard is confirmed. `round` counts the
	/// upload windows that have ended with shards unconfirmed.
	Uploading { round: u8 },
	/// Every shard was confirmed once; periods run and are proven.
	Active,
}

/// Where one shard of a deal is.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ShardState<BlockNumber> {
	/// No provider: a repair found none with free capacity; retried at the next deadline.
	Unassigned,
	/// Assigned, waiting for the provider to confirm that it holds the shard, before block
	/// `until`. `repair`: the provider rebuilds it from other shards (and earns the bounty
	/// at its first proof) rather than receiving it from the client.
	Pending { until: BlockNumber, repair: bool },
	/// Confirmed: the provider proves every period from `from_period` on; `proven` is the
	/// last period it proved.
	Stored { from_period: u32, proven: Option<u32> },
}

/// One shard of a deal.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Shard<T: Config> {
	/// The BLAKE3 hash of the shard's bytes.
	pub root: Root,
	/// The provider keeping it (`None` only in [`ShardState::Unassigned`] and before
	/// selection).
	pub provider: Option<T::AccountId>,
	/// Confirmation and proof state.
	pub state: ShardState<BlockNumberFor<T>>,
	/// Periods missed in a row by the current provider; at `MaxMissedPeriods` the shard is
	/// lost to it and repaired elsewhere.
	pub missed: u8,
}

/// A storage deal: a file kept as `k + m` shards on distinct providers for `periods` proof
/// periods, paid `price` per shard and proven period from the owner's escrow.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Deal<T: Config> {
	/// Who pays, and may renew or cancel.
	pub owner: T::AccountId,
	/// The file root of the deal's manifest (kept in `Manifests`).
	pub file_root: Root,
	/// `k`: data shards; any `k` shards give the file back.
	pub data_shards: u8,
	/// `m`: parity shards.
	pub parity_shards: u8,
	/// Bytes of every shard (all shards of a file have the same length).
	pub shard_size: u64,
	/// Paid per shard for each proven period.
	pub price: BalanceOf<T>,
	/// Periods paid for (bought at creation plus renewals).
	pub periods: u32,
	/// The current period, counted from 0 at activation; equals the number of periods that
	/// have ended.
	pub period: u32,
	/// What is still held in the owner's escrow for this deal: the price of every shard
	/// period not yet settled, plus `repair_reserve` (until the deal is active its upload
	/// deposit is held besides, in `UploadDeposits`).
	pub escrow: BalanceOf<T>,
	/// The part of `escrow` that pays repair bounties; refunded at the end.
	pub repair_reserve: BalanceOf<T>,
	/// Where the deal is.
	pub status: DealStatus,
	/// The block at which the deal's next scheduled step runs: its selection, the end of an
	/// upload window, or the end of the current period.
	pub due: BlockNumberFor<T>,
	/// The block at which the current period started (for `Active` deals).
	pub period_start: BlockNumberFor<T>,
	/// The challenge seed of the current period, drawn when the period started; the leaves
	/// each shard must prove follow from it (see [`crate::Pallet::challenge`]).
	pub seed: [u8; 32],
	/// The shards, in the manifest's order (`k` data shards, then `m` parity shards).
	pub shards: BoundedVec<Shard<T>, T::MaxShards>,
}

impl<T: Config> Deal<T> {
	/// `k + m`.
	pub fn shard_count(&self) -> u32 {
		u32::from(self.data_shards) + u32::from(self.parity_shards)
	}

	/// The providers currently assigned to the deal's shards.
	pub fn providers(&self) -> alloc::vec::Vec<T::AccountId> {
		self.shards.iter().filter_map(|shard| shard.provider.clone()).collect()
	}
}

/// Why a deal ended before its providers were settled.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum DealFailure {
	/// Not enough storage providers with free capacity when the deal's providers were drawn.
	NotEnoughProviders,
	/// Shards were still unconfirmed after `MaxUploadRounds` upload windows.
	UploadIncomplete,
}

/// The proof of one shard for one period: the challenged leaves and one combined Merkle
/// proof for them.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ShardProof<T: Config> {
	/// The deal.
	pub deal: xmbl_primitives::DealId,
	/// The shard's number in the deal.
	pub shard: u8,
	/// The period proven: the deal's current period.
	pub period: u32,
	/// The challenged leaves' bytes, in increasing leaf order.
	pub leaves: BoundedVec<BoundedVec<u8, LeafLen>, T::ChallengedLeaves>,
	/// The Merkle proof of those leaves against the shard's root.
	pub proof: xmbl_merkle::Proof,
}

polkadot_sdk::frame_support::parameter_types! {
	/// The longest leaf: the merkle crate's leaf length.
	pub const LeafLen: u32 = xmbl_merkle::LEAF_LEN as u32;
}
