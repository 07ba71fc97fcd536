//! Command-line interface of `xmbl-node`.

use polkadot_sdk::sc_cli;

#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	#[clap(flatten)]
	pub storage: StorageProviderParams,
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

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys, inspect node keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Print a chain spec (`--raw` for the form with storage and code).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime benchmarks (built with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(polkadot_sdk::frame_benchmarking_cli::BenchmarkCmd),
}

/// The message of an error on one line.
pub fn describe_error(error: &sc_cli::Error) -> String {
	error.to_string().replace('\n', " ")
}
