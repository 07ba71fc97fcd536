//! # XMBL providers pallet
//!
//! The provider registry and token economics of XMBL (see `DESIGN.md`):
//!
//! - **Registration.** A provider registers with a stake held from its balance
//!   ([`HoldReason::ProviderStake`]), the services it offers ([`ProviderRoles`]), a declared
//!   [`Capacity`] and the endpoint where clients reach its node.
//! - **Selection.** The markets ask [`ProviderRegistry::select`] for `count` distinct providers of
//!   a role. Selection draws from a per-role dense index with a seed and weights by free capacity
//!   and stake through rejection sampling; its cost is bounded by `count × MaxSelectionDraws`
//!   draws, whatever the number of providers.
//! - **Escrow.** Clients' payments are held on their own account ([`HoldReason::Escrow`]) and paid
//!   to providers for proven work or refunded ([`Escrow`]).
//! - **Slashing.** A slash takes stake (never more than there is), compensates the harmed client
//!   first, up to what it lost, and sends the rest to the treasury account ([`Slashing`]).
//! - **Leaving.** `unbond` refuses while the provider has live assignments, then takes it out of
//!   selection; `withdraw` releases the stake after `UnbondingPeriod`.
//!
//! Total issuance is conserved: every flow here moves funds between free balance, holds and
//! accounts (`hold`, `release`, `transfer_on_hold`, `transfer`); nothing is minted or burned.
//! Transaction fees are the only burn, and they are outside this pallet.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod features;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;
pub use xmbl_primitives::{
	Capacity, Escrow, ProviderRegistry, ProviderRole, ProviderRoles, ProviderSummary,
	SelectionError, SlashOutcome, Slashing,
};

