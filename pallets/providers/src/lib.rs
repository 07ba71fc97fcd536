//! # XMBL providers pallet
//!
//! The provider registry and token economics of XMBL (see `DESIGN.md`):
//!
//! - **Registration.** A provider registers with a stake held from its balance
//!   ([`HoldReason::ProviderStake`]), the services it offers ([`ProviderRoles`]), a declared
//!   [`Capacity`], the endpoint where clients reach its node and the lowest price it stores
//!   a shard for per period (selection for a lower price skips it).
//! - **Selection.** The markets ask [`ProviderRegistry::select`] for `count` distinct providers of
//!   a role. Selection draws from a per-role dense index with a seed and weights by free capacity
//!   and stake through rejection sampling; its cost is bounded by `count × MaxSelectionDraws`
//!   draws, whatever the number of providers.
//! - **Escrow.** Clients' payments are held on their own account ([`HoldReason::Escrow`]) and paid
//!   to providers for proven work or refunded ([`Escrow`]).
//! - **Slashing.** A slash takes stake (never more than there is), compensates the harmed client
//!   first, up to what it lost, and sends the rest to the treasury account ([`Slashing`]).
//! - **Leaving.** `announce_exit` takes a provider with live assignments out of selection while
//!   the markets move its work to others; `unbond` refuses while the provider has live
//!   assignments, then takes it out of selection; `withdraw` releases the stake after
//!   `UnbondingPeriod`.
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

	/// The storage layout version. 1: index entries only for eligible providers, endpoints
	/// validated; the dev chain restarts from genesis rather than migrating from 0.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
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

		/// Stake that backs each GiB (2^30 bytes) of declared storage capacity: `register` and
		/// `update` refuse more capacity than the stake backs, and a provider slashed below
		/// what backs its shards takes no new ones. Declaring a huge capacity therefore buys
		/// no selection weight.
		#[pallet::constant]
		type StakePerGiB: Get<BalanceOf<Self>>;

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

	/// Per role, a dense list of providers eligible for selection (active, stake at least
	/// `MinStake`, free capacity for the role): positions `0..RoleCount[role]`. An eligible
	/// provider may be missing from a full index (see [`Pallet::enter_index`]).
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
			min_price: BalanceOf<T>,
		},
		/// A provider updated its declared capacity, endpoint or minimum price.
		Updated { provider: T::AccountId, capacity: Capacity, min_price: BalanceOf<T> },
		/// A provider announced its exit: it left selection and takes no new work; it unbonds
		/// once the markets have moved its assignments to other providers.
		ExitAnnounced { provider: T::AccountId },
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
		/// A provider entered `role`'s selection index.
		IndexEntered { provider: T::AccountId, role: ProviderRole },
		/// A provider left `role`'s selection index: it became ineligible (slashed below
		/// `MinStake`, capacity full, unbonding) or a provider with more stake displaced it.
		IndexLeft { provider: T::AccountId, role: ProviderRole },
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
		/// The endpoint is not `http://`, `https://`, `ws://` or `wss://`, then a host, an
		/// optional `:port` (1 to 65535) and an optional `/path`, all printable ASCII without
		/// spaces (see [`validate_endpoint`]).
		InvalidEndpoint,
		/// The role's selection index holds `MaxProviders` providers and no provider to
		/// displace was named.
		TooManyProviders,
		/// `update` was given nothing that differs from the record.
		NothingToUpdate,
		/// The amount is zero.
		ZeroAmount,
		/// The provider is eligible in every index it is in; there is nothing to chill.
		NothingToChill,
		/// The provider is already in the role's index.
		AlreadyIndexed,
		/// The provider is not eligible for the role: unbonding, stake below `MinStake`, no
		/// free capacity, or the role not offered.
		NotEligible,
		/// The provider named to be displaced is not in the role's index, or its stake is not
		/// below the caller's.
		CannotDisplace,
		/// A role offered has zero declared capacity.
		ZeroCapacity,
		/// The new capacity is below the capacity in use.
		CapacityBelowUsed,
		/// The declared storage capacity is more than the stake backs (`StakePerGiB`).
		CapacityAboveStake,
		/// The provider still has live assignments; they must be handed over or expire.
		HasLiveAssignments,
		/// The provider is already unbonding.
		AlreadyUnbonding,
		/// The provider has already announced its exit.
		AlreadyExiting,
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
				let endpoint = EndpointOf::<T>::try_from(endpoint.clone())
					.unwrap_or_else(|_| panic!("genesis provider {who:?}: endpoint too long"));
				Pallet::<T>::do_register(
					who.clone(),
					*roles,
					*stake,
					*capacity,
					endpoint,
					Zero::zero(),
				)
				.unwrap_or_else(|error| panic!("genesis provider {who:?}: {error:?}"));
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::MinStake::get().is_zero(), "MinStake must be above zero");
			assert!(!T::StakePerGiB::get().is_zero(), "StakePerGiB must be above zero");
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
		///   existential deposit; `endpoint`: at most `MaxEndpointLen` bytes, of the form
		///   [`validate_endpoint`] accepts; `min_price`: the lowest price per shard and period
		///   the provider stores for (selection for a deal at a lower price skips it).
		/// - The provider enters the index of each role offered that has room; where an index
		///   is full it stays out until it calls [`Pallet::enter_index`].
		/// - Emits [`Event::Registered`] and an [`Event::IndexEntered`] per index entered.
		/// - Weight: [`WeightInfo::register`] (constant).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			roles: ProviderRoles,
			stake: BalanceOf<T>,
			capacity: Capacity,
			endpoint: EndpointOf<T>,
			min_price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, roles, stake, capacity, endpoint, min_price)
		}

		/// Change some of the declared capacity, the endpoint and the minimum price; `None`
		/// keeps a field.
		///
		/// - Origin: signed by a registered provider.
		/// - `bytes`, `compute_slots`: the new declared capacity of each dimension, not below
		///   what is in use (a dimension of a role not offered is ignored); `endpoint`: as in
		///   `register`; `min_price`: as in `register`, for selections from now on (work
		///   already assigned keeps its price). A call that changes nothing fails with
		///   `NothingToUpdate`.
		/// - The provider enters or leaves the selection indexes as its free capacity makes it
		///   eligible or not.
		/// - Emits [`Event::Updated`].
		/// - Weight: [`WeightInfo::update`], plus moving in or out of the indexes (bounded by
		///   [`WeightInfo::unbond`], which moves out of both).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update().saturating_add(T::WeightInfo::unbond()))]
		pub fn update(
			origin: OriginFor<T>,
			bytes: Option<u64>,
			compute_slots: Option<u32>,
			endpoint: Option<EndpointOf<T>>,
			min_price: Option<BalanceOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, bytes, compute_slots, endpoint, min_price)
		}

		/// Add to the stake.
		///
		/// - Origin: signed by a registered provider.
		/// - `amount`: above zero, held from the free balance, which keeps the existential
		///   deposit.
		/// - A provider that was out of an index for a stake below `MinStake` enters it again
		///   when the index has room.
		/// - Emits [`Event::StakeBonded`].
		/// - Weight: [`WeightInfo::bond_extra`], plus entering the indexes (bounded by
		///   [`WeightInfo::unbond`]).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_extra().saturating_add(T::WeightInfo::unbond()))]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Stop taking new work and start the unbonding period.
		///
		/// - Origin: signed by an active or exiting provider without live assignments.
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

		/// Take an ineligible provider out of the selection indexes it is still in.
		///
		/// Providers leave the indexes by themselves when they become ineligible; this call
		/// covers what no call of the provider's triggers (e.g. a runtime upgrade raising
		/// `MinStake`). Anyone may call it; the caller pays the ordinary fee.
		///
		/// - Origin: any signed account.
		/// - `provider`: a registered provider that is ineligible in at least one index it is
		///   in, otherwise `NothingToChill`.
		/// - Emits an [`Event::IndexLeft`] per index left.
		/// - Weight: [`WeightInfo::unbond`] (the same removal from both indexes).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn chill(origin: OriginFor<T>, provider: AccountIdLookupOf<T>) -> DispatchResult {
			ensure_signed(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			Self::do_chill(provider)
		}

		/// Enter `role`'s selection index, displacing a provider with less stake if it is full.
		///
		/// - Origin: signed by a provider eligible for `role` and not in its index.
		/// - `displace`: needed when the index holds `MaxProviders` providers: a provider in
		///   the index whose stake is strictly below the caller's; it leaves the index (and
		///   stays registered) and the caller takes its position.
		/// - Emits [`Event::IndexEntered`], and [`Event::IndexLeft`] for the displaced one.
		/// - Weight: [`WeightInfo::unbond`] (bounds its reads and writes: two records, one
		///   index entry and the count).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn enter_index(
			origin: OriginFor<T>,
			role: ProviderRole,
			displace: Option<AccountIdLookupOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let displace = displace.map(T::Lookup::lookup).transpose()?;
			Self::do_enter_index(who, role, displace)
		}

		/// Announce leaving: leave the selection indexes and take no new work, while the
		/// markets move the provider's assignments to other providers (the storage market's
		/// `leave_shards`); once none is left, `unbond` starts the unbonding period.
		///
		/// - Origin: signed by an active provider.
		/// - Slashes still apply to the work it keeps until it is moved.
		/// - Emits [`Event::ExitAnnounced`].
		/// - Weight: [`WeightInfo::announce_exit`] (constant).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::announce_exit())]
		pub fn announce_exit(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_announce_exit(who)
		}
	}
}
