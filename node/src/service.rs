//! Assembly of a full node: client, import queue, networking, RPC, BABE block
//! authoring and the GRANDPA voter.

use polkadot_sdk::{
	sc_basic_authorship,
	sc_client_api::BlockBackend,
	sc_consensus,
	sc_consensus_babe::{self, SlotProportion},
	sc_consensus_grandpa::{self, SharedVoterState},
	sc_consensus_slots,
	sc_executor::WasmExecutor,
	sc_network,
	sc_service::{self, error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig},
	sc_telemetry::{Telemetry, TelemetryWorker},
	sc_transaction_pool,
	sc_transaction_pool_api::OffchainTransactionPoolFactory,
	sp_consensus_babe, sp_io,
	sp_runtime::traits::Block as BlockT,
	sp_timestamp,
};
use std::{future::Ready, sync::Arc, time::Duration};
use xmbl_runtime::{apis::RuntimeApi, opaque::Block, SLOT_DURATION};

pub(crate) type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, WasmExecutor<sp_io::SubstrateHostFunctions>>;
pub(crate) type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullGrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;

/// Inherent data of a BABE block: the slot its timestamp falls in, and the timestamp.
type BabeInherentData =
	(sp_consensus_babe::inherents::InherentDataProvider, sp_timestamp::InherentDataProvider);

/// How the node makes a block's inherent data, for authoring and for checking imports. A
/// plain function, so that the block import's type can be named in [`Service`].
type CreateBabeInherents =
	fn(<Block as BlockT>::Hash, ()) -> Ready<Result<BabeInherentData, InherentError>>;
type InherentError = Box<dyn std::error::Error + Send + Sync>;

/// GRANDPA's block import wrapped by BABE's, which checks each block's slot claim and VRF
/// and reports equivocations.
type FullBabeBlockImport = sc_consensus_babe::BabeBlockImport<
	Block,
	FullClient,
	FullGrandpaBlockImport,
	CreateBabeInherents,
	FullSelectChain,
>;

/// Blocks between GRANDPA justifications that are stored and served for warp sync.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts of a node that every subcommand (import, export, revert, run) needs.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	FullPool,
	(
		FullBabeBlockImport,
		sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
		sc_consensus_babe::BabeLink<Block>,
		sc_consensus_babe::BabeWorkerHandle<Block>,
		Option<Telemetry>,
	),
>;

/// The inherent data of a block made now: the system time and its slot. The runtime's slot
/// length is a constant of the chain (`new_partial` checks the chain agrees).
fn babe_inherents(
	_parent: <Block as BlockT>::Hash,
	(): (),
) -> Ready<Result<BabeInherentData, InherentError>> {
	let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
	let slot = sp_consensus_babe::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
		*timestamp,
		sp_consensus_babe::SlotDuration::from_millis(SLOT_DURATION),
	);
	std::future::ready(Ok((slot, timestamp)))
}

pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, polkadot_sdk::sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			vec![Arc::new(sc_consensus_grandpa::GrandpaPruningFilter)],
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|telemetry| telemetry.handle()),
	)?;

	let babe_config = sc_consensus_babe::configuration(&*client)?;
	if babe_config.slot_duration().as_millis() != SLOT_DURATION {
		return Err(ServiceError::Other(format!(
			"the chain's BABE slot is {} ms, this node makes {SLOT_DURATION} ms slots",
			babe_config.slot_duration().as_millis()
		)));
	}
	let (block_import, babe_link) = sc_consensus_babe::block_import(
		babe_config,
		grandpa_block_import.clone(),
		client.clone(),
		babe_inherents as CreateBabeInherents,
		select_chain.clone(),
		OffchainTransactionPoolFactory::new(transaction_pool.clone()),
	)?;
	let slot_duration = babe_link.config().slot_duration();
	let (import_queue, babe_worker_handle) =
		sc_consensus_babe::import_queue(sc_consensus_babe::ImportQueueParams {
			link: babe_link.clone(),
			block_import: block_import.clone(),
			justification_import: Some(Box::new(grandpa_block_import)),
			client: client.clone(),
			slot_duration,
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
		})?;

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, babe_link, babe_worker_handle, telemetry),
	})
}

/// Build and start a full node; it runs until the returned task manager is dropped.
/// `providers` are the storage providers whose shards the node keeps (see
/// [`xmbl_storage_provider`]), `workers` the compute workers of the same accounts (see
/// [`xmbl_compute_worker`]).
pub fn new_full<N: sc_network::NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	providers: Vec<xmbl_storage_provider::ProviderSetup>,
	workers: Option<xmbl_compute_worker::ComputeSetup>,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, babe_link, babe_worker_handle, mut telemetry),
	} = new_partial(&config)?;
	// Shard repairs and compute workers may fetch from loopback and private addresses on
	// these chains only.
	let private_endpoints = matches!(
		config.chain_spec.chain_type(),
		sc_service::ChainType::Development | sc_service::ChainType::Local
	);

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as BlockT>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client.block_hash(0).ok().flatten().expect("Genesis block exists; qed");
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
	net_config.add_notification_protocol(grandpa_protocol_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let keystore = keystore_container.keystore();
		let select_chain = select_chain.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				babe_worker_handle: babe_worker_handle.clone(),
				keystore: keystore.clone(),
				select_chain: select_chain.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let storage_metrics = prometheus_registry
		.as_ref()
		.map(xmbl_storage_provider::Metrics::register)
		.transpose()
		.map_err(|error| ServiceError::Other(format!("storage provider metrics: {error}")))?;
	let compute_metrics = prometheus_registry
		.as_ref()
		.map(xmbl_compute_worker::Metrics::register)
		.transpose()
		.map_err(|error| ServiceError::Other(format!("compute worker metrics: {error}")))?;
	if !providers.is_empty() {
		let chain = Arc::new(crate::provider_chain::NodeChain::new(
			client.clone(),
			transaction_pool.clone(),
		));
		// Private deals' shards are served to the compute workers of jobs that read them,
		// whether or not this node computes.
		let readers = Arc::new(xmbl_compute_worker::JobReaders::new(chain.clone()));
		xmbl_storage_provider::spawn(
			&task_manager.spawn_handle(),
			providers,
			chain.clone(),
			storage_metrics,
			private_endpoints,
			Some(readers),
		)?;
		if let Some(workers) = workers {
			xmbl_compute_worker::spawn(
				&task_manager.spawn_handle(),
				workers,
				chain,
				compute_metrics,
				private_endpoints,
			)?;
		}
	}

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|telemetry| telemetry.handle()),
		);
		let babe = sc_consensus_babe::start_babe(sc_consensus_babe::BabeParams {
			keystore: keystore_container.keystore(),
			client,
			select_chain,
			env: proposer_factory,
			block_import,
			sync_oracle: sync_service.clone(),
			justification_sync_link: sync_service.clone(),
			create_inherent_data_providers: babe_inherents,
			force_authoring,
			backoff_authoring_blocks: Option::<
				sc_consensus_slots::BackoffAuthoringOnFinalizedHeadLagging<u32>,
			>::None,
			babe_link,
			block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
			max_block_proposal_slot_portion: None,
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
		})?;
		// Block authoring is essential: if it stops, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking(
			"babe-proposer",
			Some("block-authoring"),
			babe,
		);
	}

	if enable_grandpa {
		// Only an authority votes, so only an authority needs the keystore.
		let keystore = role.is_authority().then(|| keystore_container.keystore());
		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
			protocol_name: grandpa_protocol_name,
		};
		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: Arc::new(sync_service),
			notification_service: grandpa_notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|telemetry| telemetry.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};
		// The voter is essential: if it stops, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}
