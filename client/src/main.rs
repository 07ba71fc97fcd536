//! `xmbl`: the XMBL command-line client. Every command prints one JSON object on
//! stdout; progress goes to stderr; errors are one JSON object on stderr and a
//! distinct exit code.

mod compute;
mod progress;
mod storage;
mod validator;

use clap::{Parser, Subcommand, ValueEnum};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};
use serde_json::{json, Value};
use std::{path::PathBuf, process::ExitCode, time::Duration};
use xmbl_client::{
	account, format_amount, parse_amount, signer, Chain, ClientError, Progress, Submitted, Wait,
};
use xmbl_primitives::{Capacity, DealId, JobId, ProviderRoles};
use xmbl_runtime::{AccountId, Balance, Runtime, RuntimeCall};

const EXIT_HELP: &str = "\
Exit codes:
  0  success
  1  any other failure (no such provider record, deal or job, not your deal, an
     undecodable reply, a local file error)
  2  usage: a bad argument (amount, account, secret, URL, file, shard counts),
     checked before connecting
  3  the chain refused: invalid transaction, failed call, or another runtime version
  4  the node is unreachable
  5  timed out waiting for the transaction (its hash is in the error), or no new
     block came for --timeout seconds while put followed its deal
  6  storage: the deal failed and was refunded, or too few shards could be moved
     to or from providers (each provider's error is in the error); job result: no
     agreeing worker served the kept output with its hash and length
  7  get --root: the node's manifest is not the file with that root; nothing is
     written
  8  job result: the job failed without a result (NotEnoughProviders, Expired,
     NoMajority) and its reward was refunded
  9  job result: the workers agreed the program did not succeed (OutOfFuel, Trap,
     InvalidModule, OutputTooLarge)
  130 interrupted (Ctrl-C); temporary files are removed

Environment:
  XMBL_URL   node to talk to (as --url)
  XMBL_SURI  secret URI of the signer (as --suri); prefer it or --suri-file to
             --suri, which other users of the machine can read in the process list
  XMBL_FILE_KEY_SURI  secret URI of the signer's file keys (as --file-key-suri)

Examples:
  xmbl balance treasury
  xmbl --suri-file ~/.xmbl/alice.suri transfer 5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy 1.5
  XMBL_SURI=//Dave xmbl provider register --roles both --stake 250 \\
      --bytes 1073741824 --slots 2 --endpoint http://203.0.113.7:30400
  xmbl --suri-file ~/.xmbl/dave.suri provider update --endpoint https://node.example.org
  xmbl --wait in-block --suri-file key provider bond-extra 50
  xmbl --suri-file key put photo.jpg --data 4 --parity 2 --blocks 100000 --price 0.001
  xmbl --suri-file key get 7 -o photo.jpg --root 0x<file_root that put printed>
  xmbl deals
  xmbl deal 7
  xmbl --suri-file key renew 7 --blocks 50000
  xmbl --suri-file key cancel 7
  xmbl --suri-file key job submit word-count.wasm --input notes.txt
  xmbl --suri-file key job submit grep-count.wasm --input-deal 7 -- ERROR
  xmbl job status 3
  xmbl job result 3 -o counts.txt
  xmbl jobs
  XMBL_URL=ws://127.0.0.1:9948 XMBL_SURI=//Dave xmbl validator set-keys
  xmbl --suri-file sudo.suri validator add 5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy
  xmbl validator list";

#[derive(Parser)]
#[command(name = "xmbl", version, about = "Command-line client of an XMBL chain", after_help = EXIT_HELP)]
struct Cli {
	/// JSON-RPC WebSocket endpoint of any node (ws:// or wss://).
	#[arg(long, global = true, env = "XMBL_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,

	/// Secret URI of the signing account (//Alice, a mnemonic or a 0x hex seed). On a
	/// development chain it defaults to //Alice; elsewhere it must be given.
	#[arg(
		long,
		global = true,
		env = "XMBL_SURI",
		hide_env_values = true,
		conflicts_with = "suri_file"
	)]
	suri: Option<String>,

	/// File holding the signer's secret URI (first line); refused unless only its owner
	/// may read it (`chmod 600`).
	#[arg(long, global = true, value_name = "PATH")]
	suri_file: Option<PathBuf>,

	/// Secret URI whose hard child `//xmbl-file-key` encrypts and reads the signer's files
	/// (`put`, `get`, `file-key`) instead of the signer's own: keeps file keys apart from
	/// the key that signs transactions.
	#[arg(long, global = true, env = "XMBL_FILE_KEY_SURI", hide_env_values = true)]
	file_key_suri: Option<String>,

	/// How far to follow a transaction before returning.
	#[arg(long, global = true, value_enum, default_value_t = WaitFor::Finalized)]
	wait: WaitFor,

	/// Sign with this nonce instead of the account's next one (to replace a pending
	/// transaction).
	#[arg(long, global = true)]
	nonce: Option<u32>,

	/// Seconds to wait for the transaction to reach `--wait` (and, while `put` follows
	/// its deal, for each new block).
	#[arg(long, global = true, value_name = "SECONDS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=3600))]
	timeout: u64,

	#[command(subcommand)]
	command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum WaitFor {
	/// Return once the node accepted the transaction into its pool.
	None,
	/// Return once it is in a block (may still be reorganised away).
	InBlock,
	/// Return once its block is final.
	Finalized,
}

