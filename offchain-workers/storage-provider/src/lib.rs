//! The storage provider service of `xmbl-node`: for each provider account it serves (one
//! `--provider` each), a shard store on disk, an HTTP shard server on its own port, and a
//! worker that reads the account's duties from the storage market's runtime API and acts on
//! them: confirm received shards, prove challenged leaves, rebuild shards it was asked to
//! repair, and delete shards no deal assigns to it any more.
//!
//! The service reaches the chain through [`ProviderChain`], which the node implements on its
//! own client and transaction pool: block import notifications, runtime API calls, and
//! transactions submitted to the pool, signed for the runtime the node runs at its best block
//! (so a `system.setCode` that keeps the calls' encoding changes nothing, and one that does
//! not is logged as an error at every block). It runs on tasks of its own, so nothing it does
//! can block block import or authoring.
//! `docs/storage.md` describes the HTTP interface and the duty rules.
//!
//! The shard server is the provider's registered endpoint, so other services of the node
//! serve there too ([`ProviderSetup::serve_also`]: the compute worker's kept outputs), and a
//! private deal's shards are also served to the readers another market names
//! ([`DealReaders`]: the workers of a compute job whose input the deal is).

// Handlers answer with an axum `Response` as their error and `spawn` with sc-service's error,
// as the node does: both are large, returned once per request or start, and boxing them
// would only add noise.
#![allow(clippy::result_large_err)]

mod chain;
pub mod endpoints;
mod metrics;
mod repair;
mod server;
mod worker;

pub use chain::{BlockRef, ChainError, ProviderChain, ProviderRecord};
pub use metrics::Metrics;
pub use server::DealReaders;

use polkadot_sdk::{
	sc_keystore::LocalKeystore,
	sc_service::{config::KeystoreConfig, error::Error as ServiceError, SpawnTaskHandle},
	sp_core::{
		crypto::{KeyTypeId, Ss58Codec},
		sr25519, Pair, H256,
	},
	sp_keystore::Keystore,
};
use std::{
	net::{Ipv4Addr, SocketAddr, TcpListener},
	path::{Path, PathBuf},
	sync::Arc,
};
use xmbl_client::metadata::Metadata;
use xmbl_runtime::{genesis_config_presets::DEV_PROVIDERS, AccountId};
use xmbl_shard_store::ShardStore;

/// The keystore key type of storage provider accounts (`xmst`): the node serves every sr25519
/// key of this type in its keystore, so a production provider's secret never appears on a
/// command line.
pub const STORAGE_PROVIDER_KEY_TYPE: KeyTypeId = KeyTypeId(*b"xmst");

/// The storage provider key as the keystore hands it out.
mod storage_provider_key {
	use polkadot_sdk::sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::STORAGE_PROVIDER_KEY_TYPE);
}

/// The storage provider service: which accounts this node keeps shards for, and where.
#[derive(Debug, Clone, clap::Args)]
pub struct StorageProviderParams {
	/// Keep, serve and prove shards for the storage provider with this secret URI (//Dave, a
	/// mnemonic or a 0x hex seed). Repeat it to serve several providers from one node, each on
	/// its own port (`--storage-port` + 0, 1, ...) and in its own folder. The node also serves
	/// every key of type `xmst` in its keystore (`xmbl-node key insert --key-type xmst
	/// --scheme sr25519`): the production form. With `--dev` and none of these, the node
	/// serves the dev chain's five genesis providers (//Alice to //Eve).
	#[arg(long = "provider", value_name = "SURI")]
	pub providers: Vec<String>,

	/// Like `--provider`, with the secret URI read from the first line of a file that only the
	/// node's user can read (the production form: the secret stays out of the process list).
	#[arg(long = "provider-file", value_name = "PATH")]
	pub provider_files: Vec<std::path::PathBuf>,

	/// Serve no storage provider, not even the dev chain's genesis providers (a node that
	/// only validates or follows the chain).
	#[arg(long, conflicts_with_all = ["providers", "provider_files"])]
	pub no_provider: bool,

	/// TCP port of the first provider's shard server (HTTP); the n-th provider listens on
	/// this port + n. It must be the port of the endpoint the provider registered.
	#[arg(long, value_name = "PORT", default_value_t = 30400)]
	pub storage_port: u16,

	/// Serve shards on all interfaces rather than on 127.0.0.1 only.
	#[arg(long)]
	pub storage_external: bool,

	/// Folder of the shard stores (one sub-folder per provider account); by default
	/// `shards` in the node's base path.
	#[arg(long, value_name = "PATH")]
	pub storage_dir: Option<std::path::PathBuf>,

	/// Bytes of shards (with their Merkle outboards) each provider keeps at most.
	#[arg(long, value_name = "BYTES", default_value_t = 10 << 30)]
	pub storage_limit: u64,
}

