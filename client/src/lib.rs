//! Client library of XMBL: signs and submits extrinsics, reads storage and calls
//! runtime APIs over one WebSocket connection to any node (`ws://` or `wss://`), using
//! the runtime's own types, so that calls, keys and records cannot drift from the chain
//! it talks to; it refuses a node that runs another runtime version. [`shards`] moves
//! storage shards to and from providers over HTTP. The `xmbl` binary is a CLI on top.

pub mod chain;
pub mod metadata;
pub mod shards;

pub use chain::{
	check_runtime_version, node_url, AccountBalances, Chain, EventRecord, Included,
	NamedDispatchError, Progress, Submitted, Wait, MORTALITY,
};
pub use shards::ShardTransferError;

use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};
use std::time::Duration;
use xmbl_runtime::{AccountId, Balance, TOKEN_DECIMALS};
use zeroize::Zeroizing;

/// What can go wrong talking to a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
	#[error("not a node URL: {0} (expected ws://host:port or wss://host[:port])")]
	BadUrl(String),
	#[error("cannot reach the node at {url}: {error}")]
	Unreachable { url: String, error: String },
	#[error("the node runs {node}, this client was built for {client}: its calls may be encoded otherwise, refusing to sign for it")]
	RuntimeMismatch { client: String, node: String },
	#[error("{method} failed: {message} (code {code})")]
	Rpc { method: String, code: i32, message: String, data: Option<String> },
	#[error("cannot decode {what} from the node: {error}")]
	Decode { what: &'static str, error: String },
	#[error("the node refused transaction {tx_hash:?}: {reason}")]
	Invalid { tx_hash: H256, reason: String },
	#[error("transaction {tx_hash:?} was not included: {reason}")]
	NotIncluded { tx_hash: H256, reason: String },
	#[error("transaction {tx_hash:?} failed in block {block_hash:?}: {}", error.name)]
	Dispatch { tx_hash: H256, block_hash: H256, error: NamedDispatchError },
	#[error("transaction {tx_hash:?} was still {last_status} after {waited:?}")]
	Timeout { tx_hash: H256, waited: Duration, last_status: String },
	#[error("not an account (SS58 address, secret URI such as //Alice, or `treasury`): {0}")]
	BadAccount(String),
	#[error("not a secret URI (//Alice, a mnemonic or a 0x-prefixed hex seed)")]
	BadSecret,
	#[error("not an XMBL amount: {0} (a decimal number with at most 12 decimals)")]
	BadAmount(String),
}

/// Parse a decimal XMBL amount ("12", "0.5") into planck (10^-12 XMBL).
pub fn parse_amount(text: &str) -> Result<Balance, ClientError> {
	let bad = || ClientError::BadAmount(text.to_owned());
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	let decimals = TOKEN_DECIMALS as usize;
	if whole.is_empty() && fraction.is_empty()
		|| fraction.len() > decimals
		|| !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
	{
		return Err(bad());
	}
	let whole: Balance = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let fraction: Balance = if fraction.is_empty() {
		0
	} else {
		format!("{fraction:0<decimals$}").parse().map_err(|_| bad())?
	};
	whole
		.checked_mul(10u128.pow(TOKEN_DECIMALS as u32))
		.and_then(|planck| planck.checked_add(fraction))
		.ok_or_else(bad)
}

/// Format planck as a decimal XMBL amount.
pub fn format_amount(planck: Balance) -> String {
	let unit = 10u128.pow(TOKEN_DECIMALS as u32);
	let fraction = format!("{:012}", planck % unit);
	let fraction = fraction.trim_end_matches('0');
	if fraction.is_empty() {
		format!("{}", planck / unit)
	} else {
		format!("{}.{fraction}", planck / unit)
	}
}

/// A signing key from a secret URI (`//Alice`, a mnemonic, a hex seed). The error
/// does not repeat the secret.
pub fn signer(suri: &str) -> Result<sr25519::Pair, ClientError> {
	sr25519::Pair::from_string(suri.trim(), None).map_err(|_| ClientError::BadSecret)
}

/// The owner secret that the keys of `signer`'s encrypted files are derived from
/// (`xmbl_file_format::FileSecret::Owner`, with each file's salt): the sr25519 secret key,
/// which the same secret URI gives on every machine, so the owner needs nothing else to
/// read its files anywhere.
pub fn owner_secret(signer: &sr25519::Pair) -> Zeroizing<Vec<u8>> {
	Zeroizing::new(signer.to_raw_vec())
}

/// An account from an SS58 address, a secret URI, or `treasury`.
pub fn account(text: &str) -> Result<AccountId, ClientError> {
	if text == "treasury" {
		return Ok(xmbl_runtime::configs::TreasuryAccount::get());
	}
	AccountId::from_ss58check(text)
		.or_else(|_| signer(text).map(|pair| pair.public().into()))
		.map_err(|_| ClientError::BadAccount(text.to_owned()))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_round_trip_and_reject_garbage() {
		assert_eq!(parse_amount("1").unwrap(), 1_000_000_000_000);
		assert_eq!(parse_amount("0.5").unwrap(), 500_000_000_000);
		assert_eq!(parse_amount(".5").unwrap(), 500_000_000_000);
		assert_eq!(parse_amount("100.000000000001").unwrap(), 100_000_000_000_001);
		assert_eq!(format_amount(100_000_000_000_001), "100.000000000001");
		assert_eq!(format_amount(2_500_000_000_000), "2.5");
		assert_eq!(format_amount(0), "0");
		for bad in [
			"",
			".",
			"1.2.3",
			"-1",
			"1e5",
			"0.0000000000001",
			"abc",
			" 1",
			"340282366920938463463374607431768211456",
		] {
			assert!(parse_amount(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn accounts_from_addresses_uris_and_the_treasury() {
		let alice = account("//Alice").unwrap();
		assert_eq!(account(&alice.to_ss58check()).unwrap(), alice);
		assert_eq!(account("treasury").unwrap(), xmbl_runtime::configs::TreasuryAccount::get());
		assert!(account("not an account").is_err());
	}

	#[test]
	fn the_owner_secret_follows_the_secret_uri() {
		let alice = owner_secret(&signer("//Alice").unwrap());
		assert_eq!(alice, owner_secret(&signer("//Alice").unwrap()));
		assert_ne!(alice, owner_secret(&signer("//Alice//1").unwrap()));
		assert_ne!(alice, owner_secret(&signer("//Bob").unwrap()));
		assert_eq!(alice.len(), 64);
	}

	#[test]
	fn a_bad_secret_is_not_echoed() {
		let error = signer("my secret words that are not a mnemonic")
			.err()
			.expect("refused")
			.to_string();
		assert!(!error.contains("secret words"), "{error}");
	}
}