impl From<WaitFor> for Wait {
	fn from(wait: WaitFor) -> Self {
		match wait {
			WaitFor::None => Wait::None,
			WaitFor::InBlock => Wait::InBlock,
			WaitFor::Finalized => Wait::Finalized,
		}
	}
}

#[derive(Subcommand)]
enum Command {
	/// Provider registration, stake and unbonding.
	#[command(subcommand)]
	Provider(ProviderCommand),
	/// Validators: session keys, admission and removal, the current set.
	#[command(subcommand)]
	Validator(validator::ValidatorCommand),
	/// Free, held and frozen balance of an account (the signer's by default).
	Balance {
		/// SS58 address, secret URI, or `treasury`.
		account: Option<String>,
	},
	/// Send XMBL from the signer to another account, keeping the signer's account alive.
	Transfer {
		/// SS58 address or secret URI of the recipient.
		to: String,
		/// XMBL to send.
		#[arg(value_parser = amount)]
		amount: Balance,
	},
	/// Store a file: encrypt and erasure-code it into k + m shards, make a deal, upload
	/// each shard to the provider the chain assigns it to, and wait until every shard is
	/// confirmed (the deal is active).
	Put(storage::PutArgs),
	/// Read a stored file back from any k of its shards.
	Get(storage::GetArgs),
	/// The live deals of an account (the signer's by default), with their status.
	Deals {
		/// SS58 address or secret URI.
		account: Option<String>,
	},
	/// One deal in full: its terms, escrow and every shard's provider and state.
	Deal {
		/// The deal's number.
		deal: DealId,
	},
	/// Buy more proof periods for one of the signer's deals.
	Renew {
		/// The deal's number.
		deal: DealId,
		/// Blocks to add, rounded up to whole proof periods.
		#[arg(long)]
		blocks: u32,
	},
	/// End one of the signer's deals now; what no period was proven for is refunded.
	Cancel {
		/// The deal's number.
		deal: DealId,
	},
	/// The key of one of the signer's encrypted files, as hex: whoever has it can read
	/// that file alone (`get --key-file`).
	FileKey {
		/// The deal's number.
		deal: DealId,
	},
	/// Compute jobs: submit, follow and read the result of WebAssembly jobs run by several
	/// compute providers.
	#[command(subcommand)]
	Job(compute::JobCommand),
	/// The open and retained jobs of an account (the signer's by default), with their status.
	Jobs {
		/// SS58 address or secret URI.
		account: Option<String>,
	},
}

