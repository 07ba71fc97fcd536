//! Client library of XMBL: signs and submits extrinsics and reads storage over any
//! node's JSON-RPC, using the runtime's own types (so calls, keys and records can
//! never drift from the chain they talk to). The `xmbl` binary is a thin CLI on top.

pub mod rpc;

use codec::{Decode, Encode};
use polkadot_sdk::{
	frame_support::{storage::storage_prefix, traits::PalletInfo},
	frame_system, pallet_balances, pallet_transaction_payment,
	sp_core::{crypto::Ss58Codec, sr25519, Pair, H256},
	sp_runtime::{generic::Era, DispatchError, MultiAddress, MultiSignature},
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use xmbl_runtime::{
	AccountId, Balance, Nonce, Runtime, RuntimeCall, RuntimeEvent, SignedPayload, TxExtension,
	UncheckedExtrinsic, TOKEN_DECIMALS,
};

pub use rpc::RpcClient;

/// What can go wrong talking to a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
	#[error("not a node URL: {0} (expected ws://host:port or http://host:port)")]
	BadUrl(String),
	#[error("cannot reach the node at {address}: {error}")]
	Unreachable { address: String, error: String },
	#[error("the node's answer is not JSON-RPC: {0}")]
	BadResponse(String),
	#[error("{method} failed: {error}")]
	Rpc { method: String, error: String },
	#[error("cannot decode {what} from the node: {error}")]
	Decode { what: &'static str, error: String },
	#[error("the transaction failed: {0}")]
	Dispatch(String),
	#[error("the transaction was not finalized within {0:?}")]
	Timeout(Duration),
	#[error("not an account (SS58 address, secret URI such as //Alice, or `treasury`): {0}")]
	BadAccount(String),
	#[error("not an XMBL amount: {0} (a decimal number with at most 12 decimals)")]
	BadAmount(String),
}

/// How long [`Chain::submit`] waits for finality.
pub const FINALITY_TIMEOUT: Duration = Duration::from_secs(90);

/// A connection to a node of an XMBL chain.
pub struct Chain {
	rpc: RpcClient,
	genesis: H256,
	spec_version: u32,
	transaction_version: u32,
}

/// A finalized extrinsic: its block and the events it emitted.
#[derive(Debug)]
pub struct Finalized {
	pub block_hash: H256,
	pub block_number: u32,
	pub events: Vec<RuntimeEvent>,
}

fn from_hex<T: Decode>(value: &Value, what: &'static str) -> Result<T, ClientError> {
	let hex = value.as_str().ok_or(ClientError::Decode { what, error: format!("not a string: {value}") })?;
	let bytes = decode_hex(hex).map_err(|error| ClientError::Decode { what, error })?;
	T::decode(&mut &bytes[..]).map_err(|error| ClientError::Decode { what, error: error.to_string() })
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
	let hex = hex.trim_start_matches("0x");
	if !hex.len().is_multiple_of(2) {
		return Err(format!("odd-length hex: {hex}"));
	}
	(0..hex.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string()))
		.collect()
}

fn to_hex(bytes: &[u8]) -> String {
	let mut hex = String::with_capacity(2 + bytes.len() * 2);
	hex.push_str("0x");
	for byte in bytes {
		hex.push_str(&format!("{byte:02x}"));
	}
	hex
}

impl Chain {
	/// Connect to the node at `url` and read what signing needs.
	pub fn connect(url: &str) -> Result<Self, ClientError> {
		let rpc = RpcClient::new(url)?;
		let genesis = from_hex(&rpc.call("chain_getBlockHash", json!([0]))?, "genesis hash")?;
		let version = rpc.call("state_getRuntimeVersion", json!([]))?;
		let number = |field: &str| {
			version[field].as_u64().map(|n| n as u32).ok_or_else(|| ClientError::Decode {
				what: "runtime version",
				error: format!("no {field} in {version}"),
			})
		};
		Ok(Self {
			genesis,
			spec_version: number("specVersion")?,
			transaction_version: number("transactionVersion")?,
			rpc,
		})
	}

	/// The JSON-RPC client.
	pub fn rpc(&self) -> &RpcClient {
		&self.rpc
	}

	/// Raw storage at `key` in block `at` (the best block if `None`), if any.
	pub fn storage(&self, key: &[u8], at: Option<H256>) -> Result<Option<Vec<u8>>, ClientError> {
		let value = self.rpc.call("state_getStorage", json!([to_hex(key), at]))?;
		if value.is_null() {
			return Ok(None);
		}
		let hex = value.as_str().unwrap_or_default();
		decode_hex(hex).map(Some).map_err(|error| ClientError::Decode { what: "storage", error })
	}

