//! # XMBL storage market pallet
//!
//! People pay to keep a file on independent providers; providers are paid only for storage
//! they prove (see `DESIGN.md`, and `docs/storage.md` for the protocol as a whole).
//!
//! - **Deal.** [`Pallet::create_deal`] takes the file's manifest (sizes, `k`, `m`, shard
//!   roots; the file root is checked against them), a number of proof periods and a price
//!   per shard and period (at least `MinShardPrice`), and holds the whole price, a repair
//!   reserve and an upload deposit in the owner's escrow.
//! - **Selection.** `SelectionDelay` blocks later, `on_initialize` draws `k + m` distinct
//!   storage providers with free capacity whose minimum price the deal pays, from that
//!   block's randomness, which did not exist when the deal was made, and reserves a shard's
//!   bytes of each one's capacity.
//! - **Upload.** Each provider's node takes its shard from the client, checks it against the
//!   root and confirms ([`Pallet::confirm_shards`]). Shards unconfirmed at the end of an
//!   upload window go to other providers; after `MaxUploadRounds` windows the deal fails:
//!   the upload deposit goes to the providers that confirmed their shard (the rest to the
//!   treasury) and the price is refunded. When the last shard is confirmed the deal is
//!   active, the deposit goes back to the owner and the periods run.
//! - **Proofs.** Each period has a seed drawn when it starts; the leaves every shard must
//!   prove follow from it ([`Pallet::challenge`]). Providers prove many shards in one
//!   [`Pallet::submit_proofs`]; the runtime verifies each with the merkle crate's `no_std`
//!   verifier and pays the shard's price for the period at once. Honest confirmations and
//!   proofs pay no fee.
//! - **Deadlines.** At the end of a period every shard not proven is refunded to the owner
//!   and its provider slashed (the owner is compensated up to the shard's price for the
//!   period, the rest goes to the treasury). A shard missed `MaxMissedPeriods` times in a
//!   row is lost: its provider's capacity is released and a newly drawn provider rebuilds it
//!   from `k` other shards, earning a bounty from the deal's repair reserve at its first
//!   accepted proof.
//! - **Leaving.** A provider hands shards back with [`Pallet::leave_shards`]: each moves to a
//!   newly drawn provider, as a repair, at its deal's next period end (until then the
//!   provider proves it as before).
//! - **End.** [`Pallet::renew`] buys more periods; [`Pallet::cancel`] refunds what no
//!   period has been proven for (during the upload, the deposit of the shards confirmed
//!   goes to their providers, the rest to the treasury); after the last period the deal
//!   ends, the reserve is refunded and the providers' capacity released.
//!
//! Per-block work does not grow with the number of deals: deals are scheduled by the block
//! of their next step ([`Due`]) and `on_initialize` takes at most `MaxDealsPerBlock` of
//! them, within `MaxScheduleWeight`, carrying the rest over to the next block.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod deals;
mod proofs;
mod schedule;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;
pub use xmbl_primitives::{DealId, ShardDuty, ShardTask};

