//! The weight functions of `pallet_xmbl_validators`.
//!
//! The `()` implementation, for the unit tests, counts the storage reads and writes of each
//! path from the code and adds a fixed execution time per path. The runtime uses the
//! weights `benchmarking.rs` measures (`runtime/src/weights/pallet_xmbl_validators.rs`,
//! written by `scripts/bench-weights.sh`).

use polkadot_sdk::frame_support::weights::{constants::ParityDbWeight, Weight};

/// Weight functions needed by `pallet_xmbl_validators`.
pub trait WeightInfo {
	/// `add_validator` into a set of `MaxValidators - 1`.
	fn add_validator() -> Weight;
	/// `remove_validator` from a full set, the first entry (the longest shift).
	fn remove_validator() -> Weight;
	/// One offender disabled and removed from a full set.
	fn on_offence() -> Weight;
	/// The per-block fold of the parent's VRF output into the seed.
	fn on_initialize() -> Weight;
}

impl WeightInfo for () {
	// Reads: the session pallet's `NextKeys`, `Validators`; writes: `Validators`, `SetChanged`.
	fn add_validator() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	// Reads: `Validators`; writes: `Validators`, `SetChanged`.
	fn remove_validator() -> Weight {
		Weight::from_parts(50_000_000, 8_000)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	// Reads: the session pallet's `Validators` and `DisabledValidators`, `Validators` twice;
	// writes: `DisabledValidators`, `Validators`, `SetChanged`.
	fn on_offence() -> Weight {
		Weight::from_parts(100_000_000, 16_000)
			.saturating_add(ParityDbWeight::get().reads(4))
			.saturating_add(ParityDbWeight::get().writes(3))
	}
	// Reads: BABE's `AuthorVrfRandomness`, `RandomSeed`; writes: `RandomSeed`.
	fn on_initialize() -> Weight {
		Weight::from_parts(10_000_000, 1_000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
}