	/// An account's balances.
	pub fn account(&self, who: &AccountId) -> Result<AccountBalances, ClientError> {
		let key = frame_system::Account::<Runtime>::hashed_key_for(who);
		let info = match self.storage(&key, None)? {
			Some(bytes) => frame_system::AccountInfo::<Nonce, pallet_balances::AccountData<Balance>>::decode(
				&mut &bytes[..],
			)
			.map_err(|e| ClientError::Decode { what: "account", error: e.to_string() })?,
			None => Default::default(),
		};
		Ok(AccountBalances { free: info.data.free, reserved: info.data.reserved, frozen: info.data.frozen })
	}

	/// A provider's record, if it is registered.
	pub fn provider(
		&self,
		who: &AccountId,
	) -> Result<Option<pallet_xmbl_providers::ProviderRecord<Runtime>>, ClientError> {
		let key = pallet_xmbl_providers::Providers::<Runtime>::hashed_key_for(who);
		self.storage(&key, None)?
			.map(|bytes| {
				Decode::decode(&mut &bytes[..])
					.map_err(|e| ClientError::Decode { what: "provider record", error: e.to_string() })
			})
			.transpose()
	}

	/// Sign `call` with `signer`, submit it, and wait until the block that includes it
	/// is finalized. A call that fails on chain is [`ClientError::Dispatch`].
	pub fn submit(&self, signer: &sr25519::Pair, call: RuntimeCall) -> Result<Finalized, ClientError> {
		let account: AccountId = signer.public().into();
		let nonce: Nonce = serde_json::from_value(
			self.rpc.call("system_accountNextIndex", json!([account.to_ss58check()]))?,
		)
		.map_err(|e| ClientError::Decode { what: "nonce", error: e.to_string() })?;

		let tx_ext: TxExtension = (
			frame_system::AuthorizeCall::new(),
			frame_system::CheckNonZeroSender::new(),
			frame_system::CheckSpecVersion::new(),
			frame_system::CheckTxVersion::new(),
			frame_system::CheckGenesis::new(),
			frame_system::CheckEra::from(Era::Immortal),
			frame_system::CheckNonce::from(nonce),
			frame_system::CheckWeight::new(),
			pallet_transaction_payment::ChargeTransactionPayment::from(0),
			frame_system::WeightReclaim::new(),
		);
		let implicit = (
			(),
			(),
			self.spec_version,
			self.transaction_version,
			self.genesis,
			self.genesis,
			(),
			(),
			(),
			(),
		);
		let payload = SignedPayload::from_raw(call.clone(), tx_ext.clone(), implicit);
		let signature = payload.using_encoded(|bytes| signer.sign(bytes));
		let extrinsic = UncheckedExtrinsic::new_signed(
			call,
			MultiAddress::Id(account),
			MultiSignature::Sr25519(signature),
			tx_ext,
		);
		let encoded = extrinsic.encode();

		let start_number = self.best_number()?;
		self.rpc.call("author_submitExtrinsic", json!([to_hex(&encoded)]))?;
		self.wait_for_finality(&encoded, start_number)
	}

	fn best_number(&self) -> Result<u32, ClientError> {
		let header = self.rpc.call("chain_getHeader", json!([]))?;
		header_number(&header)
	}

	/// Follow the chain from `from` until `extrinsic` is in a finalized block.
	fn wait_for_finality(&self, extrinsic: &[u8], from: u32) -> Result<Finalized, ClientError> {
		let wanted = to_hex(extrinsic);
		let start = Instant::now();
		let mut next = from;
		let mut included: Option<(u32, H256, usize)> = None;
		while start.elapsed() < FINALITY_TIMEOUT {
			if included.is_none() {
				let best = self.best_number()?;
				while next <= best && included.is_none() {
					let hash_value = self.rpc.call("chain_getBlockHash", json!([next]))?;
					let block = self.rpc.call("chain_getBlock", json!([hash_value]))?;
					let position = block["block"]["extrinsics"]
						.as_array()
						.and_then(|list| list.iter().position(|x| x.as_str() == Some(wanted.as_str())));
					if let Some(index) = position {
						included = Some((next, from_hex(&hash_value, "block hash")?, index));
					}
					next += 1;
				}
			}
			if let Some((number, hash, index)) = included {
				let finalized_hash = self.rpc.call("chain_getFinalizedHead", json!([]))?;
				let finalized = header_number(&self.rpc.call("chain_getHeader", json!([finalized_hash]))?)?;
				if finalized >= number {
					let canonical: H256 =
						from_hex(&self.rpc.call("chain_getBlockHash", json!([number]))?, "block hash")?;
					if canonical != hash {
						// A fork dropped our block: look for the extrinsic again.
						included = None;
						next = number;
						continue;
					}
					return self.outcome(number, hash, index);
				}
			}
			std::thread::sleep(Duration::from_millis(500));
		}
		Err(ClientError::Timeout(FINALITY_TIMEOUT))
	}

