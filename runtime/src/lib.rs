//! The XMBL runtime.
//!
//! `lib.rs` declares the runtime (pallets with explicit indexes) and its core types;
//! `configs` holds one `impl Config` per pallet, `apis` the runtime APIs and
//! `genesis_config_presets` the `development` and `local_testnet` genesis states.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// This runtime under spec version [`VERSION`] + 1, and nothing else changed: what the
/// runtime-upgrade test sets with `system.setCode` (the `next-spec-version` feature).
#[cfg(feature = "std")]
pub mod next_spec_version {
	include!(concat!(env!("OUT_DIR"), "/wasm_binary_next_spec_version.rs"));
}

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis`: it defines the `list_benchmarks!`/`add_benchmarks!` macros
// the benchmark runtime API uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;

pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;
pub mod weights;

use polkadot_sdk::{
	frame_metadata_hash_extension, pallet_authorship, pallet_babe, pallet_balances, pallet_grandpa,
	pallet_offences, pallet_sudo, pallet_timestamp, pallet_transaction_payment, sp_consensus_babe,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, TransactionExtension, Verify},
		MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
};

#[cfg(feature = "std")]
pub use polkadot_sdk::sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know of blocks without knowing the runtime's calls.
pub mod opaque {
	use super::*;
	use alloc::vec::Vec;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;

	impl_opaque_keys! {
		pub struct SessionKeys {
			pub babe: Babe,
			pub grandpa: Grandpa,
		}
	}
}

// The `runtime_version` section the node reads the version from; the runtime-upgrade
// test's build has none, so the node asks its `Core_version`: `VERSION` below.
#[cfg_attr(not(feature = "next-spec-version"), polkadot_sdk::sp_version::runtime_version)]
const RELEASED_VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("xmbl"),
	impl_name: alloc::borrow::Cow::Borrowed("xmbl"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The version `Core_version` reports.
#[cfg(not(feature = "next-spec-version"))]
pub const VERSION: RuntimeVersion = RELEASED_VERSION;
/// The version `Core_version` reports: one spec version past the released one.
#[cfg(feature = "next-spec-version")]
pub const VERSION: RuntimeVersion =
	RuntimeVersion { spec_version: RELEASED_VERSION.spec_version + 1, ..RELEASED_VERSION };

/// Target block time. 3 s keeps three debug-built validators on two cores producing
/// every slot, while end-to-end tests that wait for tens of blocks stay within minutes.
pub const MILLISECS_PER_BLOCK: u64 = 3000;
/// BABE slot length; it cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Slots in a BABE epoch, which is also a session: the validator set can change at each
/// epoch boundary, 30 s on this development and test chain, whose end-to-end tests watch
/// validators join and leave. A public network would choose hours (docs/chain.md). It
/// cannot change once a chain has started.
pub const EPOCH_DURATION_IN_SLOTS: u64 = 10;

/// BABE's epoch configuration at genesis: a primary (VRF-won) slot is claimed with
/// probability 1/4 per validator, and every slot has a secondary author drawn by VRF too,
/// so that every block carries a VRF output and a single dev validator authors every slot.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: (1, 4),
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// Blocks per minute, hour and day at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// One XMBL: the token has 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

// Token symbol and decimals, shared with build.rs (the metadata hash commits to them).
include!("token.rs");
/// SS58 address prefix: 42, the generic Substrate prefix, so dev accounts keep the
/// addresses every wallet and tool already knows.
pub const SS58_PREFIX: u16 = 42;

/// Blocks in a storage proof period: 30 seconds. This chain is a development and test
/// network whose end-to-end tests watch several periods pass; a public network would prove
/// hourly or daily (see docs/storage.md).
pub const STORAGE_PROOF_PERIOD: BlockNumber = 10;

/// Blocks a storage provider has to confirm a shard assigned to it: one proof period.
pub const STORAGE_UPLOAD_WINDOW: BlockNumber = STORAGE_PROOF_PERIOD;

/// Storage proof periods a provider may miss in a row before its shard is repaired
/// elsewhere.
pub const STORAGE_MAX_MISSED_PERIODS: u8 = 2;

/// Blocks between a provider's `unbond` and its `withdraw`: two and a half minutes, more
/// than the longest window in which a storage fault is found ((missed periods + 1) proof
/// periods and an upload window; the storage pallet's integrity test checks it). A public
/// network would choose days (see docs/economics.md).
pub const PROVIDER_UNBONDING_PERIOD: BlockNumber = 5 * STORAGE_PROOF_PERIOD;

/// Block number.
pub type BlockNumber = u32;
/// Transaction signature.
pub type Signature = MultiSignature;
/// Account identifier: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Token balance.
pub type Balance = u128;
/// Transaction index of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = polkadot_sdk::sp_core::H256;

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The extensions every signed transaction carries, in order.
///
/// `CheckMetadataHash` lets a signer commit to the metadata it encoded the call with
/// (RFC-0078): with the hash enabled, a transaction signed against other metadata
/// fails its signature check instead of dispatching a different call.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);
/// What a signer signs besides the call and the extensions' own bytes: the values
/// the runtime fills in from its state (versions, genesis and era block hashes,
/// metadata hash).
pub type TxImplicit = <TxExtension as TransactionExtension<RuntimeCall>>::Implicit;

/// The extensions of a signed transaction with the metadata hash enabled.
///
/// Off-chain signers (the `xmbl` client, provider nodes) build transactions with
/// this function and [`tx_implicit`], so that a change to [`TxExtension`] fails to
/// compile here instead of producing transactions the runtime rejects.
pub fn tx_extension(nonce: Nonce, tip: Balance, era: generic::Era) -> TxExtension {
	(
		frame_system::AuthorizeCall::new(),
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(era),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(tip),
		frame_metadata_hash_extension::CheckMetadataHash::new(true),
		frame_system::WeightReclaim::new(),
	)
}

/// The implicit part of what [`tx_extension`]'s transactions sign, for the runtime at
/// `spec_version` (this one's, or a later one's with the same calls): `era_block` is the
/// hash of the block the era starts at (the genesis hash for an immortal era) and
/// `metadata_hash` the RFC-0078 digest of that runtime's metadata.
pub fn tx_implicit(
	spec_version: u32,
	genesis: Hash,
	era_block: Hash,
	metadata_hash: [u8; 32],
) -> TxImplicit {
	(
		(),
		(),
		spec_version,
		VERSION.transaction_version,
		genesis,
		era_block,
		(),
		(),
		(),
		Some(metadata_hash),
		(),
	)
}
/// An extrinsic as the runtime decodes it.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload signed by a transaction's sender.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on a runtime upgrade, beyond the pallets' own.
type Migrations = ();

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = polkadot_sdk::frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(7)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(8)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(9)]
	pub type Historical = pallet_session::historical;
	// Declared before the storage and compute markets: its hook folds the parent's VRF output
	// into the seed they draw from in the same block.
	#[runtime::pallet_index(12)]
	pub type Validators = pallet_xmbl_validators;
	#[runtime::pallet_index(13)]
	pub type Session = pallet_session;

	// XMBL's own pallets.
	#[runtime::pallet_index(10)]
	pub type Providers = pallet_xmbl_providers;
	#[runtime::pallet_index(11)]
	pub type Storage = pallet_xmbl_storage;
	// After `Validators`, as the storage market: the compute market's hook draws workers from
	// the seed that `Validators` folds the parent's VRF output into earlier in the same block.
	#[runtime::pallet_index(14)]
	pub type Compute = pallet_xmbl_compute;
}
