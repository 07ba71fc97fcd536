//! Dispatch of `xmbl-node`'s subcommands.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use polkadot_sdk::{
	sc_cli::{self, SubstrateCli},
	sc_network,
	sc_service::{ChainType, Configuration, PartialComponents},
};
use std::sync::Arc;
use xmbl_runtime::{opaque::Block, Hash};

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"XMBL Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		"The XMBL developers".into()
	}

	fn support_url() -> String {
		"the XMBL issue tracker".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_cli::ChainSpec>, String> {
		chain_spec::load(id)
	}
}

/// The browser origins allowed to read RPC answers unless `--rpc-cors` says otherwise: the
/// dashboard and a polkadot.js apps served on this machine, and polkadot.js apps. (Origins
/// match exactly: Substrate's own `http://localhost:*` matches no page.)
const DEFAULT_RPC_ORIGINS: [&str; 5] = [
	"http://localhost:8080",
	"http://127.0.0.1:8080",
	"http://localhost:3000",
	"http://127.0.0.1:3000",
	"https://polkadot.js.org",
];

/// Parse the command line and run the node or the subcommand it names.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	// `--dev` alone would let every web origin read the RPC's answers and pass its CORS
	// preflight, unsafe methods such as `author_insertKey` included; without `--rpc-cors`,
	// every chain allows only the dashboard's and polkadot.js apps' origins.
	if cli.run.rpc_params.rpc_cors.is_none() {
		cli.run.rpc_params.rpc_cors = Some(sc_cli::Cors::List(
			DEFAULT_RPC_ORIGINS.iter().map(|origin| origin.to_string()).collect(),
		));
	}

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client: Arc<service::FullClient>, backend, blocks| {
					polkadot_sdk::sc_consensus_babe::revert(client.clone(), backend, blocks)?;
					polkadot_sdk::sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use polkadot_sdk::{
				frame_benchmarking_cli::BenchmarkCmd, sp_runtime::traits::HashingFor,
			};
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				// Host functions (storage, hashing) of an unoptimised node run tens of times
				// slower than a release build's: weights it wrote would throttle the chain.
				BenchmarkCmd::Pallet(cmd) if cfg!(debug_assertions) && cmd.output.is_some() => {
					Err("a debug build does not write weight files: build an optimised node \
					     (scripts/bench-weights.sh)"
						.into())
				},
				BenchmarkCmd::Pallet(cmd) => {
					cmd.run_with_spec::<HashingFor<Block>, ()>(Some(config.chain_spec))
				},
				_ => Err("only `benchmark pallet` is wired into xmbl-node".into()),
			})
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let (storage, compute) = (cli.storage.clone(), cli.compute.clone());
			runner.run_node_until_exit(|mut config| async move {
				claim_rpc_ports(&mut config)?;
				let development = config.chain_spec.chain_type() == ChainType::Development;
				let mut providers = xmbl_storage_provider::prepare(
					&storage,
					development,
					config.base_path.path(),
					&config.keystore,
				)
				.map_err(sc_cli::Error::Input)?;
				// The same accounts, on the same endpoints, for compute.
				let workers =
					xmbl_compute_worker::prepare(&compute, config.base_path.path(), &mut providers)
						.map_err(sc_cli::Error::Input)?;
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config, providers, workers,
						)
					},
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<sc_network::NetworkWorker<Block, Hash>>(
							config, providers, workers,
						)
					},
				}
				.map_err(sc_cli::Error::Service)
			})
		},
	}
}

/// Keep the RPC server on the port the operator chose. sc-service would otherwise
/// move to a random port when the chosen one is taken, and wallets configured for
/// the chosen port would silently talk to whatever holds it.
fn claim_rpc_ports(config: &mut Configuration) -> sc_cli::Result<()> {
	for endpoint in config.rpc.addr.iter_mut().flatten() {
		endpoint.retry_random_port = false;
		if endpoint.is_optional {
			continue;
		}
		if let Err(error) = std::net::TcpListener::bind(endpoint.listen_addr) {
			return Err(sc_cli::Error::Input(format!(
				"RPC port {} on {} is not free ({error}): stop the process that holds it or pick another port with --rpc-port",
				endpoint.listen_addr.port(),
				endpoint.listen_addr.ip(),
			)));
		}
	}
	Ok(())
}
