//! Client library of XMBL: signs and submits extrinsics, reads storage and calls
//! runtime APIs over one WebSocket connection to any node (`ws://` or `wss://`), using
//! the runtime's own types, so that calls, keys and records cannot drift from the chain
//! it talks to; it refuses a node that runs another runtime version. [`shards`] moves
//! storage shards to and from providers over HTTP, [`fetch`] gets `k` of a deal's shards
//! (for `xmbl get` and the node's repairs), [`outputs`] gets a compute job's kept output from
//! a worker, and [`retry`] is the policy they retry transfers by. The `xmbl` binary is a CLI
//! on top.

pub mod chain;
pub mod fetch;
pub mod metadata;
pub mod outputs;
pub mod retry;
pub mod shard_requests;
pub mod shards;

pub use chain::{
	check_runtime_version, node_url, AccountBalances, Chain, EventRecord, Included,
	NamedDispatchError, Progress, Submitted, Wait, MORTALITY,
};
pub use shards::ShardTransferError;

use polkadot_sdk::sp_core::{
	crypto::{DeriveJunction, Ss58Codec},
	sr25519, Pair, H256,
};
use std::{os::unix::fs::PermissionsExt, path::Path, time::Duration};
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

/// The hard junction under which file keys are derived: the keys of the files stored under
/// secret URI `S` come from the secret of `S//xmbl-file-key`.
pub const FILE_KEY_JUNCTION: &str = "xmbl-file-key";

/// The owner secret that the keys of encrypted files are derived from
/// (`xmbl_file_format::FileSecret::Owner`, with each file's salt): the sr25519 secret of the
/// hard child [`FILE_KEY_JUNCTION`] of `root` (the signer, or the key of `--file-key-suri`),
/// never a key that signs transactions. The same secret URI gives it on every machine, so
/// the owner needs nothing else to read its files anywhere.
pub fn owner_secret(root: &sr25519::Pair) -> Zeroizing<Vec<u8>> {
	let junction = DeriveJunction::hard(FILE_KEY_JUNCTION);
	let (child, _) = root
		.derive(std::iter::once(junction), None)
		.expect("sr25519 derives every hard junction");
	Zeroizing::new(child.to_raw_vec())
}

/// The first line of a file holding a secret URI, trimmed. Refuses a file that group or
/// others may read or write (`chmod 600` fixes it) or whose first line is empty; the
/// message names the file and never repeats its content.
pub fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, String> {
	let file = path.display();
	let mode = std::fs::metadata(path)
		.map_err(|error| format!("cannot read {file}: {error}"))?
		.permissions()
		.mode();
	if mode & 0o077 != 0 {
		return Err(format!(
			"{file} is open to group or others (mode {:o}): run `chmod 600 {file}`",
			mode & 0o777
		));
	}
	let text = Zeroizing::new(
		std::fs::read_to_string(path).map_err(|error| format!("cannot read {file}: {error}"))?,
	);
	let suri = Zeroizing::new(text.lines().next().unwrap_or_default().trim().to_owned());
	if suri.is_empty() {
		return Err(format!("{file} is empty"));
	}
	Ok(suri)
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

	/// Fails if file keys come from the signing secret itself (as before: HKDF over
	/// `to_raw_vec()` of the signer), from another junction, or if the derivation changes:
	/// the pinned key is the one that files stored by `//Alice` with this salt were encrypted
	/// with, so a change would lock owners out of their files.
	#[test]
	fn file_keys_come_from_a_hard_child_of_the_signer_and_never_change() {
		let alice = signer("//Alice").unwrap();
		let secret = owner_secret(&alice);
		assert_eq!(secret.len(), 64);
		assert_ne!(&secret[..], &alice.to_raw_vec()[..], "not the signing secret");
		assert_eq!(&secret[..], &signer("//Alice//xmbl-file-key").unwrap().to_raw_vec()[..]);
		assert_eq!(secret, owner_secret(&signer("//Alice").unwrap()));
		assert_ne!(secret, owner_secret(&signer("//Alice//1").unwrap()));
		assert_ne!(secret, owner_secret(&signer("//Bob").unwrap()));

		let salt = [7u8; 32];
		let old = xmbl_cipher::FileKey::derive(&alice.to_raw_vec(), &salt).unwrap();
		let new = xmbl_cipher::FileKey::derive(&secret, &salt).unwrap();
		assert_ne!(old.as_bytes(), new.as_bytes());
		assert_eq!(hex::encode(new.as_bytes()), PINNED_ALICE_FILE_KEY);
	}

	/// The file key of `//Alice`'s files with salt `[7; 32]`.
	const PINNED_ALICE_FILE_KEY: &str =
		"fc2f9f39127203810cf55d3dab5acacb44508dfe358c22b2adfbc1103c47d58f";

	/// Fails if a secret file that group or others can read (0644, 0640) or write (0620) is
	/// accepted, if a 0600 or 0400 file is refused, or if an error repeats the secret.
	#[test]
	fn secret_files_open_to_other_users_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("alice.suri");
		std::fs::write(&path, "//Alice\nignored\n").unwrap();
		let chmod =
			|mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
		for mode in [0o644, 0o640, 0o620, 0o604, 0o601] {
			chmod(mode);
			let error = read_secret_file(&path).unwrap_err();
			assert_eq!(
				error,
				format!(
					"{0} is open to group or others (mode {mode:o}): run `chmod 600 {0}`",
					path.display()
				)
			);
			assert!(!error.contains("//Alice"), "{error}");
		}
		for mode in [0o600, 0o400] {
			chmod(mode);
			assert_eq!(&read_secret_file(&path).unwrap()[..], "//Alice");
		}
		chmod(0o600);
		std::fs::write(&path, "\n//Alice\n").unwrap();
		assert_eq!(read_secret_file(&path).unwrap_err(), format!("{} is empty", path.display()));
		let missing = dir.path().join("missing");
		assert!(read_secret_file(&missing).unwrap_err().starts_with("cannot read"));
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