use polkadot_sdk::frame_support;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{
			pallet_prelude::*,
			traits::fungible::{Inspect, Mutate, MutateHold},
		},
		frame_system::pallet_prelude::*,
		sp_runtime::traits::StaticLookup,
	};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency: stake and escrow are holds on it.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// The smallest stake a provider registers with, and the stake below which a
		/// (slashed) provider is no longer selected. Also sets the stake weight of
		/// selection: stake counts up to `STAKE_WEIGHT_CAP × MinStake`.
		#[pallet::constant]
		type MinStake: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and the first block `withdraw` succeeds; slashes still
		/// apply during this period.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// The longest endpoint, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// The most random draws a selection makes per provider asked for: a selection of
		/// `count` providers reads at most `count × MaxSelectionDraws` index entries.
		#[pallet::constant]
		type MaxSelectionDraws: Get<u32>;

		/// The most active providers per role (the length bound of each selection index).
		#[pallet::constant]
		type MaxProviders: Get<u32>;

		/// The treasury account: receives what slashes do not pay to harmed clients. It must
		/// exist (hold at least the existential deposit, e.g. from genesis).
		#[pallet::constant]
		type TreasuryAccount: Get<Self::AccountId>;

		/// The origin that may spend from the treasury (Root in the runtime).
		type TreasuryOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls and of `select`.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A provider's stake.
		ProviderStake,
		/// A client's payment, waiting for proven work.
		Escrow,
	}

	/// Registered providers, active or unbonding.
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderRecord<T>, OptionQuery>;

	/// Per role, a dense list of the active providers: positions `0..RoleCount[role]`.
	#[pallet::storage]
	pub type RoleIndex<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ProviderRole,
		Twox64Concat,
		u32,
		T::AccountId,
		OptionQuery,
	>;

	/// Per role, the length of [`RoleIndex`].
	#[pallet::storage]
	pub type RoleCount<T: Config> = StorageMap<_, Twox64Concat, ProviderRole, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered and its stake was held.
		Registered {
			provider: T::AccountId,
			roles: ProviderRoles,
			stake: BalanceOf<T>,
			capacity: Capacity,
		},
		/// A provider updated its declared capacity and endpoint.
		Updated { provider: T::AccountId, capacity: Capacity },
		/// A provider added `amount` to its stake, which is now `stake`.
		StakeBonded { provider: T::AccountId, amount: BalanceOf<T>, stake: BalanceOf<T> },
		/// A provider left selection; its stake unlocks at `unlock_at`.
		UnbondingStarted { provider: T::AccountId, unlock_at: BlockNumberFor<T> },
		/// A provider withdrew its stake `amount` and its record was removed.
		Withdrawn { provider: T::AccountId, amount: BalanceOf<T> },
		/// A provider's stake was slashed by `amount`: `to_harmed` went to the harmed client,
		/// `to_treasury` to the treasury.
		Slashed {
			provider: T::AccountId,
			amount: BalanceOf<T>,
			to_harmed: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
		},
		/// `amount` of a client's balance was held in escrow.
		EscrowHeld { client: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of a client's escrow was paid to a provider.
		EscrowReleased { client: T::AccountId, provider: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of a client's escrow was returned to it.
		EscrowRefunded { client: T::AccountId, amount: BalanceOf<T> },
		/// `amount` was paid from the treasury to `to`.
		TreasurySpent { to: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered provider.
		AlreadyRegistered,
		/// The account is not a registered provider.
		NotRegistered,
		/// The stake is below `MinStake`.
		StakeBelowMinimum,
		/// The free balance cannot cover the amount and keep the existential deposit.
		InsufficientBalance,
		/// The endpoint is longer than `MaxEndpointLen` bytes.
		EndpointTooLong,
		/// A role's selection index already holds `MaxProviders` providers.
		TooManyProviders,
		/// A role offered has zero declared capacity.
		ZeroCapacity,
		/// The new capacity is below the capacity in use.
		CapacityBelowUsed,
		/// The provider still has live assignments; they must be handed over or expire.
		HasLiveAssignments,
		/// The provider is already unbonding.
		AlreadyUnbonding,
		/// The provider is not unbonding.
		NotUnbonding,
		/// The unbonding period has not ended yet.
		UnbondingNotFinished,
		/// The provider is unbonding and takes no new work.
		NotActive,
		/// The provider's free capacity cannot take the assignment.
		InsufficientCapacity,
		/// The client's escrow hold is smaller than the amount.
		InsufficientEscrow,
		/// A counter reached its maximum value.
		Overflow,
	}

	/// Providers registered at genesis, as if each had called `register`.
	#[pallet::genesis_config]
	#[derive(polkadot_sdk::frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The providers to register.
		pub providers: Vec<GenesisProvider<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (who, roles, stake, capacity, endpoint) in &self.providers {
				Pallet::<T>::do_register(who.clone(), *roles, *stake, *capacity, endpoint.clone())
					.unwrap_or_else(|error| panic!("genesis provider {who:?}: {error:?}"));
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::MinStake::get().is_zero(), "MinStake must be above zero");
			assert!(T::MaxSelectionDraws::get() >= 1, "MaxSelectionDraws must be at least 1");
			assert!(T::MaxProviders::get() >= 1, "MaxProviders must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register as a provider.
		///
		/// - Origin: signed by the provider's account.
		/// - `roles`: the services offered; `capacity`: the declared capacity (the part of a
		///   role not offered is ignored; each role offered needs a non-zero part);
		///   `stake`: at least `MinStake`, held from the free balance, which keeps the
		///   existential deposit; `endpoint`: at most `MaxEndpointLen` bytes.
		/// - Emits [`Event::Registered`].
		/// - Weight: [`WeightInfo::register`] (constant).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			roles: ProviderRoles,
			stake: BalanceOf<T>,
			capacity: Capacity,
			endpoint: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, roles, stake, capacity, endpoint)
		}

		/// Change the declared capacity and the endpoint.
		///
		/// - Origin: signed by a registered provider.
		/// - `capacity`: the new capacity, not below the capacity in use; `endpoint`: at most
		///   `MaxEndpointLen` bytes.
		/// - Emits [`Event::Updated`].
		/// - Weight: [`WeightInfo::update`] (constant).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update())]
		pub fn update(
			origin: OriginFor<T>,
			capacity: Capacity,
			endpoint: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, capacity, endpoint)
		}

		/// Add to the stake.
		///
		/// - Origin: signed by a registered provider.
		/// - `amount`: held from the free balance, which keeps the existential deposit.
		/// - Emits [`Event::StakeBonded`].
		/// - Weight: [`WeightInfo::bond_extra`] (constant).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Stop taking new work and start the unbonding period.
		///
		/// - Origin: signed by an active provider without live assignments.
		/// - Emits [`Event::UnbondingStarted`].
		/// - Weight: [`WeightInfo::unbond`] (constant).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who)
		}

		/// Release the whole stake and remove the provider's record.
		///
		/// - Origin: signed by an unbonding provider whose unbonding period has ended.
		/// - Emits [`Event::Withdrawn`].
		/// - Weight: [`WeightInfo::withdraw`] (constant).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who)
		}

		/// Pay from the treasury account; the treasury keeps its existential deposit.
		///
		/// - Origin: `TreasuryOrigin` (Root).
		/// - `to`: the recipient; `amount`: what it receives.
		/// - Emits [`Event::TreasurySpent`].
		/// - Weight: [`WeightInfo::spend_treasury`] (constant).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::spend_treasury())]
		pub fn spend_treasury(
			origin: OriginFor<T>,
			to: AccountIdLookupOf<T>,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			T::TreasuryOrigin::ensure_origin(origin)?;
			let to = T::Lookup::lookup(to)?;
			Self::do_spend_treasury(to, amount)
		}
	}
}
