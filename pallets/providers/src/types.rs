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

/// A provider's endpoint as calls take it and records store it (see [`validate_endpoint`]).
pub type EndpointOf<T> = BoundedVec<u8, <T as Config>::MaxEndpointLen>;

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
	/// Announced its exit: out of the selection indexes, takes no new work, keeps proving the
	/// shards it has until the storage market moves them to other providers; `unbond` once it
	/// has no live assignment left.
	Exiting,
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
	pub endpoint: EndpointOf<T>,
	/// The lowest price per shard and proof period the provider takes storage deals at:
	/// selection for a deal at a lower price skips it.
	pub min_price: BalanceOf<T>,
	/// Shards and jobs currently assigned; unbonding waits for zero.
	pub live_assignments: u32,
	/// Slashes ever applied.
	pub slashes: u32,
	/// Proven periods and accepted results.
	pub successes: u64,
	/// Active, exiting or unbonding.
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

/// The URL schemes an endpoint may use.
pub const ENDPOINT_SCHEMES: [&[u8]; 4] = [b"http://", b"https://", b"ws://", b"wss://"];

/// Whether `endpoint` has the form providers' endpoints must have:
///
/// - every byte is printable ASCII without space (`0x21..=0x7E`);
/// - it starts with `http://`, `https://`, `ws://` or `wss://`;
/// - then a non-empty host (a name, an IPv4 address, or an IPv6 address in brackets), an
///   optional `:port` with a port in `1..=65535` in decimal, and an optional path starting
///   with `/`.
pub fn validate_endpoint(endpoint: &[u8]) -> bool {
	if !endpoint.iter().all(|byte| (0x21..=0x7E).contains(byte)) {
		return false;
	}
	let Some(rest) = ENDPOINT_SCHEMES.iter().find_map(|scheme| endpoint.strip_prefix(*scheme))
	else {
		return false;
	};
	let authority = rest.split(|byte| *byte == b'/').next().unwrap_or_default();
	let port = if let Some(bracketed) = authority.strip_prefix(b"[") {
		// An IPv6 literal: `[address]` then an optional `:port`.
		let Some(close) = bracketed.iter().position(|byte| *byte == b']') else { return false };
		let after = &bracketed[close + 1..];
		let port = match after {
			[] => None,
			[b':', port @ ..] => Some(port),
			_ => return false,
		};
		let address = &bracketed[..close];
		if address.is_empty()
			|| !address
				.iter()
				.all(|byte| byte.is_ascii_hexdigit() || matches!(byte, b':' | b'.'))
		{
			return false;
		}
		port
	} else {
		let (host, port) = match authority.iter().rposition(|byte| *byte == b':') {
			Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
			None => (authority, None),
		};
		if host.is_empty() || host.iter().any(|byte| matches!(byte, b'[' | b']' | b'@' | b':')) {
			return false;
		}
		port
	};
	match port {
		None => true,
		Some(port) => {
			port.len() <= 5
				&& !port.is_empty()
				&& port.iter().all(u8::is_ascii_digit)
				&& core::str::from_utf8(port)
					.ok()
					.and_then(|text| text.parse::<u32>().ok())
					.is_some_and(|number| (1..=65_535).contains(&number))
		},
	}
}
