//! Benchmarks: one per call (worst case of each), and `select` over the number of providers
//! `p` and the draw budget `d`, to show that its cost does not grow with `p`.
//!
//! `scripts/bench-weights.sh pallet_xmbl_providers` runs them on a release build of the node
//! and writes `runtime/src/weights/pallet_xmbl_providers.rs`; `scripts/test.sh` runs each once
//! as a test.

use crate::*;
use polkadot_sdk::frame_benchmarking::v2::*;
use polkadot_sdk::frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get,
	},
	BoundedVec,
};
use polkadot_sdk::frame_system::{Pallet as System, RawOrigin};
use polkadot_sdk::sp_runtime::traits::{Saturating, StaticLookup, Zero};

const SEED: u32 = 0;

/// An account with enough balance for a stake and a `bond_extra` of `MinStake` each.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let amount = T::MinStake::get()
		.saturating_mul(100u32.into())
		.saturating_add(T::Currency::minimum_balance().saturating_mul(10u32.into()));
	T::Currency::set_balance(&who, amount);
	who
}

/// A capacity with both dimensions set: all the storage the minimum stake backs.
fn large_capacity<T: Config>() -> Capacity {
	Capacity { bytes: Pallet::<T>::backed_bytes(T::MinStake::get()), compute_slots: 64 }
}

/// The longest valid endpoint: `https://` and a host name filling the rest.
fn longest_endpoint<T: Config>() -> EndpointOf<T> {
	let mut endpoint = b"https://".to_vec();
	endpoint.resize(T::MaxEndpointLen::get() as usize, b'x');
	endpoint.try_into().expect("exactly MaxEndpointLen bytes")
}

/// Register `who` for both roles with the minimum stake.
fn register_both<T: Config>(who: &T::AccountId) {
	Pallet::<T>::do_register(
		who.clone(),
		ProviderRoles::StorageAndCompute,
		T::MinStake::get(),
		large_capacity::<T>(),
		longest_endpoint::<T>(),
		T::MinStake::get(),
	)
	.expect("a funded account registers");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let other = funded::<T>("other", 0);
		register_both::<T>(&other);
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			ProviderRoles::StorageAndCompute,
			T::MinStake::get(),
			large_capacity::<T>(),
			longest_endpoint::<T>(),
			T::MinStake::get(),
		);

		assert!(Providers::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn update() {
		let caller = funded::<T>("caller", 0);
		register_both::<T>(&caller);
		let capacity = Capacity { bytes: large_capacity::<T>().bytes / 2, compute_slots: 128 };
		let mut endpoint = longest_endpoint::<T>();
		endpoint[8] = b'y';

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			Some(capacity.bytes),
			Some(capacity.compute_slots),
			Some(endpoint),
			Some(T::MinStake::get().saturating_mul(2u32.into())),
		);

		assert_eq!(Providers::<T>::get(&caller).map(|r| r.capacity), Some(capacity));
	}

	#[benchmark]
	fn bond_extra() {
		let caller = funded::<T>("caller", 0);
		register_both::<T>(&caller);
		let amount = T::MinStake::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), amount);

		assert_eq!(
			Providers::<T>::get(&caller).map(|r| r.stake),
			Some(T::MinStake::get().saturating_mul(2u32.into()))
		);
	}

	#[benchmark]
	fn unbond() {
		// The caller sits between two others in both indexes, so leaving moves the last entry
		// of each index into its place.
		let first = funded::<T>("first", 0);
		register_both::<T>(&first);
		let caller = funded::<T>("caller", 0);
		register_both::<T>(&caller);
		let last = funded::<T>("last", 0);
		register_both::<T>(&last);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(Providers::<T>::get(&caller).is_some_and(|r| !r.is_active()));
	}

	#[benchmark]
	fn announce_exit() {
		// As `unbond`: the caller sits between two others in both indexes.
		let first = funded::<T>("first", 0);
		register_both::<T>(&first);
		let caller = funded::<T>("caller", 0);
		register_both::<T>(&caller);
		let last = funded::<T>("last", 0);
		register_both::<T>(&last);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(Providers::<T>::get(&caller)
			.is_some_and(|r| r.status == ProviderStatus::Exiting && r.index == Default::default()));
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let caller = funded::<T>("caller", 0);
		register_both::<T>(&caller);
		Pallet::<T>::do_unbond(caller.clone())?;
		let unlock_at = System::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		System::<T>::set_block_number(unlock_at);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!Providers::<T>::contains_key(&caller));
		Ok(())
	}

	#[benchmark]
	fn spend_treasury() -> Result<(), BenchmarkError> {
		let origin =
			T::TreasuryOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let amount = T::MinStake::get().saturating_add(T::Currency::minimum_balance());
		T::Currency::set_balance(&T::TreasuryAccount::get(), amount.saturating_mul(10u32.into()));
		let to: T::AccountId = account("to", 0, SEED);
		let to_lookup = T::Lookup::unlookup(to.clone());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, to_lookup, amount);

		assert_eq!(T::Currency::balance(&to), amount);
		Ok(())
	}

	/// Worst case per draw: every entry is rejected (written straight into storage: full
	/// providers, which the pallet itself keeps out of the index), so each draw at a new
	/// position reads an index entry and a record, and the selection fails after `d` draws:
	/// `1 + 2d` reads. `d` goes up to 160, the budget of a selection of 10 providers at 16
	/// draws each, and `p` starts at 1,000 so that repeated positions (which cost no read)
	/// stay rare. The runtime charges `p = MaxProviders`.
	#[benchmark]
	fn select(p: Linear<1_000, 10_000>, d: Linear<1, 160>) {
		let p = p.min(T::MaxProviders::get());
		let full = Capacity { bytes: 1, compute_slots: 0 };
		// Start from an empty index: providers registered at genesis (the dev chain's
		// own node) would be eligible and end the selection early.
		RoleCount::<T>::remove(ProviderRole::Storage);
		for i in 0..p {
			let who: T::AccountId = account("provider", i, SEED);
			let position = Pallet::<T>::index_push(ProviderRole::Storage, &who);
			Providers::<T>::insert(
				&who,
				ProviderRecord::<T> {
					roles: ProviderRoles::Storage,
					stake: T::MinStake::get(),
					capacity: full,
					used: full,
					endpoint: BoundedVec::default(),
					min_price: Zero::zero(),
					live_assignments: 1,
					slashes: 0,
					successes: 0,
					status: ProviderStatus::Active,
					index: IndexPositions { storage: Some(position), compute: None },
				},
			);
		}
		let result;

		#[block]
		{
			result = Pallet::<T>::do_select(
				ProviderRole::Storage,
				1,
				[7u8; 32],
				&[],
				T::MinStake::get(),
				d,
			);
		}

		assert_eq!(result, Err(SelectionError::NotEnoughProviders));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::tests::ExtBuilder::default().build(),
		crate::tests::Test
	);
}