use polkadot_sdk::frame_support;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::Randomness},
		frame_system::pallet_prelude::*,
		sp_runtime::Saturating,
	};
	use xmbl_file_format::Manifest;
	use xmbl_primitives::{Escrow, ProviderRegistry, Slashing};

	/// The storage layout version.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency prices and escrow are in (its balance type is all this pallet uses).
		type Currency: polkadot_sdk::frame_support::traits::fungible::Inspect<Self::AccountId>;

		/// The provider registry: selection and capacity.
		type Registry: ProviderRegistry<Self::AccountId, BalanceOf<Self>>;

		/// The owners' escrow.
		type Escrow: Escrow<Self::AccountId, BalanceOf<Self>>;

		/// Slashing of providers that miss proofs.
		type Slashing: Slashing<Self::AccountId, BalanceOf<Self>>;

		/// The randomness providers and challenges are drawn from. Its output for a block
		/// must not be known before that block; see the threat model in `docs/storage.md`.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// The most data shards (`k`) a deal may have; at most 32.
		#[pallet::constant]
		type MaxDataShards: Get<u8>;

		/// The most parity shards (`m`) a deal may have; at most 32. A deal has at least one,
		/// so that a lost shard can be rebuilt.
		#[pallet::constant]
		type MaxParityShards: Get<u8>;

		/// The length bound of a deal's shard list: at least `MaxDataShards +
		/// MaxParityShards`.
		#[pallet::constant]
		type MaxShards: Get<u32>;

		/// The largest shard, in bytes.
		#[pallet::constant]
		type MaxShardSize: Get<u64>;

		/// The most periods a deal may run (at creation and after renewals).
		#[pallet::constant]
		type MaxPeriods: Get<u32>;

		/// Blocks in a proof period.
		#[pallet::constant]
		type ProofPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks between a deal's creation and the selection of its providers; at least 1,
		/// so the randomness used did not exist when the deal was made.
		#[pallet::constant]
		type SelectionDelay: Get<BlockNumberFor<Self>>;

		/// Blocks a provider has to confirm a shard assigned to it (upload or repair); at
		/// most `ProofPeriod`.
		#[pallet::constant]
		type UploadWindow: Get<BlockNumberFor<Self>>;

		/// Upload windows a deal may take before it fails (each reassigns the shards still
		/// unconfirmed).
		#[pallet::constant]
		type MaxUploadRounds: Get<u8>;

		/// Leaves challenged per shard and period; at most the merkle crate's
		/// `MAX_PROOF_LEAVES`.
		#[pallet::constant]
		type ChallengedLeaves: Get<u32>;

		/// Periods a shard may be missed in a row before it is lost to its provider.
		#[pallet::constant]
		type MaxMissedPeriods: Get<u8>;

		/// Taken from a provider's stake for each period it misses. The owner is paid at most
		/// the missed shard's price for the period (on top of its refund); the rest goes to
		/// the treasury.
		#[pallet::constant]
		type MissedProofSlash: Get<BalanceOf<Self>>;

		/// The lowest price per shard and period a deal may pay; at least 1.
		#[pallet::constant]
		type MinShardPrice: Get<BalanceOf<Self>>;

		/// Held per shard at `create_deal` until the deal is active, when it goes back to
		/// the owner. If the upload fails or the owner cancels during it, each confirmed
		/// shard's part goes to its provider and the rest to the treasury.
		#[pallet::constant]
		type UploadDeposit: Get<BalanceOf<Self>>;

		/// Receives the upload deposit of shards that were never confirmed.
		#[pallet::constant]
		type TreasuryAccount: Get<Self::AccountId>;

		/// Paid from the deal's repair reserve to a provider that rebuilds a lost shard, at its
		/// first accepted proof of it. A deal reserves it once per parity shard.
		#[pallet::constant]
		type RepairBounty: Get<BalanceOf<Self>>;

		/// The most deals whose scheduled step `on_initialize` runs in one block; the rest
		/// wait for the next block.
		#[pallet::constant]
		type MaxDealsPerBlock: Get<u32>;

		/// The most weight `on_initialize` spends on scheduled steps in one block. A step
		/// starts only while its worst case still fits, and is charged what it did: an honest
		/// period end (every shard proven) costs a small part of its worst case (every shard
		/// lost and drawn anew), so many honest deadlines fit where few dishonest ones would.
		/// Must hold the base and one worst-case step (checked by `integrity_test`).
		#[pallet::constant]
		type MaxScheduleWeight: Get<Weight>;

		/// The most shards one `confirm_shards` or `submit_proofs` call may carry.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The providers' unbonding period: checked in `integrity_test` to outlast every
		/// window in which a provider's fault is found.
		#[pallet::constant]
		type ProviderUnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Funds accounts and registers providers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The id the next deal gets.
	#[pallet::storage]
	pub type NextDealId<T: Config> = StorageValue<_, DealId, ValueQuery>;

	/// Live deals.
	#[pallet::storage]
	pub type Deals<T: Config> = StorageMap<_, Twox64Concat, DealId, Deal<T>, OptionQuery>;

	/// The manifest of each live deal: what its owner needs, besides the key, to read the
	/// file back from any machine.
	#[pallet::storage]
	pub type Manifests<T: Config> = StorageMap<_, Twox64Concat, DealId, Manifest, OptionQuery>;

	/// Live deals by owner.
	#[pallet::storage]
	pub type DealsByOwner<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, DealId, (), OptionQuery>;

	/// Shards by the provider assigned to them: `(deal, shard number)`.
	#[pallet::storage]
	pub type ProviderShards<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		(DealId, u8),
		(),
		OptionQuery,
	>;

	/// Deals by the block of their next scheduled step (`Deal::due`).
	#[pallet::storage]
	pub type Due<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, DealId, (), OptionQuery>;

	/// The oldest block whose scheduled deals may not all have run yet.
	#[pallet::storage]
	pub type DueCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The upload deposit held for each deal that is not active yet (selecting or uploading),
	/// besides the deal's `escrow`.
	#[pallet::storage]
	pub type UploadDeposits<T: Config> =
		StorageMap<_, Twox64Concat, DealId, BalanceOf<T>, OptionQuery>;

	/// Per active deal, the shards its providers are handing back (bit `n`: shard `n`; a deal
	/// has at most 64 shards): each moves to a new provider at the deal's next period end.
	/// Kept apart from the deal record so that the record's layout is unchanged.
	#[pallet::storage]
	pub type LeavingShards<T: Config> = StorageMap<_, Twox64Concat, DealId, u64, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A deal was made; its providers are drawn at block `selection_at`.
		DealCreated {
			deal: DealId,
			owner: T::AccountId,
			file_root: Root,
			shards: u32,
			shard_size: u64,
			periods: u32,
			price: BalanceOf<T>,
			escrow: BalanceOf<T>,
			upload_deposit: BalanceOf<T>,
			selection_at: BlockNumberFor<T>,
		},
		/// The deal's providers were drawn, shard by shard; shards are confirmed before
		/// `until`.
		ShardsAssigned { deal: DealId, providers: Vec<T::AccountId>, until: BlockNumberFor<T> },
		/// A provider confirmed it holds a shard.
		ShardConfirmed { deal: DealId, shard: u8, provider: T::AccountId },
		/// Every shard was confirmed: period 0 runs until `deadline`.
		DealActivated { deal: DealId, deadline: BlockNumberFor<T> },
		/// The deal became active and its upload deposit went back to the owner.
		UploadDepositReturned { deal: DealId, amount: BalanceOf<T> },
		/// The upload failed or was cancelled: of the upload deposit, `to_providers` went to
		/// the providers that had confirmed their shard, `to_treasury` to the treasury.
		UploadDepositForfeited {
			deal: DealId,
			to_providers: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
		},
		/// A shard went to another provider: unconfirmed in time, or lost and repaired
		/// (`repair`). `to` is `None` when no provider had room; it is retried.
		ShardReassigned {
			deal: DealId,
			shard: u8,
			from: Option<T::AccountId>,
			to: Option<T::AccountId>,
			repair: bool,
		},
		/// A shard's period was proven and its price paid to the provider.
		ShardProven {
			deal: DealId,
			shard: u8,
			period: u32,
			provider: T::AccountId,
			paid: BalanceOf<T>,
		},
		/// A shard's period ended unproven: its price went back to the owner and the
		/// provider was slashed `slashed`, of which `to_owner` (at most the price)
		/// compensated the owner and the rest went to the treasury.
		ProofMissed {
			deal: DealId,
			shard: u8,
			period: u32,
			provider: T::AccountId,
			slashed: BalanceOf<T>,
			to_owner: BalanceOf<T>,
		},
		/// A shard was missed `MaxMissedPeriods` times in a row: it is lost to its provider.
		ShardLost { deal: DealId, shard: u8, provider: T::AccountId },
		/// A provider that rebuilt a lost shard proved it for the first time; it was paid
		/// `bounty` from the repair reserve.
		ShardRepaired { deal: DealId, shard: u8, provider: T::AccountId, bounty: BalanceOf<T> },
		/// A provider is handing a shard back: it moves to a new provider at the period end
		/// at block `at`, and is proven by this provider until then.
		ShardLeaving { deal: DealId, shard: u8, provider: T::AccountId, at: BlockNumberFor<T> },
		/// The owner bought `added` more periods; the deal now runs `periods`.
		DealRenewed { deal: DealId, added: u32, periods: u32, held: BalanceOf<T> },
		/// The owner cancelled the deal; `refund` went back to it.
		DealCancelled { deal: DealId, refund: BalanceOf<T> },
		/// The deal's last period ended; `refund` (the unused repair reserve) went back.
		DealEnded { deal: DealId, refund: BalanceOf<T> },
		/// The deal failed before it became active; `refund` went back to the owner.
		DealFailed { deal: DealId, reason: DealFailure, refund: BalanceOf<T> },
		/// A shard of a `confirm_shards` batch was refused with `error` and left as it was;
		/// the batch's other shards were confirmed.
		ConfirmationSkipped {
			deal: DealId,
			shard: u8,
			provider: T::AccountId,
			error: DispatchError,
		},
		/// A shard of a `leave_shards` batch was refused with `error` and left as it was; the
		/// batch's other shards are leaving.
		LeaveSkipped { deal: DealId, shard: u8, provider: T::AccountId, error: DispatchError },
		/// A proof of a `submit_proofs` batch was refused with `error` and nothing was paid
		/// for it; the batch's other proofs were accepted.
		ProofSkipped {
			deal: DealId,
			shard: u8,
			period: u32,
			provider: T::AccountId,
			error: DispatchError,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The manifest is inconsistent: an unsupported version, sizes that do not add up,
		/// or a file root that does not commit to its fields.
		InvalidManifest,
		/// The file is empty: there is nothing to store.
		EmptyFile,
		/// `k` is 0 or above `MaxDataShards`.
		TooManyDataShards,
		/// `m` is 0 or above `MaxParityShards`.
		BadParityShards,
		/// A shard is larger than `MaxShardSize`.
		ShardTooLarge,
		/// The number of periods is 0, or the deal would run more than `MaxPeriods`.
		BadPeriods,
		/// The price per shard and period is below `MinShardPrice`.
		PriceBelowMinimum,
		/// Fewer storage providers with free capacity can be drawn than the deal has shards.
		NotEnoughProviders,
		/// No live deal has this id.
		UnknownDeal,
		/// Only the deal's owner may do this.
		NotOwner,
		/// The deal has no shard with this number.
		UnknownShard,
		/// The shard is not assigned to the caller.
		NotAssigned,
		/// The shard is not waiting for a confirmation.
		NotPending,
		/// The deal's periods are not running (it is still being selected or uploaded).
		DealNotActive,
		/// The proof is for another period than the deal's current one (late or early).
		WrongPeriod,
		/// The shard's period was proven already.
		AlreadyProven,
		/// The shard is not proven in this period: it is pending, or confirmed during it.
		NotDue,
		/// The shard is not stored: it is waiting for its confirmation.
		NotStored,
		/// The shard is already leaving its provider.
		AlreadyLeaving,
		/// The leaves and Merkle proof do not prove the challenged leaves of the shard.
		InvalidProof,
		/// A batch was empty.
		EmptyBatch,
		/// The same shard appears twice in one batch.
		DuplicateInBatch,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::run_due(now)
		}

		fn integrity_test() {
			let max_leaves = xmbl_merkle::MAX_PROOF_LEAVES;
			assert!(T::MaxDataShards::get() >= 1 && T::MaxDataShards::get() <= 32);
			assert!(T::MaxParityShards::get() >= 1 && T::MaxParityShards::get() <= 32);
			assert!(
				T::MaxShards::get()
					>= u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()),
				"MaxShards must hold MaxDataShards + MaxParityShards"
			);
			assert!((1..=max_leaves).contains(&T::ChallengedLeaves::get()));
			assert!(!T::SelectionDelay::get().is_zero(), "SelectionDelay must be at least 1");
			assert!(!T::UploadWindow::get().is_zero(), "UploadWindow must be at least 1");
			assert!(T::UploadWindow::get() <= T::ProofPeriod::get());
			assert!(T::MaxUploadRounds::get() >= 1 && T::MaxMissedPeriods::get() >= 1);
			assert!(T::MaxDealsPerBlock::get() >= 1 && T::MaxBatch::get() >= 1);
			assert!(!T::MinShardPrice::get().is_zero(), "MinShardPrice must be at least 1");
			assert!(
				T::WeightInfo::on_initialize_base()
					.saturating_add(Self::worst_step_weight(T::MaxShards::get()))
					.all_lte(T::MaxScheduleWeight::get()),
				"MaxScheduleWeight must hold on_initialize's base and one worst-case step"
			);
			// A provider's last shard can be lost at a deadline `MaxMissedPeriods` periods
			// after its last proof; slashes for it land then. Unbonding starts only without
			// live assignments, but must outlast the longest fault window anyway, so a
			// provider whose shard was just reassigned cannot leave with a fault pending.
			let window = T::ProofPeriod::get()
				.saturating_mul(u32::from(T::MaxMissedPeriods::get()).saturating_add(1).into())
				.saturating_add(T::UploadWindow::get());
			assert!(
				T::ProviderUnbondingPeriod::get() > window,
				"the providers' UnbondingPeriod must outlast (MaxMissedPeriods + 1) proof \
				 periods plus an upload window"
			);
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
		/// Make a storage deal for the file `manifest` describes.
		///
		/// - Origin: signed by the owner, who pays.
		/// - `manifest`: the file's manifest (its file root must commit to its fields); `k`
		///   in `1..=MaxDataShards`, `m` in `1..=MaxParityShards`, shards of at most
		///   `MaxShardSize` bytes, a non-empty file.
		/// - `periods`: proof periods to keep the file, `1..=MaxPeriods`.
		/// - `price`: paid per shard for each proven period, at least `MinShardPrice`;
		///   providers whose minimum price is above it are not drawn.
		/// - Holds `price × (k + m) × periods + RepairBounty × m` in the owner's escrow, and
		///   `UploadDeposit × (k + m)` until the deal is active.
		/// - The providers are drawn `SelectionDelay` blocks later.
		/// - Emits [`Event::DealCreated`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_deal(T::MaxShards::get()))]
		pub fn create_deal(
			origin: OriginFor<T>,
			manifest: Manifest,
			periods: u32,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create_deal(owner, manifest, periods, price).map(|_| ())
		}

		/// Confirm that the caller holds shards assigned to it (uploaded or rebuilt).
		///
		/// - Origin: signed by the provider assigned to every shard listed.
		/// - `shards`: `(deal, shard number)` pairs, `1..=MaxBatch`, none twice, each
		///   waiting for its confirmation. One that is not (its deal cancelled or the shard
		///   reassigned since the provider read its duties) is skipped with
		///   [`Event::ConfirmationSkipped`]; the call fails, with that shard's error, only
		///   when every shard is refused.
		/// - A deal whose last shard is confirmed becomes active and its upload deposit goes
		///   back to the owner. (A repaired shard earns the repair bounty at its first proof.)
		/// - Free when a shard is confirmed.
		/// - Emits [`Event::ShardConfirmed`] per shard, and [`Event::DealActivated`] and
		///   [`Event::UploadDepositReturned`] per deal activated.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::confirm_shards(shards.len() as u32))]
		pub fn confirm_shards(
			origin: OriginFor<T>,
			shards: BoundedVec<(DealId, u8), T::MaxBatch>,
		) -> DispatchResultWithPostInfo {
			let provider = ensure_signed(origin)?;
			Self::do_confirm_shards(provider, &shards)?;
			Ok(Pays::No.into())
		}

		/// Prove shards for their deals' current periods.
		///
		/// - Origin: signed by the provider keeping every shard listed.
		/// - `proofs`: `1..=MaxBatch` proofs, no shard twice, each of the challenged leaves of
		///   one shard for its deal's current period. A proof that is refused (stale, not
		///   due, or not a proof of the challenged leaves) is skipped with
		///   [`Event::ProofSkipped`]; the call fails, with that proof's error, only when
		///   every proof is refused.
		/// - Each proof accepted pays the shard's price for the period from the owner's
		///   escrow; a repairer's first proof of the shard it rebuilt also pays the repair
		///   bounty, while the deal's reserve lasts.
		/// - Free when a proof is accepted.
		/// - Emits [`Event::ShardProven`] per proof accepted, [`Event::ShardRepaired`] per
		///   bounty.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_proofs(proofs.len() as u32))]
		pub fn submit_proofs(
			origin: OriginFor<T>,
			proofs: BoundedVec<ShardProof<T>, T::MaxBatch>,
		) -> DispatchResultWithPostInfo {
			let provider = ensure_signed(origin)?;
			Self::do_submit_proofs(provider, &proofs)?;
			Ok(Pays::No.into())
		}

		/// Buy `periods` more periods for a deal.
		///
		/// - Origin: signed by the deal's owner.
		/// - Holds `price × (k + m) × periods` more; the deal may not run more than
		///   `MaxPeriods` in all.
		/// - Emits [`Event::DealRenewed`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::renew())]
		pub fn renew(origin: OriginFor<T>, deal: DealId, periods: u32) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_renew(owner, deal, periods)
		}

		/// End a deal now.
		///
		/// - Origin: signed by the deal's owner.
		/// - Refunds everything still held for the deal (every period not yet proven, and
		///   the repair reserve) but, during the upload, the upload deposit: each confirmed
		///   shard's part goes to its provider, the rest to the treasury. Before the
		///   providers are drawn the deposit is refunded too. The providers' capacity is
		///   released; their nodes delete the shards.
		/// - Emits [`Event::DealCancelled`], and [`Event::UploadDepositForfeited`] during the
		///   upload.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel(T::MaxShards::get()))]
		pub fn cancel(origin: OriginFor<T>, deal: DealId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_cancel(owner, deal)
		}

		/// Hand shards back: each moves to a newly drawn provider, as a repair, at its deal's
		/// next period end; until then the caller proves it as before (a miss is slashed).
		/// With `Providers::announce_exit` this is how a provider with shards leaves.
		///
		/// - Origin: signed by the provider keeping every shard listed.
		/// - `shards`: `(deal, shard number)` pairs, `1..=MaxBatch`, none twice, each stored
		///   by the caller in an active deal and not already leaving. One that is not is
		///   skipped with [`Event::LeaveSkipped`]; the call fails, with that shard's error,
		///   only when every shard is refused.
		/// - Emits [`Event::ShardLeaving`] per shard; at the period end
		///   [`Event::ShardReassigned`] with `repair`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::leave_shards(shards.len() as u32))]
		pub fn leave_shards(
			origin: OriginFor<T>,
			shards: BoundedVec<(DealId, u8), T::MaxBatch>,
		) -> DispatchResult {
			let provider = ensure_signed(origin)?;
			Self::do_leave_shards(provider, &shards)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The deals `owner` made, in id order.
		pub fn deals_of(owner: &T::AccountId) -> Vec<DealId> {
			let mut deals: Vec<DealId> = DealsByOwner::<T>::iter_key_prefix(owner).collect();
			deals.sort_unstable();
			deals
		}
	}
}
