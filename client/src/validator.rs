//! `xmbl validator`: session keys, admission and removal of validators, and the set.

use crate::{submit, Cli, CliError};
use clap::Subcommand;
use codec::Decode;
use jsonrpsee::core::rpc_params;
use polkadot_sdk::sp_core::{crypto::Ss58Codec, Bytes};
use serde_json::{json, Value};
use xmbl_client::{account, Chain};
use xmbl_runtime::{opaque::SessionKeys, AccountId, Runtime, RuntimeCall};

#[derive(Subcommand)]
pub enum ValidatorCommand {
	/// Register the signer's session keys (BABE and GRANDPA) on chain. Without `--keys`,
	/// the node at `--url` makes new keys in its keystore (`author_rotateKeysWithOwner`,
	/// an unsafe RPC method: use your validator node's local RPC port) and proves that
	/// they belong to the signer.
	SetKeys {
		/// SCALE-encoded session keys (0x hex), as `author_rotateKeysWithOwner` gave them.
		#[arg(long, requires = "proof")]
		keys: Option<String>,
		/// The keys' proof of possession for the signer (0x hex).
		#[arg(long, requires = "keys")]
		proof: Option<String>,
	},
	/// Admit an account (with registered session keys) as a validator from the session
	/// after the next one. Governance: the signer must be the sudo key.
	Add {
		/// SS58 address or secret URI.
		account: String,
	},
	/// Remove a validator after the next session. The signer must be the sudo key.
	Remove {
		/// SS58 address or secret URI.
		account: String,
	},
	/// The session, its validators (and which are disabled), and the set planned next.
	List,
}

/// The call a changing validator command makes, built before connecting where it can be.
pub fn admin_call(command: &ValidatorCommand) -> Result<Option<RuntimeCall>, CliError> {
	use pallet_xmbl_validators::Call as Validators;
	let call = match command {
		ValidatorCommand::Add { account: who } => Validators::add_validator { who: account(who)? },
		ValidatorCommand::Remove { account: who } => {
			Validators::remove_validator { who: account(who)? }
		},
		ValidatorCommand::SetKeys { .. } | ValidatorCommand::List => return Ok(None),
	};
	Ok(Some(RuntimeCall::Sudo(polkadot_sdk::pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::Validators(call)),
	})))
}

/// 0x-prefixed hex into bytes, for `--keys` and `--proof`.
fn hex_arg(name: &str, text: &str) -> Result<Vec<u8>, CliError> {
	hex::decode(text.trim_start_matches("0x"))
		.map_err(|error| CliError::Usage(format!("--{name} is not hex: {error}")))
}

/// `set-keys`: the keys (given, or made by the node for `signer`) in a `session.set_keys`.
pub async fn set_keys_call(
	chain: &Chain,
	signer: &AccountId,
	keys: Option<&str>,
	proof: Option<&str>,
) -> Result<(RuntimeCall, Vec<u8>), CliError> {
	let (keys, proof) = match (keys, proof) {
		(Some(keys), Some(proof)) => (hex_arg("keys", keys)?, hex_arg("proof", proof)?),
		_ => {
			let generated: Value = chain
				.request(
					"author_rotateKeysWithOwner",
					rpc_params![Bytes(AsRef::<[u8]>::as_ref(signer).to_vec())],
				)
				.await?;
			let field = |name: &str| -> Result<Vec<u8>, CliError> {
				let text = generated[name].as_str().ok_or_else(|| {
					CliError::Other(format!("the node's new keys came without a {name}"))
				})?;
				hex_arg(name, text)
			};
			(field("keys")?, field("proof")?)
		},
	};
	let decoded = SessionKeys::decode(&mut &keys[..]).map_err(|error| {
		CliError::Usage(format!("--keys are not this chain's session keys: {error}"))
	})?;
	let call = RuntimeCall::Session(pallet_session::Call::set_keys { keys: decoded, proof });
	Ok((call, keys))
}

/// `list`: the active set of the current session and the set planned next.
pub async fn list(chain: &Chain) -> Result<Value, CliError> {
	let session: u32 = chain
		.storage_value(&pallet_session::CurrentIndex::<Runtime>::hashed_key(), "session index")
		.await?
		.unwrap_or_default();
	let active: Vec<AccountId> = chain
		.storage_value(&pallet_session::Validators::<Runtime>::hashed_key(), "session validators")
		.await?
		.unwrap_or_default();
	let disabled: Vec<(u32, polkadot_sdk::sp_staking::offence::OffenceSeverity)> = chain
		.storage_value(
			&pallet_session::DisabledValidators::<Runtime>::hashed_key(),
			"disabled validators",
		)
		.await?
		.unwrap_or_default();
	let planned: Vec<AccountId> = chain
		.storage_value::<Vec<AccountId>>(
			&pallet_xmbl_validators::Validators::<Runtime>::hashed_key(),
			"validator set",
		)
		.await?
		.unwrap_or_default();
	let address = |who: &AccountId| who.to_ss58check();
	Ok(json!({
		"session": session,
		"validators": active.iter().map(address).collect::<Vec<_>>(),
		"disabled": disabled
			.iter()
			.filter_map(|(index, _)| active.get(*index as usize).map(address))
			.collect::<Vec<_>>(),
		"planned": planned.iter().map(address).collect::<Vec<_>>(),
	}))
}

/// Runs a validator command that needs the chain.
pub async fn run(
	cli: &Cli,
	chain: &Chain,
	command: &ValidatorCommand,
	signer: impl std::future::Future<Output = Result<polkadot_sdk::sp_core::sr25519::Pair, CliError>>,
) -> Result<Value, CliError> {
	use polkadot_sdk::sp_core::Pair;
	match command {
		ValidatorCommand::List => list(chain).await,
		ValidatorCommand::SetKeys { keys, proof } => {
			let key = signer.await?;
			let (call, keys) =
				set_keys_call(chain, &key.public().into(), keys.as_deref(), proof.as_deref())
					.await?;
			let mut output = submit(cli, chain, &key, call).await?;
			output["keys"] = json!(format!("0x{}", hex::encode(keys)));
			Ok(output)
		},
		ValidatorCommand::Add { .. } | ValidatorCommand::Remove { .. } => {
			let call = admin_call(command)?.expect("add and remove make a call");
			submit(cli, chain, &signer.await?, call).await
		},
	}
}
