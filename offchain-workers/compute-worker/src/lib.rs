//! The compute worker service of `xmbl-node`: for each provider account the node serves
//! (the storage provider service's accounts: `--provider`, `--provider-file`, the keystore's
//! `xmst` keys, the dev chain's five genesis providers) whose registration offers compute, a
//! worker that follows the best chain, reads the account's duties from the compute market's
//! runtime API (`ComputeMarketApi::worker_duties`) and acts on them: run each job it was drawn
//! for in the job runner (`xmbl-job-runner`), save the result with a fresh salt, commit to it,
//! and reveal it when the chain asks; and the kept outputs of its results (those longer than
//! `MaxInlineOutput`) served at `GET /outputs/{blake2_256 hex}` on the account's registered
//! endpoint, the storage provider's shard server.
//!
//! Jobs run on tokio's blocking threads, at most the account's declared `compute_slots` at
//! once; the worker's rounds only read the chain and start tasks; so nothing it does can
//! block block import or authoring. The node's workers share one [`Runner`] and with it one
//! cache of compiled modules (`--compute-cache-bytes`). The chain is reached through
//! [`ComputeChain`], which the node implements on its own client and pool. `DESIGN.md`
//! describes the files on disk, restart safety and what the worker trusts.
//!
//! **Test only:** debug builds of the node have a hidden `--compute-corrupt-results` flag that
//! makes every worker of the node commit to a wrong result (a success's first output byte
//! flipped, any other outcome replaced by a one-byte success), for tests of the majority
//! rule. Release builds do not have it.

// `spawn` answers with sc-service's error, as the node does: large, returned once at start.
#![allow(clippy::result_large_err)]

mod chain;
mod metrics;
mod outcome;
mod outputs;
mod readers;
mod records;
mod slots;
mod sources;
mod worker;

pub use chain::ComputeChain;
pub use metrics::Metrics;
pub use readers::JobReaders;

use polkadot_sdk::{
	sc_service::{error::Error as ServiceError, SpawnTaskHandle},
	sp_core::crypto::Ss58Codec,
};
use std::{path::Path, sync::Arc};
use xmbl_job_runner::{Runner, DEFAULT_CACHE_BYTES};
use xmbl_storage_provider::{endpoints::PublicResolver, ProviderSetup};

use records::Records;
use worker::Worker;

/// Log target of the service.
const LOG_TARGET: &str = "compute-worker";

/// The compute worker service.
#[derive(Debug, Clone, clap::Args)]
pub struct ComputeWorkerParams {
	/// Run no compute jobs, even for providers registered for compute (they are then
	/// slashed for every job they are drawn for and miss). The providers' shards are still
	/// served.
	#[arg(long)]
	pub no_compute: bool,

	/// Bytes of compiled WebAssembly code the node keeps, shared by its providers: a module in
	/// the cache runs without being compiled again.
	#[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CACHE_BYTES)]
	pub compute_cache_bytes: usize,

	/// Test only: commit to wrong results, to test outvoting. Debug builds only.
	#[cfg(debug_assertions)]
	#[arg(long, hide = true)]
	pub compute_corrupt_results: bool,
}

/// The compute workers of the node, before the chain is up.
pub struct ComputeSetup {
	runner: Arc<Runner>,
	workers: Vec<(polkadot_sdk::sp_core::sr25519::Pair, Arc<Records>)>,
	#[cfg(debug_assertions)]
	corrupt: bool,
}

/// Opens each provider's compute folder (`<base_path>/compute/<SS58>/`) and mounts its kept
/// outputs on its shard server; `None` with `--no-compute` or no provider. A folder that
/// cannot be opened, or a runner that cannot be set up, stops the node at start.
pub fn prepare(
	params: &ComputeWorkerParams,
	base_path: &Path,
	providers: &mut [ProviderSetup],
) -> Result<Option<ComputeSetup>, String> {
	if params.no_compute || providers.is_empty() {
		return Ok(None);
	}
	let runner = Runner::new(params.compute_cache_bytes)
		.map_err(|error| format!("cannot set up the job runner: {error}"))?;
	let mut workers = Vec::with_capacity(providers.len());
	for provider in providers {
		let account = provider.account().to_ss58check();
		let dir = base_path.join("compute").join(&account);
		let (records, opened) = Records::open(&dir).map_err(|error| {
			format!("cannot open {} for worker {account}: {error}", dir.display())
		})?;
		log::info!(
			target: LOG_TARGET,
			"worker {account}: {} saved results in {}",
			opened.records,
			dir.display()
		);
		for path in &opened.unreadable {
			log::error!(
				target: LOG_TARGET,
				"worker {account}: {} did not decode and was removed: its job cannot be revealed",
				path.display()
			);
		}
		let records = Arc::new(records);
		provider.serve_also(outputs::router(records.clone()));
		workers.push((provider.key().clone(), records));
	}
	Ok(Some(ComputeSetup {
		runner: Arc::new(runner),
		workers,
		#[cfg(debug_assertions)]
		corrupt: params.compute_corrupt_results,
	}))
}

/// Starts the workers of `setup` on `chain`. `private_endpoints`: stored programs and inputs
/// may be fetched from loopback and private addresses (a development or local chain).
pub fn spawn(
	spawner: &SpawnTaskHandle,
	setup: ComputeSetup,
	chain: Arc<dyn ComputeChain>,
	metrics: Option<Metrics>,
	private_endpoints: bool,
) -> Result<(), ServiceError> {
	let mut http = xmbl_client::shards::http_client_builder();
	if !private_endpoints {
		http = http.dns_resolver(Arc::new(PublicResolver));
	}
	let http = http
		.build()
		.map_err(|error| ServiceError::Other(format!("cannot build the HTTP client: {error}")))?;
	#[cfg(debug_assertions)]
	if setup.corrupt {
		log::warn!(
			target: LOG_TARGET,
			"--compute-corrupt-results: this node's workers commit to wrong results (test only)"
		);
	}
	for (pair, records) in setup.workers {
		let worker = Worker::new(
			pair,
			chain.clone(),
			setup.runner.clone(),
			records,
			http.clone(),
			private_endpoints,
			metrics.clone(),
		);
		#[cfg(debug_assertions)]
		let worker = if setup.corrupt { worker.corrupting() } else { worker };
		spawner.spawn("compute-duties", Some("compute"), worker::run(Arc::new(worker)));
	}
	Ok(())
}
