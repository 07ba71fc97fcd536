//! # XMBL validators
//!
//! The validator set of the chain, changed at session boundaries, and the randomness
//! its validators produce.
//!
//! - **Admission and removal by governance.** [`Pallet::add_validator`] and
//!   [`Pallet::remove_validator`] take [`Config::AdminOrigin`] (root on XMBL's dev and
//!   local chains). A candidate first registers its session keys with
//!   `session.setKeys`. The change is planned at the next session boundary and takes
//!   effect one session later, as `pallet_session` queues every new set for a session.
//! - **Offences.** As the `OnOffenceHandler` of `pallet_offences`, the pallet has every
//!   reported offender disabled at once (through `pallet_session`'s disabling strategy)
//!   and removed from the set from the next planned session on, unless that would leave
//!   fewer than [`Config::MinValidators`].
//! - **Randomness.** Every block folds the BABE VRF output of its parent into
//!   [`RandomSeed`]; [`Pallet`] implements `Randomness` from it. docs/chain.md says who can
//!   know or bias this value, and when.
//!
//! The pallet is the session pallet's `SessionManager`, wrapped by
//! `pallet_session::historical::NoteHistoricalRoot` so that key-owner proofs of past
//! sessions can be checked.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use session::UnitIdentification;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod session;
#[cfg(test)]
mod tests;
pub mod weights;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::WeightInfo;
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{
			self,
			pallet_prelude::*,
			traits::{Randomness, ValidatorRegistration},
		},
		frame_system::{self, pallet_prelude::*},
		sp_runtime::traits::{Hash, One, Saturating},
	};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
	{
		/// Who may add and remove validators.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The most validators the set may hold.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// The fewest validators the set may hold: neither a removal nor an offence takes
		/// it below this.
		#[pallet::constant]
		type MinValidators: Get<u32>;
		/// The VRF output of the parent block: BABE's `ParentBlockRandomness`. `None` for a
		/// block without one (the genesis block's children).
		type BlockVrf: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;
		/// Weights of the calls and of the per-block randomness update.
		type WeightInfo: WeightInfo;
	}

	/// The validators from the next planned session on, in the order they were admitted.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether [`Validators`] changed since the session pallet last planned a session.
	#[pallet::storage]
	pub type SetChanged<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// A hash chain over the VRF outputs of every block up to the parent of the current one.
	#[pallet::storage]
	pub type RandomSeed<T: Config> = StorageValue<_, T::Hash, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators of the first sessions. Their session keys are the session
		/// pallet's genesis keys.
		pub validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut validators = BoundedVec::<T::AccountId, T::MaxValidators>::default();
			for validator in &self.validators {
				assert!(!validators.contains(validator), "genesis validator listed twice");
				validators
					.try_push(validator.clone())
					.expect("genesis validators within MaxValidators");
			}
			Validators::<T>::put(validators);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` was admitted; it validates from the session after the next one.
		ValidatorAdded { who: T::AccountId },
		/// `who` was removed; it stops validating after the next session.
		ValidatorRemoved { who: T::AccountId },
		/// `who` committed an offence in `session`: it is disabled and removed from the set.
		OffenderRemoved { who: T::AccountId, session: u32 },
		/// `who` committed an offence in `session` but stays in the set, which would
		/// otherwise fall below `MinValidators`; it is still disabled for the session.
		OffenderKept { who: T::AccountId, session: u32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already in the validator set.
		AlreadyValidator,
		/// The account is not in the validator set.
		NotValidator,
		/// The set already holds `MaxValidators`.
		TooManyValidators,
		/// The removal would leave fewer than `MinValidators`.
		TooFewValidators,
		/// The account has not registered session keys (`session.setKeys`).
		NoSessionKeys,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			if let (Some(vrf), _) = T::BlockVrf::random(SEED_SUBJECT) {
				Self::fold_vrf(vrf);
			}
			<T as Config>::WeightInfo::on_initialize()
		}

		fn integrity_test() {
			assert!(T::MinValidators::get() >= 1, "a chain needs a validator");
			assert!(T::MinValidators::get() <= T::MaxValidators::get());
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit `who` as a validator from the session after the next one.
		///
		/// - origin: [`Config::AdminOrigin`].
		/// - `who` must have registered session keys and not be a validator.
		/// - emits [`Event::ValidatorAdded`].
		/// - weight: `add_validator`, measured at `MaxValidators`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(
				<pallet_session::Pallet<T> as ValidatorRegistration<_>>::is_registered(&who),
				Error::<T>::NoSessionKeys
			);
			Validators::<T>::try_mutate(|validators| {
				ensure!(!validators.contains(&who), Error::<T>::AlreadyValidator);
				validators.try_push(who.clone()).map_err(|_| Error::<T>::TooManyValidators)
			})?;
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Remove `who` from the validator set after the next session.
		///
		/// - origin: [`Config::AdminOrigin`].
		/// - `who` must be a validator, and the set must keep `MinValidators`.
		/// - emits [`Event::ValidatorRemoved`].
		/// - weight: `remove_validator`, measured at `MaxValidators`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove(&who)?;
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}
	}

	/// The subject under which the seed reads each parent's VRF output.
	pub(crate) const SEED_SUBJECT: &[u8] = b"xmbl/seed";

	impl<T: Config> Pallet<T> {
		/// Fold one block's VRF output into [`RandomSeed`].
		pub(crate) fn fold_vrf(vrf: T::Hash) {
			RandomSeed::<T>::mutate(|seed| *seed = T::Hashing::hash_of(&(*seed, vrf)));
		}

		/// Take `who` out of [`Validators`], keeping at least `MinValidators`.
		pub(crate) fn do_remove(who: &T::AccountId) -> DispatchResult {
			Validators::<T>::try_mutate(|validators| {
				let index =
					validators.iter().position(|v| v == who).ok_or(Error::<T>::NotValidator)?;
				ensure!(
					validators.len() as u32 > T::MinValidators::get(),
					Error::<T>::TooFewValidators
				);
				validators.remove(index);
				Ok::<_, DispatchError>(())
			})?;
			SetChanged::<T>::put(true);
			Ok(())
		}
	}

	/// Randomness from the VRF outputs of every block up to the current block's parent:
	/// `hash(subject, RandomSeed)`, with the parent's number as the block it became known.
	impl<T: Config> Randomness<T::Hash, BlockNumberFor<T>> for Pallet<T> {
		fn random(subject: &[u8]) -> (T::Hash, BlockNumberFor<T>) {
			let block = frame_system::Pallet::<T>::block_number();
			(
				T::Hashing::hash_of(&(subject, RandomSeed::<T>::get())),
				block.saturating_sub(One::one()),
			)
		}
	}
}
