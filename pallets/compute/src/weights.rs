//! The weight functions of `pallet_xmbl_compute`.
//!
//! ESTIMATES, pending a run of `scripts/bench-weights.sh pallet_xmbl_compute` on the
//! reference machine, which writes `runtime/src/weights/pallet_xmbl_compute.rs` from the
//! benchmarks in `benchmarking.rs`. Until then [`SubstrateWeight`] (the runtime's database
//! weights) and `()` (ParityDb's, for the unit tests) count the reads and writes from the
//! code and add execution times scaled from the storage pallet's measured steps of the same
//! shape (a record read and written, escrow moved, a registry draw): each figure errs high.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet_xmbl_compute`.
pub trait WeightInfo {
	/// `submit_job` with the largest inline program and input and every argument at its
	/// longest.
	fn submit_job() -> Weight;
	/// `commit_result` by the last of `MaxReplicas` workers (which starts the reveal phase).
	fn commit_result() -> Weight;
	/// `reveal_result` of the largest inline output, by the last worker of `MaxReplicas`.
	fn reveal_result() -> Weight;
	/// `on_initialize` with nothing due: the cursor and the buckets it looks at.
	fn on_initialize_base() -> Weight;
	/// The draw of a job's `r` workers, without the registry's `select`.
	fn select_workers(r: u32) -> Weight;
	/// The end of a commit phase with every one of `r` workers missing: each slashed and
	/// released, and `r` replacements assigned, without the registry's `select`.
	fn end_commit(r: u32) -> Weight;
	/// The resolution of a job with `r` revealers of the largest inline output, a majority
	/// agreeing (paid) and the rest slashed.
	fn resolve(r: u32) -> Weight;
	/// The pruning of a finished job with the largest inline program and input.
	fn prune() -> Weight;
}

/// Weights for the runtime: the estimates with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_job() -> Weight {
		estimate::submit_job(T::DbWeight::get())
	}
	fn commit_result() -> Weight {
		estimate::commit_result(T::DbWeight::get())
	}
	fn reveal_result() -> Weight {
		estimate::reveal_result(T::DbWeight::get())
	}
	fn on_initialize_base() -> Weight {
		estimate::on_initialize_base(T::DbWeight::get())
	}
	fn select_workers(r: u32) -> Weight {
		estimate::select_workers(T::DbWeight::get(), r)
	}
	fn end_commit(r: u32) -> Weight {
		estimate::end_commit(T::DbWeight::get(), r)
	}
	fn resolve(r: u32) -> Weight {
		estimate::resolve(T::DbWeight::get(), r)
	}
	fn prune() -> Weight {
		estimate::prune(T::DbWeight::get())
	}
}

/// For the unit tests: the estimates with ParityDb's database weights.
impl WeightInfo for () {
	fn submit_job() -> Weight {
		estimate::submit_job(ParityDbWeight::get())
	}
	fn commit_result() -> Weight {
		estimate::commit_result(ParityDbWeight::get())
	}
	fn reveal_result() -> Weight {
		estimate::reveal_result(ParityDbWeight::get())
	}
	fn on_initialize_base() -> Weight {
		estimate::on_initialize_base(ParityDbWeight::get())
	}
	fn select_workers(r: u32) -> Weight {
		estimate::select_workers(ParityDbWeight::get(), r)
	}
	fn end_commit(r: u32) -> Weight {
		estimate::end_commit(ParityDbWeight::get(), r)
	}
	fn resolve(r: u32) -> Weight {
		estimate::resolve(ParityDbWeight::get(), r)
	}
	fn prune() -> Weight {
		estimate::prune(ParityDbWeight::get())
	}
}

/// The estimates: execution time (ps) and proof size (bytes), plus reads and writes.
mod estimate {
	use super::*;

	/// The largest job spec written or read: two 64 KiB inline sources and the arguments.
	const SPEC_PROOF: u64 = 140_000;
	/// A job record with its workers.
	const JOB_PROOF: u64 = 4_000;
	/// A reveal or final result with the largest inline output.
	const RESULT_PROOF: u64 = 17_000;

	pub fn submit_job(db: RuntimeDbWeight) -> Weight {
		// Spec hashed and stored; escrow hold (account, hold, freeze); two stored sources read.
		Weight::from_parts(120_000_000, SPEC_PROOF + JOB_PROOF)
			.saturating_add(db.reads(7))
			.saturating_add(db.writes(7))
	}

	pub fn commit_result(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(30_000_000, JOB_PROOF)
			.saturating_add(db.reads(2))
			.saturating_add(db.writes(3))
	}

	pub fn reveal_result(db: RuntimeDbWeight) -> Weight {
		// The result is hashed twice (commitment and result hash).
		Weight::from_parts(60_000_000, JOB_PROOF + RESULT_PROOF)
			.saturating_add(db.reads(3))
			.saturating_add(db.writes(4))
	}

	pub fn on_initialize_base(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(5_000_000, 1_000)
			.saturating_add(db.reads(5))
			.saturating_add(db.writes(1))
	}

	pub fn select_workers(db: RuntimeDbWeight, r: u32) -> Weight {
		Weight::from_parts(20_000_000, JOB_PROOF)
			.saturating_add(db.reads(2))
			.saturating_add(db.writes(3))
			.saturating_add(
				Weight::from_parts(10_000_000, 1_000)
					.saturating_add(db.reads(1))
					.saturating_add(db.writes(2))
					.saturating_mul(r.into()),
			)
	}

	pub fn end_commit(db: RuntimeDbWeight, r: u32) -> Weight {
		// Per worker: a slash (stake hold, two accounts, the record) and the release of its
		// slot, then its replacement's assignment.
		Weight::from_parts(20_000_000, JOB_PROOF)
			.saturating_add(db.reads(2))
			.saturating_add(db.writes(3))
			.saturating_add(
				Weight::from_parts(90_000_000, 8_000)
					.saturating_add(db.reads(8))
					.saturating_add(db.writes(10))
					.saturating_mul(r.into()),
			)
	}

	pub fn resolve(db: RuntimeDbWeight, r: u32) -> Weight {
		// Per worker: a payment or a slash, a success counted, the slot released.
		Weight::from_parts(40_000_000, JOB_PROOF + RESULT_PROOF)
			.saturating_add(db.reads(4))
			.saturating_add(db.writes(5))
			.saturating_add(
				Weight::from_parts(90_000_000, 8_000 + RESULT_PROOF)
					.saturating_add(db.reads(8))
					.saturating_add(db.writes(9))
					.saturating_mul(r.into()),
			)
	}

	pub fn prune(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(15_000_000, JOB_PROOF + RESULT_PROOF)
			.saturating_add(db.reads(1))
			.saturating_add(db.writes(5))
	}
}