#[derive(Subcommand)]
enum ProviderCommand {
	/// Register the signer as a provider, holding its stake.
	Register {
		/// What the provider offers.
		#[arg(long, value_enum)]
		roles: Roles,
		/// Stake in XMBL, held from the signer's balance (at least the chain's minimum).
		#[arg(long, value_parser = amount)]
		stake: Balance,
		/// Declared shard storage in bytes.
		#[arg(long, default_value_t = 0)]
		bytes: u64,
		/// Declared concurrent compute slots.
		#[arg(long, default_value_t = 0)]
		slots: u32,
		/// URL where clients reach the provider's node (http://, https://, ws:// or wss://).
		#[arg(long)]
		endpoint: String,
		/// Lowest price in XMBL per shard and period the provider stores for.
		#[arg(long, value_parser = amount, default_value = "0")]
		min_price: Balance,
	},
	/// Change the declared capacity or endpoint; only the options given change.
	#[command(group = clap::ArgGroup::new("change").required(true).multiple(true))]
	Update {
		/// New declared shard storage in bytes.
		#[arg(long, group = "change")]
		bytes: Option<u64>,
		/// New declared concurrent compute slots.
		#[arg(long, group = "change")]
		slots: Option<u32>,
		/// New endpoint URL.
		#[arg(long, group = "change")]
		endpoint: Option<String>,
		/// New lowest price in XMBL per shard and period.
		#[arg(long, group = "change", value_parser = amount)]
		min_price: Option<Balance>,
	},
	/// Add to the signer's stake.
	BondExtra {
		/// XMBL to add to the stake.
		#[arg(value_parser = amount)]
		amount: Balance,
	},
	/// Leave selection and take no new work; hand shards back with `leave`, then `unbond`
	/// once none is left.
	Exit,
	/// Hand shards back: each moves to another provider at its deal's next period end.
	Leave {
		/// Shards as DEAL:SHARD, e.g. 7:2.
		#[arg(required = true, value_parser = deal_shard)]
		shards: Vec<(DealId, u8)>,
	},
	/// Stop taking new work and start the unbonding period.
	Unbond,
	/// Release the stake once the unbonding period has ended.
	Withdraw,
	/// A provider's record (the signer's by default).
	Show {
		/// SS58 address or secret URI.
		account: Option<String>,
	},
}

#[derive(Clone, Copy, ValueEnum)]
enum Roles {
	Storage,
	Compute,
	Both,
}

impl From<Roles> for ProviderRoles {
	fn from(roles: Roles) -> Self {
		match roles {
			Roles::Storage => ProviderRoles::Storage,
			Roles::Compute => ProviderRoles::Compute,
			Roles::Both => ProviderRoles::StorageAndCompute,
		}
	}
}

/// clap parser for `DEAL:SHARD`.
fn deal_shard(text: &str) -> Result<(DealId, u8), String> {
	let (deal, shard) = text.split_once(':').ok_or("expected DEAL:SHARD")?;
	Ok((deal.parse().map_err(|_| "bad deal")?, shard.parse().map_err(|_| "bad shard")?))
}

/// clap parser for XMBL amounts, so that a bad amount is a usage error.
fn amount(text: &str) -> Result<Balance, String> {
	parse_amount(text).map_err(|error| error.to_string())
}

/// An endpoint as the pallet takes it; too long is a usage error.
fn endpoint(text: String) -> Result<pallet_xmbl_providers::EndpointOf<Runtime>, CliError> {
	let max = <<Runtime as pallet_xmbl_providers::Config>::MaxEndpointLen as polkadot_sdk::frame_support::traits::Get<u32>>::get();
	text.into_bytes().try_into().map_err(|_| {
		CliError::Usage(format!("the endpoint is longer than the chain's limit of {max} bytes"))
	})
}