/// One provider account this node serves.
pub struct Provider {
	/// Its signing key.
	pair: sr25519::Pair,
	/// Its account.
	account: AccountId,
	/// Its shards.
	store: ShardStore,
	/// Where downloads for repairs go before they are rebuilt into the store.
	scratch_dir: PathBuf,
	/// The chain, shared by every provider of the node.
	chain: Arc<dyn ProviderChain>,
	/// HTTP client for fetching shards from other providers.
	http: reqwest::Client,
	/// Whether repairs may fetch from loopback and private addresses (development and local
	/// chains only: elsewhere an endpoint could steer this node at internal services).
	private_endpoints: bool,
	/// Repairs that may run at once.
	repairs: Arc<tokio::sync::Semaphore>,
	/// The best block the duty worker last acted on, which the shard server checks against.
	best_block: tokio::sync::watch::Sender<Option<H256>>,
	/// Who else may read private deals' shards.
	readers: Option<Arc<dyn DealReaders>>,
	/// Metrics, labelled with the account.
	metrics: Option<Metrics>,
	/// The account as SS58, for logs and metric labels.
	name: String,
}

/// A provider account and the socket its shard server listens on, before the node's RPC
/// server is up.
pub struct ProviderSetup {
	pair: sr25519::Pair,
	store: ShardStore,
	scratch_dir: PathBuf,
	listener: TcpListener,
	/// Routes of other services, served beside the shard routes.
	routes: axum::Router,
}

impl ProviderSetup {
	/// The provider's signing key.
	pub fn key(&self) -> &sr25519::Pair {
		&self.pair
	}

	/// The provider's account.
	pub fn account(&self) -> AccountId {
		AccountId::from(self.pair.public())
	}

	/// Serves `routes` on the provider's endpoint too, beside `/shards/{root}` (a path both
	/// serve panics at start). They get the server's connection limits and timeouts.
	pub fn serve_also(&mut self, routes: axum::Router) {
		self.routes = std::mem::take(&mut self.routes).merge(routes);
	}
}

/// Reads a secret URI, naming where it came from (never the secret itself) on failure.
fn parse_suri(suri: &str, source: &str) -> Result<sr25519::Pair, String> {
	sr25519::Pair::from_string(suri.trim(), None)
		.map_err(|_| format!("{source} is not a secret URI (//Alice, a mnemonic or a 0x hex seed)"))
}

/// The provider keys to serve: the `xmst` keys in the node's keystore, those of
/// `--provider` and `--provider-file`, or on a development chain with none of them, the five
/// genesis providers.
fn provider_keys(
	params: &StorageProviderParams,
	development: bool,
	keystore: &KeystoreConfig,
) -> Result<Vec<sr25519::Pair>, String> {
	let mut keys = params
		.providers
		.iter()
		.map(|suri| parse_suri(suri, "a --provider value"))
		.collect::<Result<Vec<_>, _>>()?;
	for path in &params.provider_files {
		// Refuses a file that group or others may read: `chmod 600` it.
		let suri = xmbl_client::read_secret_file(path)
			.map_err(|error| format!("--provider-file {error}"))?;
		keys.push(parse_suri(&suri, &format!("the first line of {}", path.display()))?);
	}
	if let (KeystoreConfig::Path { path, password }, false) = (keystore, params.no_provider) {
		let keystore = LocalKeystore::open(path.clone(), password.clone())
			.map_err(|error| format!("cannot open the keystore {}: {error}", path.display()))?;
		let mut publics = keystore.sr25519_public_keys(STORAGE_PROVIDER_KEY_TYPE);
		// Ports follow this order: keep it the same at every start.
		publics.sort();
		for public in publics {
			let pair = keystore
				.key_pair::<storage_provider_key::Pair>(&public.into())
				.map_err(|error| format!("cannot read a storage provider key: {error}"))?
				.ok_or_else(|| format!("the keystore lists {public} but holds no secret for it"))?;
			keys.push(pair.into_inner());
		}
	}
	if keys.is_empty() && development && !params.no_provider {
		// The dev chain's genesis storage providers, in the order of their registered ports.
		keys = DEV_PROVIDERS.iter().map(|keyring| keyring.pair()).collect();
	}
	Ok(keys)
}

