//! ESTIMATED weights for `pallet_xmbl_compute`: NOT MEASURED
//!
//! Written by hand from the pallet's estimates (`pallets/compute/src/weights.rs`: reads and
//! writes counted from the code, execution times scaled from the storage pallet's measured
//! steps of the same shape, each erring high), in the form of the generated files, pending a
//! run of `scripts/bench-weights.sh pallet_xmbl_compute` on the reference machine, which
//! measures the benchmarks of `pallets/compute/src/benchmarking.rs` and overwrites this file.
//! Until then the runtime test `the_compute_weight_file_is_the_pallets_estimates` keeps it
//! equal to the pallet's `SubstrateWeight`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::Weight};
use core::marker::PhantomData;

/// Weight functions for `pallet_xmbl_compute`.
pub struct WeightInfo<T>(PhantomData<T>);
impl<T: frame_system::Config> pallet_xmbl_compute::WeightInfo for WeightInfo<T> {
	/// Estimated: the largest inline spec (two 64 KiB sources, every argument at its longest)
	/// hashed and stored; the escrow hold; two stored sources read.
	fn submit_job() -> Weight {
		Weight::from_parts(120_000_000, 0)
			.saturating_add(Weight::from_parts(0, 144_000))
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	/// Estimated: the last of `MaxReplicas` commitments, which starts the reveal phase.
	fn commit_result() -> Weight {
		Weight::from_parts(30_000_000, 0)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	/// Estimated: the last reveal of the largest inline output, hashed twice (commitment and
	/// result hash).
	fn reveal_result() -> Weight {
		Weight::from_parts(60_000_000, 0)
			.saturating_add(Weight::from_parts(0, 21_000))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	/// Estimated: the cursor and the buckets `on_initialize` looks at with nothing due.
	fn on_initialize_base() -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(0, 1_000))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	/// Estimated: the draw of `r` workers, without the registry's `select`; per worker, its
	/// slot taken and its duty indexed.
	/// The range of component `r` is `[1, 7]`.
	fn select_workers(r: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 0)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(r.into())))
			.saturating_add(Weight::from_parts(0, 1_000).saturating_mul(r.into()))
	}
	/// Estimated: a commit phase's end with every one of `r` workers missing, without the
	/// registry's `select`; per worker, a slash (stake hold, two accounts, the record), the
	/// release of its slot and its replacement's assignment.
	/// The range of component `r` is `[1, 7]`.
	fn end_commit(r: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 0)
			.saturating_add(Weight::from_parts(0, 4_000))
			.saturating_add(Weight::from_parts(90_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads((8_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((10_u64).saturating_mul(r.into())))
			.saturating_add(Weight::from_parts(0, 8_000).saturating_mul(r.into()))
	}
	/// Estimated: the resolution of `r` reveals of the largest inline output; per worker, a
	/// payment or a slash, a success counted and the slot released.
	/// The range of component `r` is `[1, 7]`.
	fn resolve(r: u32, ) -> Weight {
		Weight::from_parts(40_000_000, 0)
			.saturating_add(Weight::from_parts(0, 21_000))
			.saturating_add(Weight::from_parts(90_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((8_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(T::DbWeight::get().writes((9_u64).saturating_mul(r.into())))
			.saturating_add(Weight::from_parts(0, 25_000).saturating_mul(r.into()))
	}
	/// Estimated: the removal of a finished job with the largest inline spec and output.
	fn prune() -> Weight {
		Weight::from_parts(15_000_000, 0)
			.saturating_add(Weight::from_parts(0, 21_000))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(5))
	}
}
