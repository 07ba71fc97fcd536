//! The pallets whose benchmarks `xmbl-node benchmark pallet` runs.

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_xmbl_providers, Providers]
	[pallet_xmbl_storage, Storage]
	[pallet_xmbl_validators, Validators]
);

impl polkadot_sdk::frame_system_benchmarking::Config for crate::Runtime {}
