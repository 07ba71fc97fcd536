//! The pallet's stored types.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
	},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::traits::StaticLookup,
};
use scale_info::TypeInfo;
use xmbl_primitives::{Capacity, ProviderRole, ProviderRoles};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// The source of an account id in calls: an address the runtime's `Lookup` resolves.
pub type AccountIdLookupOf<T> =
	<<T as polkadot_sdk::frame_system::Config>::Lookup as StaticLookup>::Source;

/// A provider registered at genesis: `(account, roles, stake, capacity, endpoint)`.
pub type GenesisProvider<T> = (
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	ProviderRoles,
	BalanceOf<T>,
	Capacity,
	alloc::vec::Vec<u8>,
);

/// Stake counts for selection up to this multiple of `MinStake`: a provider with
/// `STAKE_WEIGHT_CAP × MinStake` or more is accepted at the full stake weight.
pub const STAKE_WEIGHT_CAP: u32 = 10;

/// Whether a provider takes new work.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProviderStatus<BlockNumber> {
	/// In the selection indexes; takes new work.
	Active,
	/// Out of the selection indexes; the stake can be withdrawn from `unlock_at` on.
	Unbonding {
		/// First block at which `withdraw` succeeds.
		unlock_at: BlockNumber,
	},
}

/// Where a provider sits in each role's selection index (`None`: not in that index).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct IndexPositions {
	/// Position in the storage index.
	pub storage: Option<u32>,
	/// Position in the compute index.
	pub compute: Option<u32>,
}

impl IndexPositions {
	/// The position in `role`'s index.
	pub fn get(&self, role: ProviderRole) -> Option<u32> {
		match role {
			ProviderRole::Storage => self.storage,
			ProviderRole::Compute => self.compute,
		}
	}

	/// Set the position in `role`'s index.
	pub fn set(&mut self, role: ProviderRole, position: Option<u32>) {
		match role {
			ProviderRole::Storage => self.storage = position,
			ProviderRole::Compute => self.compute = position,
		}
	}
}

/// A registered provider.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ProviderRecord<T: Config> {
	/// The services offered.
	pub roles: ProviderRoles,
	/// Stake held with `HoldReason::ProviderStake`; always equal to that hold.
	pub stake: BalanceOf<T>,
	/// Declared capacity (the part of a role not offered is zero).
	pub capacity: Capacity,
	/// Capacity assigned to live shards and jobs; never above `capacity`.
	pub used: Capacity,
	/// Where clients reach the provider's node (e.g. a multiaddr), UTF-8.
	pub endpoint: BoundedVec<u8, T::MaxEndpointLen>,
	/// Shards and jobs currently assigned; unbonding waits for zero.
	pub live_assignments: u32,
	/// Slashes ever applied.
	pub slashes: u32,
	/// Proven periods and accepted results.
	pub successes: u64,
	/// Active or unbonding.
	pub status: ProviderStatus<BlockNumberFor<T>>,
	/// Positions in the selection indexes (set while active, for each role offered).
	pub index: IndexPositions,
}

impl<T: Config> ProviderRecord<T> {
	/// Whether the provider takes new work.
	pub fn is_active(&self) -> bool {
		self.status == ProviderStatus::Active
	}

	/// Declared capacity not yet assigned.
	pub fn free(&self) -> Capacity {
		self.capacity.saturating_sub(&self.used)
	}
}

/// `capacity` with the dimensions of roles not offered set to zero.
pub fn capacity_for(roles: ProviderRoles, capacity: Capacity) -> Capacity {
	Capacity {
		bytes: if roles.offers(ProviderRole::Storage) { capacity.bytes } else { 0 },
		compute_slots: if roles.offers(ProviderRole::Compute) { capacity.compute_slots } else { 0 },
	}
}