/// A failure, with the exit code it maps to.
#[derive(Debug)]
enum CliError {
	Usage(String),
	Client(ClientError),
	Other(String),
	/// No live deal has this number.
	NoDeal(DealId),
	/// The deal is another account's.
	NotOwner {
		deal: DealId,
		owner: AccountId,
	},
	/// The deal ended before it became active: failed and refunded, or cancelled.
	DealFailed {
		deal: DealId,
		reason: String,
		message: String,
	},
	/// Too few shards could be moved to or from providers.
	Transfer {
		message: String,
		failures: Vec<Value>,
	},
	/// No new block came for `waited` while a command followed the chain.
	Stalled {
		waited: Duration,
	},
	/// The manifest the node serves is not the file `get --root` pins.
	RootMismatch {
		deal: DealId,
		message: String,
	},
	/// No job with this number is open or retained.
	NoJob(JobId),
	/// The job ended without a final result; what it held was refunded.
	JobFailed {
		job: JobId,
		reason: &'static str,
		message: String,
	},
	/// The workers agreed on an outcome other than success (`outcome` as `job status` shows
	/// it).
	JobOutcome {
		job: JobId,
		outcome: Value,
		fuel_used: u64,
		message: String,
	},
	/// Ctrl-C.
	Interrupted,
}

impl From<ClientError> for CliError {
	fn from(error: ClientError) -> Self {
		CliError::Client(error)
	}
}

impl CliError {
	fn exit_code(&self) -> u8 {
		match self {
			CliError::Usage(_) => 2,
			CliError::Client(error) => match error {
				ClientError::Invalid { .. }
				| ClientError::NotIncluded { .. }
				| ClientError::Dispatch { .. }
				| ClientError::RuntimeMismatch { .. }
				| ClientError::Rpc { .. } => 3,
				ClientError::BadUrl(_)
				| ClientError::BadAccount(_)
				| ClientError::BadSecret
				| ClientError::BadAmount(_) => 2,
				ClientError::Unreachable { .. } => 4,
				ClientError::Timeout { .. } => 5,
				_ => 1,
			},
			CliError::Other(_)
			| CliError::NoDeal(_)
			| CliError::NotOwner { .. }
			| CliError::NoJob(_) => 1,
			CliError::Stalled { .. } => 5,
			CliError::DealFailed { .. } | CliError::Transfer { .. } => 6,
			CliError::RootMismatch { .. } => 7,
			CliError::JobFailed { .. } => 8,
			CliError::JobOutcome { .. } => 9,
			CliError::Interrupted => 130,
		}
	}

	/// `{"error": {"kind": .., "message": .., ...}}`.
	fn to_json(&self) -> Value {
		let (kind, extra) = match self {
			CliError::Usage(_) => ("usage", json!({})),
			CliError::Client(_) if self.exit_code() == 2 => ("usage", json!({})),
			CliError::Other(_) => ("failure", json!({})),
			CliError::NoDeal(deal) => ("no_such_deal", json!({ "deal": deal })),
			CliError::NotOwner { deal, owner } => {
				("not_owner", json!({ "deal": deal, "owner": owner.to_ss58check() }))
			},
			CliError::DealFailed { deal, reason, .. } => {
				("deal_failed", json!({ "deal": deal, "reason": reason }))
			},
			CliError::Transfer { failures, .. } => ("transfer", json!({ "failures": failures })),
			CliError::Stalled { waited } => {
				("timeout", json!({ "waited_seconds": waited.as_secs() }))
			},
			CliError::RootMismatch { deal, .. } => ("root_mismatch", json!({ "deal": deal })),
			CliError::NoJob(job) => ("no_such_job", json!({ "job": job })),
			CliError::JobFailed { job, reason, .. } => {
				("job_failed", json!({ "job": job, "reason": reason }))
			},
			CliError::JobOutcome { job, outcome, fuel_used, .. } => (
				"job_outcome",
				merge(json!({ "job": job, "fuel_used": fuel_used }), outcome.clone()),
			),
			CliError::Interrupted => ("interrupted", json!({})),
			CliError::Client(error) => match error {
				ClientError::Dispatch { tx_hash, block_hash, error } => (
					"dispatch",
					json!({
						"tx_hash": format!("{tx_hash:?}"),
						"block_hash": format!("{block_hash:?}"),
						"name": error.name,
						"description": error.description,
					}),
				),
				ClientError::Invalid { tx_hash, reason } => {
					("invalid", json!({ "tx_hash": format!("{tx_hash:?}"), "reason": reason }))
				},
				ClientError::NotIncluded { tx_hash, reason } => {
					("not_included", json!({ "tx_hash": format!("{tx_hash:?}"), "reason": reason }))
				},
				ClientError::Timeout { tx_hash, waited, last_status } => (
					"timeout",
					json!({
						"tx_hash": format!("{tx_hash:?}"),
						"waited_seconds": waited.as_secs(),
						"last_status": last_status,
					}),
				),
				ClientError::RuntimeMismatch { client, node } => {
					("runtime_mismatch", json!({ "client": client, "node": node }))
				},
				ClientError::Unreachable { url, .. } => ("unreachable", json!({ "url": url })),
				ClientError::Rpc { method, code, .. } => {
					("rpc", json!({ "method": method, "code": code }))
				},
				_ => ("failure", json!({})),
			},
		};
		json!({ "error": merge(json!({ "kind": kind, "message": self.to_string() }), extra) })
	}
}

