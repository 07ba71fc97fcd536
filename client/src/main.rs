//! `xmbl`: the XMBL command-line client. Every command prints one JSON object.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, Pair};
use serde_json::{json, Value};
use xmbl_client::{account, format_amount, parse_amount, signer, Chain, Finalized};
use xmbl_primitives::{Capacity, ProviderRoles};
use xmbl_runtime::{RuntimeCall, RuntimeEvent};

#[derive(Parser)]
#[command(name = "xmbl", version, about = "Command-line client of an XMBL chain")]
struct Cli {
	/// JSON-RPC endpoint of any node.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	url: String,

	/// Secret URI of the signing account (//Alice, a mnemonic or a hex seed).
	#[arg(long, global = true, default_value = "//Alice")]
	suri: String,

	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Provider registration, stake and unbonding.
	#[command(subcommand)]
	Provider(ProviderCommand),
	/// Free and held balance of an account (the signer's by default).
	Balance {
		/// SS58 address, secret URI, or `treasury`.
		account: Option<String>,
	},
}

#[derive(Subcommand)]
enum ProviderCommand {
	/// Register the signer as a provider, holding its stake.
	Register {
		#[arg(long, value_enum)]
		roles: Roles,
		/// Stake in XMBL.
		#[arg(long)]
		stake: String,
		#[command(flatten)]
		offer: Offer,
	},
	/// Change the declared capacity and endpoint.
	Update {
		#[command(flatten)]
		offer: Offer,
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

/// What a provider declares: its capacity and where it is reached.
#[derive(Args)]
struct Offer {
	/// Declared shard storage in bytes.
	#[arg(long, default_value_t = 0)]
	bytes: u64,
	/// Declared concurrent compute slots.
	#[arg(long, default_value_t = 0)]
	slots: u32,
	/// Where clients reach the provider's node.
	#[arg(long)]
	endpoint: String,
}

impl Offer {
	fn capacity(&self) -> Capacity {
		Capacity { bytes: self.bytes, compute_slots: self.slots }
	}
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

fn main() {
	let cli = Cli::parse();
	match run(cli) {
		Ok(output) => println!("{output}"),
		Err(error) => {
			eprintln!("error: {error:#}");
			std::process::exit(1);
		},
	}
}

fn run(cli: Cli) -> Result<Value> {
	let chain = Chain::connect(&cli.url)?;
	let key = || signer(&cli.suri);
	let account_or_signer = |text: Option<String>| -> Result<_> {
		Ok(match text {
			Some(text) => account(&text)?,
			None => key()?.public().into(),
		})
	};
	use pallet_xmbl_providers::Call as Providers;
	let call = match cli.command {
		Command::Balance { account } => {
			let who = account_or_signer(account)?;
			let balances = chain.account(&who)?;
			return Ok(json!({
				"account": who.to_ss58check(),
				"free": format_amount(balances.free),
				"held": format_amount(balances.reserved),
				"frozen": format_amount(balances.frozen),
			}));
		},
		Command::Provider(ProviderCommand::Show { account }) => {
			let who = account_or_signer(account)?;
			let Some(record) = chain.provider(&who)? else {
				bail!("{} is not a registered provider", who.to_ss58check());
			};
			let status = match record.status {
				pallet_xmbl_providers::ProviderStatus::Active => json!("active"),
				pallet_xmbl_providers::ProviderStatus::Unbonding { unlock_at } =>
					json!({ "unbonding": { "unlock_at": unlock_at } }),
			};
			return Ok(json!({
				"account": who.to_ss58check(),
				"roles": format!("{:?}", record.roles),
				"stake": format_amount(record.stake),
				"capacity": { "bytes": record.capacity.bytes, "slots": record.capacity.compute_slots },
				"used": { "bytes": record.used.bytes, "slots": record.used.compute_slots },
				"endpoint": String::from_utf8_lossy(&record.endpoint),
				"live_assignments": record.live_assignments,
				"slashes": record.slashes,
				"successes": record.successes,
				"status": status,
			}));
		},
		Command::Provider(ProviderCommand::Register { roles, stake, offer }) => Providers::register {
			roles: roles.into(),
			stake: parse_amount(&stake)?,
			capacity: offer.capacity(),
			endpoint: offer.endpoint.into_bytes(),
		},
		Command::Provider(ProviderCommand::Update { offer }) => Providers::update {
			capacity: offer.capacity(),
			endpoint: offer.endpoint.into_bytes(),
		},
		Command::Provider(ProviderCommand::Unbond) => Providers::unbond {},
		Command::Provider(ProviderCommand::Withdraw) => Providers::withdraw {},
	};
	let finalized = chain
		.submit(&key()?, RuntimeCall::Providers(call))
		.context("submitting the transaction")?;
	Ok(report(&finalized))
}

/// The block and this pallet's events of a finalized transaction.
fn report(finalized: &Finalized) -> Value {
	let events: Vec<Value> = finalized
		.events
		.iter()
		.filter_map(|event| match event {
			RuntimeEvent::Providers(event) =>
				Some(json!(format!("{event:?}").trim_start_matches("Event::"))),
			_ => None,
		})
		.collect();
	json!({
		"block": finalized.block_number,
		"block_hash": format!("{:?}", finalized.block_hash),
		"events": events,
	})
}