	/// The events of the extrinsic at `index` of block `hash`, or its dispatch error.
	fn outcome(&self, number: u32, hash: H256, index: usize) -> Result<Finalized, ClientError> {
		let key = storage_prefix(b"System", b"Events");
		let bytes = self.storage(&key, Some(hash))?.unwrap_or_default();
		let records = Vec::<frame_system::EventRecord<RuntimeEvent, H256>>::decode(&mut &bytes[..])
			.map_err(|e| ClientError::Decode { what: "events", error: e.to_string() })?;
		let events: Vec<RuntimeEvent> = records
			.into_iter()
			.filter(|record| record.phase == frame_system::Phase::ApplyExtrinsic(index as u32))
			.map(|record| record.event)
			.collect();
		for event in &events {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) = event {
				return Err(ClientError::Dispatch(describe_dispatch_error(dispatch_error)));
			}
		}
		Ok(Finalized { block_hash: hash, block_number: number, events })
	}
}

fn header_number(header: &Value) -> Result<u32, ClientError> {
	header["number"]
		.as_str()
		.and_then(|hex| u32::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| ClientError::Decode { what: "header", error: header.to_string() })
}

/// A dispatch error, as `Pallet.Error` for the pallets whose errors the client decodes.
pub fn describe_dispatch_error(error: &DispatchError) -> String {
	if let DispatchError::Module(module) = error {
		let index = Some(module.index as usize);
		let bytes = &mut &module.error[..];
		let named = if index == pallet_index::<xmbl_runtime::Balances>() {
			pallet_balances::Error::<Runtime>::decode(bytes)
				.ok()
				.map(|e| (pallet_name::<xmbl_runtime::Balances>(), <&str>::from(e)))
		} else if index == pallet_index::<xmbl_runtime::Providers>() {
			pallet_xmbl_providers::Error::<Runtime>::decode(bytes)
				.ok()
				.map(|e| (pallet_name::<xmbl_runtime::Providers>(), <&str>::from(e)))
		} else {
			None
		};
		if let Some((Some(pallet), name)) = named {
			return format!("{pallet}.{name}");
		}
	}
	format!("{error:?}")
}

/// The index of pallet `P` in the runtime.
fn pallet_index<P: 'static>() -> Option<usize> {
	<Runtime as frame_system::Config>::PalletInfo::index::<P>()
}

/// The name of pallet `P` in the runtime.
fn pallet_name<P: 'static>() -> Option<&'static str> {
	<Runtime as frame_system::Config>::PalletInfo::name::<P>()
}

/// Free, reserved (held) and frozen balance of an account, in planck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountBalances {
	pub free: Balance,
	pub reserved: Balance,
	pub frozen: Balance,
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
	let fraction: Balance =
		if fraction.is_empty() { 0 } else { format!("{fraction:0<decimals$}").parse().map_err(|_| bad())? };
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

/// A signing key from a secret URI (`//Alice`, a mnemonic, a hex seed).
pub fn signer(suri: &str) -> Result<sr25519::Pair, ClientError> {
	sr25519::Pair::from_string(suri, None).map_err(|_| ClientError::BadAccount(suri.to_owned()))
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
		assert_eq!(parse_amount("100.000000000001").unwrap(), 100_000_000_000_001);
		assert_eq!(format_amount(100_000_000_000_001), "100.000000000001");
		assert_eq!(format_amount(2_500_000_000_000), "2.5");
		for bad in ["", ".", "1.2.3", "-1", "1e5", "0.0000000000001", "abc", "340282366920938463463374607431768211456"] {
			assert!(parse_amount(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn accounts_from_addresses_and_uris() {
		let alice = account("//Alice").unwrap();
		assert_eq!(account(&alice.to_ss58check()).unwrap(), alice);
		assert!(account("not an account").is_err());
	}

	#[test]
	fn urls() {
		assert!(RpcClient::new("ws://127.0.0.1:9944").is_ok());
		assert!(RpcClient::new("http://localhost:9944/").is_ok());
		assert!(RpcClient::new("ws://nowhere").is_err());
		assert!(RpcClient::new("ws://host:1/path").is_err());
	}
}
