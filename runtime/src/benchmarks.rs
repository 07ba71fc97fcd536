//! The pallets whose benchmarks `xmbl-node benchmark pallet` runs (`scripts/bench-weights.sh`
//! writes their weights to `weights/`).

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_transaction_payment, TransactionPayment]
	[pallet_xmbl_compute, Compute]
	[pallet_xmbl_providers, Providers]
	[pallet_xmbl_storage, Storage]
	[pallet_xmbl_validators, Validators]
);

impl polkadot_sdk::frame_system_benchmarking::Config for crate::Runtime {}

/// The payment extension's benchmark runs with no block author, so the fee split
/// ([`crate::configs::DealWithFees`]) pays all to the treasury; the split's worst case is in
/// every extrinsic's base weight (`FEE_SPLIT_READS`, `FEE_SPLIT_WRITES`).
impl polkadot_sdk::pallet_transaction_payment::BenchmarkConfig for crate::Runtime {}
