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

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis`: it defines the `list_benchmarks!`/`add_benchmarks!` macros
// the benchmark runtime API uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;

pub mod apis;
pub mod weights;
pub mod configs;
pub mod genesis_config_presets;

use polkadot_sdk::{
	pallet_aura, pallet_authorship, pallet_balances, pallet_grandpa, pallet_sudo,
	pallet_timestamp, pallet_transaction_payment,
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
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
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("xmbl"),
	impl_name: alloc::borrow::Cow::Borrowed("xmbl"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. 3 s keeps three debug-built validators on two cores producing
/// every slot, while end-to-end tests that wait for tens of blocks stay within minutes.
pub const MILLISECS_PER_BLOCK: u64 = 3000;
/// Aura slot length; it cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

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

/// Token symbol and decimals, as advertised in the chain spec's properties.
pub const TOKEN_SYMBOL: &str = "XMBL";
pub const TOKEN_DECIMALS: u8 = 12;
/// SS58 address prefix: 42, the generic Substrate prefix, so dev accounts keep the
/// addresses every wallet and tool already knows.
pub const SS58_PREFIX: u16 = 42;

/// Blocks between a provider's `unbond` and its `withdraw`: one minute. This chain
/// is a development and test network where end-to-end tests wait for the period;
/// a public network would choose days (see docs/economics.md).
pub const PROVIDER_UNBONDING_PERIOD: BlockNumber = MINUTES;

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
	frame_system::WeightReclaim<Runtime>,
);
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
	pub type Aura = pallet_aura;
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

	// XMBL's own pallets.
	#[runtime::pallet_index(10)]
	pub type Providers = pallet_xmbl_providers;
}
