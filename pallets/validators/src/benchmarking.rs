//! Benchmarks of each call's worst case and of the per-block seed update.
//!
//! `scripts/bench-weights.sh pallet_xmbl_validators` runs them on a release build of the node
//! and writes `runtime/src/weights/pallet_xmbl_validators.rs`; `scripts/test.sh` runs each once
//! as a test.

use crate::*;
use codec::Decode;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		traits::{EnsureOrigin, Get, Randomness},
		BoundedVec,
	},
	sp_runtime::{traits::TrailingZeroInput, Perbill},
	sp_staking::offence::{OffenceDetails, OnOffenceHandler},
};

/// A full set but for one place: `MaxValidators - 1` accounts, also the session's active set.
fn almost_full_set<T: Config>() -> alloc::vec::Vec<T::AccountId> {
	let validators: alloc::vec::Vec<T::AccountId> =
		(0..T::MaxValidators::get() - 1).map(|i| account("validator", i, 0)).collect();
	Validators::<T>::put(BoundedVec::truncate_from(validators.clone()));
	pallet_session::Validators::<T>::put(validators.clone());
	validators
}

/// Session keys for `who`, written directly: a generic benchmark cannot sign a proof.
fn register_keys<T: Config>(who: &T::AccountId) {
	let keys = T::Keys::decode(&mut TrailingZeroInput::zeroes()).expect("keys decode from zeroes");
	pallet_session::NextKeys::<T>::insert(who, keys);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		almost_full_set::<T>();
		let candidate: T::AccountId = account("candidate", 0, 0);
		register_keys::<T>(&candidate);
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, candidate.clone());

		assert!(Validators::<T>::get().contains(&candidate));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let validators = almost_full_set::<T>();
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let first = validators[0].clone();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, first.clone());

		assert!(!Validators::<T>::get().contains(&first));
		Ok(())
	}

	#[benchmark]
	fn on_offence() {
		let validators = almost_full_set::<T>();
		let offender = validators[0].clone();
		let details =
			[OffenceDetails { offender: (offender.clone(), ()), reporters: alloc::vec![] }];

		#[block]
		{
			<Pallet<T> as OnOffenceHandler<_, _, _>>::on_offence(&details, &[Perbill::one()], 0);
		}

		assert!(!Validators::<T>::get().contains(&offender));
	}

	/// The hook's path with a VRF output, which a benchmark block lacks: the read of the
	/// output, then the fold.
	#[benchmark]
	fn on_initialize() {
		let seed = RandomSeed::<T>::get();

		#[block]
		{
			let (vrf, _) = T::BlockVrf::random(SEED_SUBJECT);
			Pallet::<T>::fold_vrf(vrf.unwrap_or_default());
		}

		assert_ne!(RandomSeed::<T>::get(), seed);
	}

	impl_benchmark_test_suite!(Pallet, crate::tests::new_test_ext(&[1, 2, 3]), crate::tests::Test);
}