impl std::fmt::Display for CliError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			CliError::Usage(message)
			| CliError::Other(message)
			| CliError::DealFailed { message, .. }
			| CliError::Transfer { message, .. }
			| CliError::RootMismatch { message, .. }
			| CliError::JobFailed { message, .. }
			| CliError::JobOutcome { message, .. } => f.write_str(message),
			CliError::Client(error) => write!(f, "{error}"),
			CliError::NoDeal(deal) => write!(f, "there is no live deal {deal}"),
			CliError::NoJob(job) => {
				write!(f, "there is no job {job} (never submitted, or pruned after its retention)")
			},
			CliError::NotOwner { deal, owner } => {
				write!(f, "deal {deal} is not yours: its owner is {}", owner.to_ss58check())
			},
			CliError::Stalled { waited } => {
				write!(f, "the chain made no new block for {} s", waited.as_secs())
			},
			CliError::Interrupted => f.write_str("interrupted"),
		}
	}
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	// On Ctrl-C the command's future is dropped, which removes its temporary files, and
	// the process exits without waiting for a pipeline thread to finish its batch.
	let result = tokio::select! {
		result = run(cli) => result,
		_ = tokio::signal::ctrl_c() => Err(CliError::Interrupted),
	};
	match result {
		Ok(output) => {
			println!("{output}");
			ExitCode::SUCCESS
		},
		Err(error) => {
			eprintln!("{}", error.to_json());
			if matches!(error, CliError::Interrupted) {
				std::process::exit(error.exit_code().into());
			}
			ExitCode::from(error.exit_code())
		},
	}
}

/// The signer's secret URI as given, if any: `--suri`/`XMBL_SURI` or `--suri-file`.
fn given_suri(cli: &Cli) -> Result<Option<String>, CliError> {
	if let Some(path) = &cli.suri_file {
		let suri = xmbl_client::read_secret_file(path)
			.map_err(|error| CliError::Usage(format!("--suri-file {error}")))?;
		return Ok(Some(suri.to_string()));
	}
	Ok(cli.suri.clone())
}

/// The signing key: the one given, or //Alice on a development chain only.
async fn signing_key(chain: &Chain, suri: Option<&str>) -> Result<sr25519::Pair, CliError> {
	match suri {
		Some(suri) => Ok(signer(suri)?),
		None if chain.is_development().await? => Ok(signer("//Alice")?),
		None => Err(CliError::Usage(
			"no signer: give --suri-file, XMBL_SURI or --suri (//Alice is the default on development chains only)"
				.into(),
		)),
	}
}

