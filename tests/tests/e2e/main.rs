//! Every end-to-end test in one binary, so that the test harness runs them side by side:
//! most of their time is spent waiting for blocks, and each starts its own nodes on ports
//! of their own (`--rpc-port 0`, and storage ports reserved by `xmbl_e2e::free_port_range`).
//! Only `storage_dev` uses the dev chain's fixed provider ports 30400-30404, which no other
//! test binds.

mod bad_input;
mod chain_spec;
mod client_transactions;
mod compute_dev;
mod compute_network;
mod provider_cli;
mod storage_bad_input;
mod storage_dev;
mod storage_keystore;
mod storage_memory;
mod storage_network;
mod three_validators;
mod validators;
