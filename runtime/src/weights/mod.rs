//! Weights measured on this runtime by an optimised `xmbl-node benchmark pallet`
//! (`scripts/bench-weights.sh`; each file's header has the command, machine and date, and
//! docs/chain.md "Weights" the figures). BABE's and GRANDPA's calls keep their authors'
//! formulas (their benchmarks measure only the equivocation proof's check), and the session
//! pallet its authors' weights (its benchmarks need a staking pallet this chain lacks).
//! One file is not measured yet: `pallet_xmbl_compute`'s holds the pallet's estimates until
//! `scripts/bench-weights.sh pallet_xmbl_compute` replaces it (its header says so).

pub mod frame_system;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod pallet_sudo;
pub mod pallet_timestamp;
pub mod pallet_transaction_payment;
pub mod pallet_xmbl_compute;
pub mod pallet_xmbl_providers;
pub mod pallet_xmbl_storage;
pub mod pallet_xmbl_validators;