async fn run(cli: Cli) -> Result<Value, CliError> {
	let suri = given_suri(&cli)?;
	// Everything that can be checked without the node is checked before connecting.
	for suri in suri.iter().chain(&cli.file_key_suri) {
		signer(suri)?;
	}
	let call = match &cli.command {
		Command::Provider(ProviderCommand::Show { .. }) => None,
		Command::Provider(command) => Some(provider_call(command)?),
		Command::Transfer { to, amount } => {
			Some(RuntimeCall::Balances(polkadot_sdk::pallet_balances::Call::transfer_keep_alive {
				dest: account(to)?.into(),
				value: *amount,
			}))
		},
		Command::Put(args) => return storage::put(&cli, args, suri.as_deref()).await,
		Command::Get(args) => return storage::get(&cli, args, suri.as_deref()).await,
		Command::Deals { account: owner } => {
			let owner = owner.as_deref().map(account).transpose()?;
			return storage::deals(&cli, owner, suri.as_deref()).await;
		},
		Command::Deal { deal } => return storage::deal(&cli, *deal).await,
		Command::Renew { deal, blocks } => {
			let periods = storage::periods_for(*blocks)?;
			let call = pallet_xmbl_storage::Call::renew { deal: *deal, periods };
			return storage::owner_call(&cli, *deal, call, suri.as_deref()).await;
		},
		Command::Cancel { deal } => {
			let call = pallet_xmbl_storage::Call::cancel { deal: *deal };
			return storage::owner_call(&cli, *deal, call, suri.as_deref()).await;
		},
		Command::FileKey { deal } => return storage::file_key(&cli, *deal, suri.as_deref()).await,
		Command::Job(command) => return compute::run(&cli, command, suri.as_deref()).await,
		Command::Jobs { account: client } => {
			let client = client.as_deref().map(account).transpose()?;
			return compute::jobs(&cli, client, suri.as_deref()).await;
		},
		Command::Balance { .. } => None,
		Command::Validator(command) => {
			// Accounts are checked before connecting.
			validator::admin_call(command)?;
			None
		},
	};

	let chain = Chain::connect(&cli.url).await?;
	let who = |text: &Option<String>| -> Result<Option<AccountId>, CliError> {
		text.as_deref().map(account).transpose().map_err(Into::into)
	};
	let signer_account = || async {
		Ok::<AccountId, CliError>(signing_key(&chain, suri.as_deref()).await?.public().into())
	};

	match (&cli.command, call) {
		(Command::Validator(command), _) => {
			validator::run(&cli, &chain, command, signing_key(&chain, suri.as_deref())).await
		},
		(Command::Balance { account }, _) => {
			let who = match who(account)? {
				Some(who) => who,
				None => signer_account().await?,
			};
			let balances = chain.account(&who).await?;
			Ok(json!({
				"account": who.to_ss58check(),
				"free": format_amount(balances.free),
				"held": format_amount(balances.reserved),
				"frozen": format_amount(balances.frozen),
			}))
		},
		(Command::Provider(ProviderCommand::Show { account }), _) => {
			let who = match who(account)? {
				Some(who) => who,
				None => signer_account().await?,
			};
			let Some(record) = chain.provider(&who).await? else {
				return Err(CliError::Other(format!(
					"{} is not a registered provider",
					who.to_ss58check()
				)));
			};
			Ok(provider_json(&who, &record))
		},
		(_, Some(call)) => {
			let key = signing_key(&chain, suri.as_deref()).await?;
			submit(&cli, &chain, &key, call).await
		},
		(_, None) => unreachable!("every other command builds a call"),
	}
}

/// Signs and submits `call`, follows it as `--wait` says, and gives the output JSON.
async fn submit(
	cli: &Cli,
	chain: &Chain,
	key: &sr25519::Pair,
	call: RuntimeCall,
) -> Result<Value, CliError> {
	let submitted = chain
		.submit(
			key,
			call,
			cli.nonce,
			cli.wait.into(),
			Duration::from_secs(cli.timeout),
			report_progress,
		)
		.await?;
	Ok(submitted_json(chain, &submitted))
}