/// Opens each provider's shard store and binds its port, so that a taken port or an
/// unreadable folder stops the node at start with a clear error.
pub fn prepare(
	params: &StorageProviderParams,
	development: bool,
	base_path: &Path,
	keystore: &KeystoreConfig,
) -> Result<Vec<ProviderSetup>, String> {
	let keys = provider_keys(params, development, keystore)?;
	let root = params.storage_dir.clone().unwrap_or_else(|| base_path.join("shards"));
	let ip = if params.storage_external { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::LOCALHOST };
	let mut setups = Vec::with_capacity(keys.len());
	for (index, pair) in keys.into_iter().enumerate() {
		let account = AccountId::from(pair.public()).to_ss58check();
		if setups.iter().any(|setup: &ProviderSetup| setup.pair.public() == pair.public()) {
			return Err(format!("provider {account} is given twice"));
		}
		let port = u16::try_from(index)
			.ok()
			.and_then(|index| params.storage_port.checked_add(index))
			.ok_or_else(|| {
				"--storage-port plus the number of providers exceeds 65535".to_owned()
			})?;
		let dir = root.join(&account);
		let (store, recovery) = ShardStore::open(dir.join("store"), params.storage_limit)
			.map_err(|error| format!("cannot open the shard store of {account}: {error}"))?;
		let scratch_dir = dir.join("repair");
		// Downloads of an interrupted repair are of no use after a restart.
		let _ = std::fs::remove_dir_all(&scratch_dir);
		std::fs::create_dir_all(&scratch_dir)
			.map_err(|error| format!("cannot create {}: {error}", scratch_dir.display()))?;
		let address = SocketAddr::from((ip, port));
		let listener = TcpListener::bind(address).map_err(|error| {
			format!(
				"the shard server of {account} cannot listen on {address} ({error}): free the port \
				 or choose another with --storage-port"
			)
		})?;
		listener
			.set_nonblocking(true)
			.map_err(|error| format!("cannot configure the shard server socket: {error}"))?;
		let repaired = recovery.temp_files_removed
			+ recovery.outboards_rebuilt
			+ recovery.corrupt_shards_removed
			+ recovery.orphan_outboards_removed;
		log::info!(
			target: LOG_TARGET,
			"provider {account}: {} shards in {}, serving on http://{address}",
			recovery.shards,
			dir.display(),
		);
		if repaired > 0 {
			log::warn!(target: LOG_TARGET, "provider {account}: the store recovered from a crash: {recovery:?}");
		}
		setups.push(ProviderSetup {
			pair,
			store,
			scratch_dir,
			listener,
			routes: axum::Router::new(),
		});
	}
	Ok(setups)
}

/// Log target of the service.
const LOG_TARGET: &str = "storage-provider";

/// Repairs one provider runs at once: each downloads `k` shards into its scratch space.
const MAX_CONCURRENT_REPAIRS: usize = 2;

/// Starts the shard servers and duty workers of `setups` on `chain`. `private_endpoints`:
/// repairs may fetch from loopback and private addresses (a development or local chain).
/// `readers`: who else private deals' shards are served to.
pub fn spawn(
	spawner: &SpawnTaskHandle,
	setups: Vec<ProviderSetup>,
	chain: Arc<dyn ProviderChain>,
	metrics: Option<Metrics>,
	private_endpoints: bool,
	readers: Option<Arc<dyn DealReaders>>,
) -> Result<(), ServiceError> {
	let mut http = xmbl_client::shards::http_client_builder();
	if !private_endpoints {
		http = http.dns_resolver(Arc::new(endpoints::PublicResolver));
	}
	let http = http
		.build()
		.map_err(|error| ServiceError::Other(format!("cannot build the HTTP client: {error}")))?;
	for setup in setups {
		let account = AccountId::from(setup.pair.public());
		let provider = Arc::new(Provider {
			name: account.to_ss58check(),
			pair: setup.pair,
			account,
			store: setup.store,
			scratch_dir: setup.scratch_dir,
			chain: chain.clone(),
			http: http.clone(),
			private_endpoints,
			repairs: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_REPAIRS)),
			best_block: tokio::sync::watch::Sender::new(None),
			readers: readers.clone(),
			metrics: metrics.clone(),
		});
		provider.update_store_metrics();
		let (server_provider, listener, routes) = (provider.clone(), setup.listener, setup.routes);
		spawner.spawn("shard-server", Some("storage"), async move {
			// Registered with the reactor of the task's runtime.
			match tokio::net::TcpListener::from_std(listener) {
				Ok(listener) => server::serve(server_provider, listener, routes).await,
				Err(error) => log::error!(
					target: LOG_TARGET,
					"shard server of {}: {error}",
					server_provider.name
				),
			}
		});
		spawner.spawn("storage-duties", Some("storage"), worker::run(provider));
	}
	Ok(())
}

/// A dispatch error's name (`Storage.ShardNotAssigned`) through the metadata of the runtime
/// this node was built with.
fn error_name(error: &polkadot_sdk::sp_runtime::DispatchError) -> String {
	static METADATA: std::sync::OnceLock<Metadata> = std::sync::OnceLock::new();
	METADATA.get_or_init(Metadata::of_runtime).dispatch_error(error).name
}

impl Provider {
	/// Sets the held-shards gauges from the store.
	fn update_store_metrics(&self) {
		if let Some(metrics) = &self.metrics {
			metrics.set_store(&self.name, self.store.list().len() as u64, self.store.disk_usage());
		}
	}
}