/// The call a provider command makes.
fn provider_call(command: &ProviderCommand) -> Result<RuntimeCall, CliError> {
	use pallet_xmbl_providers::Call as Providers;
	let call = match command {
		ProviderCommand::Register { roles, stake, bytes, slots, endpoint: url, min_price } => {
			Providers::register {
				roles: (*roles).into(),
				stake: *stake,
				capacity: Capacity { bytes: *bytes, compute_slots: *slots },
				endpoint: endpoint(url.clone())?,
				min_price: *min_price,
			}
		},
		ProviderCommand::Update { bytes, slots, endpoint: url, min_price } => Providers::update {
			bytes: *bytes,
			compute_slots: *slots,
			endpoint: url.clone().map(endpoint).transpose()?,
			min_price: *min_price,
		},
		ProviderCommand::Exit => Providers::announce_exit {},
		ProviderCommand::Leave { shards } => {
			let shards = shards.clone().try_into().map_err(|_| {
				CliError::Usage("more shards than the chain takes in one call".into())
			})?;
			return Ok(RuntimeCall::Storage(pallet_xmbl_storage::Call::leave_shards { shards }));
		},
		ProviderCommand::BondExtra { amount } => Providers::bond_extra { amount: *amount },
		ProviderCommand::Unbond => Providers::unbond {},
		ProviderCommand::Withdraw => Providers::withdraw {},
		ProviderCommand::Show { .. } => unreachable!("show reads, it makes no call"),
	};
	Ok(RuntimeCall::Providers(call))
}

/// `0x` and the bytes in lowercase hex, as the JSON output shows hashes and roots.
fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// `base` with the fields of the object `extra` added.
fn merge(mut base: Value, extra: Value) -> Value {
	if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
		base.extend(extra);
	}
	base
}

/// Each step of the transaction, on stderr.
fn report_progress(progress: &Progress) {
	match progress {
		Progress::Submitted { tx_hash } => eprintln!("transaction {tx_hash:?} submitted"),
		Progress::Future => eprintln!("waiting in the pool for an earlier nonce"),
		Progress::Ready => eprintln!("ready in the pool"),
		Progress::Broadcast => eprintln!("broadcast to peers"),
		Progress::InBlock { block_hash } => eprintln!("in block {block_hash:?}"),
		Progress::Retracted { block_hash } => {
			eprintln!("block {block_hash:?} retracted, back in the pool")
		},
		Progress::Finalized { block_hash } => eprintln!("finalized in block {block_hash:?}"),
	}
}

fn submitted_json(chain: &Chain, submitted: &Submitted) -> Value {
	let mut output = json!({ "tx_hash": format!("{:?}", submitted.tx_hash) });
	if let Some(included) = &submitted.included {
		output["block"] = json!(included.block_number);
		output["block_hash"] = json!(format!("{:?}", included.block_hash));
		output["finalized"] = json!(included.finalized);
		output["events"] =
			included.events.iter().map(|event| chain.metadata().event_json(event)).collect();
	}
	output
}

fn provider_json(
	who: &AccountId,
	record: &pallet_xmbl_providers::ProviderRecord<Runtime>,
) -> Value {
	let status = match record.status {
		pallet_xmbl_providers::ProviderStatus::Active => json!("active"),
		pallet_xmbl_providers::ProviderStatus::Exiting => json!("exiting"),
		pallet_xmbl_providers::ProviderStatus::Unbonding { unlock_at } => {
			json!({ "unbonding": { "unlock_at": unlock_at } })
		},
	};
	let roles = match record.roles {
		ProviderRoles::Storage => "storage",
		ProviderRoles::Compute => "compute",
		ProviderRoles::StorageAndCompute => "both",
	};
	json!({
		"account": who.to_ss58check(),
		"roles": roles,
		"stake": format_amount(record.stake),
		"capacity": { "bytes": record.capacity.bytes, "slots": record.capacity.compute_slots },
		"used": { "bytes": record.used.bytes, "slots": record.used.compute_slots },
		"endpoint": String::from_utf8_lossy(&record.endpoint),
		"min_price": format_amount(record.min_price),
		"live_assignments": record.live_assignments,
		"slashes": record.slashes,
		"successes": record.successes,
		"status": status,
	})
}
