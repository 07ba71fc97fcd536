//! One WebSocket connection to a node: reads, runtime API calls, finalized-head
//! subscriptions, and signed transactions watched through
//! `author_submitAndWatchExtrinsic`. A [`Chain`] may be shared (`Arc<Chain>`) by
//! several tasks: jsonrpsee multiplexes their requests over the one connection.

use crate::{
	metadata::{metadata_hash, Metadata},
	ClientError,
};
use codec::{Decode, DecodeAll, Encode};
use jsonrpsee::{
	core::{
		client::{ClientT, Subscription, SubscriptionClientT},
		params::ArrayParams,
		ClientError as RpcError, DeserializeOwned,
	},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use polkadot_sdk::{
	frame_support::storage::storage_prefix,
	frame_system, pallet_balances,
	sc_transaction_pool_api::TransactionStatus,
	sp_core::{crypto::Ss58Codec, sr25519, Bytes, Pair, H256},
	sp_runtime::{
		generic::Era,
		traits::{BlakeTwo256, Hash as _},
		DispatchError, MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
};
use serde_json::Value;
use std::{sync::OnceLock, time::Duration};
use xmbl_file_format::Manifest;
use xmbl_primitives::{DealId, JobId, ShardDuty};
use xmbl_runtime::{
	AccountId, Balance, BlockNumber, Header, Nonce, Runtime, RuntimeCall, RuntimeEvent,
	SignedPayload, UncheckedExtrinsic,
};

/// An event as stored in `System::Events`, with the phase that emitted it.
pub type EventRecord = frame_system::EventRecord<RuntimeEvent, H256>;

/// Blocks a transaction stays valid after the block it was built on (its mortal era).
/// A transaction that is not included within them can never be included later.
pub const MORTALITY: u64 = 64;

/// How far below the best block a transaction's era starts when finality lags by more:
/// deep enough that no BABE fork reorganises it away, which would make the era's birth
/// block unknown to the chain the transaction is checked on ("ancient birth block").
const ERA_DEPTH: u32 = 16;

/// How long to wait for a node to accept the WebSocket connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How far [`Chain::submit`] follows a transaction before it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
	/// Return once the node's pool accepted the transaction.
	None,
	/// Return once the transaction is in a block of the best chain.
	InBlock,
	/// Return once the block that includes the transaction is finalized.
	Finalized,
}

/// A step in a transaction's life, as the node reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
	/// Signed and sent; the hash identifies the transaction from now on.
	Submitted { tx_hash: H256 },
	/// In the pool, waiting for an earlier nonce.
	Future,
	/// In the pool, ready for a block.
	Ready,
	/// Gossiped to other nodes.
	Broadcast,
	/// In block `block_hash` (not final yet).
	InBlock { block_hash: H256 },
	/// The block was retracted by a reorg; the transaction goes back to the pool.
	Retracted { block_hash: H256 },
	/// Final in `block_hash`.
	Finalized { block_hash: H256 },
}

/// A transaction's result.
#[derive(Debug)]
pub struct Submitted {
	pub tx_hash: H256,
	/// Where it was included, when the wait asked for a block.
	pub included: Option<Included>,
}

/// A transaction in a block that dispatched successfully.
#[derive(Debug)]
pub struct Included {
	pub block_hash: H256,
	pub block_number: u32,
	/// Whether that block was final when the client returned.
	pub finalized: bool,
	/// The events the transaction emitted.
	pub events: Vec<RuntimeEvent>,
}

/// A connection to a node of an XMBL chain whose runtime encodes calls as the one this
/// client was built with.
pub struct Chain {
	rpc: WsClient,
	url: String,
	genesis: H256,
	metadata: OnceLock<Metadata>,
	/// The spec version transactions were last signed for and its metadata hash: computed
	/// again only when a runtime upgrade changes the version.
	signing_for: std::sync::Mutex<Option<(u32, [u8; 32])>>,
}

/// Check a node's `ws://` or `wss://` URL (`http(s)://` is taken to mean the same
/// port's WebSocket, which every node serves).
pub fn node_url(text: &str) -> Result<String, ClientError> {
	let bad = || ClientError::BadUrl(text.to_owned());
	let mut url = url::Url::parse(text).map_err(|_| bad())?;
	let scheme = match url.scheme() {
		"ws" | "http" => "ws",
		"wss" | "https" => "wss",
		_ => return Err(bad()),
	};
	url.set_scheme(scheme).map_err(|_| bad())?;
	if url.host_str().is_none_or(str::is_empty) || url.query().is_some() {
		return Err(bad());
	}
	Ok(url.into())
}

/// Refuse a node whose runtime encodes calls or transaction extensions otherwise than the
/// one this client was built with: the same call index can mean another call there. A
/// runtime upgrade that keeps them keeps its `transaction_version` (the FRAME rule for
/// bumping it), so any `spec_version` of this chain is accepted, and [`Chain`] signs for
/// the version the node runs.
pub fn check_runtime_version(node: &RuntimeVersion) -> Result<(), ClientError> {
	let ours = &xmbl_runtime::VERSION;
	if node.spec_name != ours.spec_name || node.transaction_version != ours.transaction_version {
		return Err(ClientError::RuntimeMismatch {
			client: describe_version(ours),
			node: describe_version(node),
		});
	}
	Ok(())
}

fn describe_version(version: &RuntimeVersion) -> String {
	format!(
		"{} spec {} transaction {}",
		version.spec_name, version.spec_version, version.transaction_version
	)
}

impl Chain {
	/// Connect to the node at `url` and check that it runs this client's runtime.
	pub async fn connect(url: &str) -> Result<Self, ClientError> {
		let url = node_url(url)?;
		let rpc = WsClientBuilder::default()
			.connection_timeout(CONNECT_TIMEOUT)
			.build(&url)
			.await
			.map_err(|error| ClientError::Unreachable {
				url: url.clone(),
				error: error.to_string(),
			})?;
		let mut chain = Chain {
			rpc,
			url,
			genesis: H256::zero(),
			metadata: OnceLock::new(),
			signing_for: std::sync::Mutex::new(None),
		};
		let version: RuntimeVersion =
			chain.request("state_getRuntimeVersion", rpc_params![]).await?;
		check_runtime_version(&version)?;
		chain.genesis = chain
			.request::<Option<H256>>("chain_getBlockHash", rpc_params![0])
			.await?
			.ok_or_else(|| ClientError::Decode { what: "genesis hash", error: "none".into() })?;
		Ok(chain)
	}

	/// The runtime's metadata as this client was built with it.
	pub fn metadata(&self) -> &Metadata {
		self.metadata.get_or_init(Metadata::of_runtime)
	}

	/// Call a JSON-RPC method.
	pub async fn request<T: DeserializeOwned>(
		&self,
		method: &str,
		params: ArrayParams,
	) -> Result<T, ClientError> {
		self.rpc
			.request(method, params)
			.await
			.map_err(|error| self.rpc_error(method, error))
	}

	fn rpc_error(&self, method: &str, error: RpcError) -> ClientError {
		match error {
			RpcError::Call(error) => ClientError::Rpc {
				method: method.to_owned(),
				code: error.code(),
				message: error.message().to_owned(),
				data: error.data().map(|data| data.get().to_owned()),
			},
			RpcError::ParseError(error) => {
				ClientError::Decode { what: "JSON-RPC reply", error: format!("{method}: {error}") }
			},
			RpcError::RequestTimeout => ClientError::Unreachable {
				url: self.url.clone(),
				error: "request timed out".into(),
			},
			other => ClientError::Unreachable { url: self.url.clone(), error: other.to_string() },
		}
	}

	/// Whether the node runs a development chain (where `//Alice` may sign by default).
	pub async fn is_development(&self) -> Result<bool, ClientError> {
		let chain_type: Value = self.request("system_chainType", rpc_params![]).await?;
		Ok(chain_type == "Development")
	}

	/// Raw storage at `key` in block `at` (the best block if `None`), if any.
	pub async fn storage(
		&self,
		key: &[u8],
		at: Option<H256>,
	) -> Result<Option<Vec<u8>>, ClientError> {
		let value: Option<Bytes> =
			self.request("state_getStorage", rpc_params![Bytes(key.to_vec()), at]).await?;
		Ok(value.map(|bytes| bytes.0))
	}

	/// Storage at `key` decoded as `T`, if present.
	pub async fn storage_value<T: Decode>(
		&self,
		key: &[u8],
		what: &'static str,
	) -> Result<Option<T>, ClientError> {
		self.storage(key, None)
			.await?
			.map(|bytes| {
				T::decode(&mut &bytes[..])
					.map_err(|error| ClientError::Decode { what, error: error.to_string() })
			})
			.transpose()
	}

	/// An account's balances.
	pub async fn account(&self, who: &AccountId) -> Result<AccountBalances, ClientError> {
		let key = frame_system::Account::<Runtime>::hashed_key_for(who);
		let info = self
			.storage_value::<frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>>(
				&key, "account",
			)
			.await?
			.unwrap_or_default();
		Ok(AccountBalances {
			free: info.data.free,
			reserved: info.data.reserved,
			frozen: info.data.frozen,
		})
	}

	/// A provider's record, if it is registered.
	pub async fn provider(
		&self,
		who: &AccountId,
	) -> Result<Option<pallet_xmbl_providers::ProviderRecord<Runtime>>, ClientError> {
		let key = pallet_xmbl_providers::Providers::<Runtime>::hashed_key_for(who);
		self.storage_value(&key, "provider record").await
	}

	/// The endpoint a provider registered (where its shard server is reached), or `None`
	/// if it is not registered.
	pub async fn provider_endpoint(&self, who: &AccountId) -> Result<Option<String>, ClientError> {
		Ok(self
			.provider(who)
			.await?
			.map(|record| String::from_utf8_lossy(&record.endpoint).into_owned()))
	}

	/// The header of the best block.
	pub async fn best_header(&self) -> Result<Header, ClientError> {
		self.request("chain_getHeader", rpc_params![]).await
	}

	/// The header of the last finalized block.
	pub async fn finalized_head(&self) -> Result<Header, ClientError> {
		let hash: H256 = self.request("chain_getFinalizedHead", rpc_params![]).await?;
		self.header(hash).await
	}

	/// The header of block `hash`.
	pub async fn header(&self, hash: H256) -> Result<Header, ClientError> {
		self.request::<Option<Header>>("chain_getHeader", rpc_params![hash])
			.await?
			.ok_or_else(|| ClientError::Decode {
				what: "block header",
				error: format!("the node has no block {hash:?}"),
			})
	}

	/// Headers of new best blocks, as the node imports them (`chain_subscribeNewHeads`),
	/// whether or not finality follows. The stream ends when the connection does.
	pub async fn best_heads(&self) -> Result<Subscription<Header>, ClientError> {
		self.rpc
			.subscribe("chain_subscribeNewHeads", rpc_params![], "chain_unsubscribeNewHeads")
			.await
			.map_err(|error| self.rpc_error("chain_subscribeNewHeads", error))
	}

	/// The events of block `at`.
	pub async fn events(&self, at: H256) -> Result<Vec<EventRecord>, ClientError> {
		let key = storage_prefix(b"System", b"Events");
		let bytes = self.storage(&key, Some(at)).await?.unwrap_or_default();
		Vec::<EventRecord>::decode(&mut &bytes[..])
			.map_err(|error| ClientError::Decode { what: "events", error: error.to_string() })
	}

	/// Calls runtime API `method` (`Api_function`, such as
	/// `StorageMarketApi_provider_duties`) with the SCALE-encoded `args` in block `at`
	/// (the best block if `None`) through `state_call`, and decodes the whole reply as
	/// `T` (`what` names it in errors).
	pub async fn runtime_call<T: Decode>(
		&self,
		method: &str,
		args: &[u8],
		at: Option<H256>,
		what: &'static str,
	) -> Result<T, ClientError> {
		let reply: Bytes = self
			.request("state_call", rpc_params![method, Bytes(args.to_vec()), at])
			.await?;
		T::decode_all(&mut &reply[..])
			.map_err(|error| ClientError::Decode { what, error: error.to_string() })
	}

	/// Every shard assigned to `provider` and what is due for it, in block `at`.
	pub async fn provider_duties(
		&self,
		provider: &AccountId,
		at: Option<H256>,
	) -> Result<Vec<ShardDuty<BlockNumber>>, ClientError> {
		self.runtime_call(
			"StorageMarketApi_provider_duties",
			&provider.encode(),
			at,
			"provider duties",
		)
		.await
	}

	/// A live deal and its manifest in block `at`, or `None` if there is no live deal
	/// `deal` (never made, or ended, cancelled or failed).
	pub async fn deal(
		&self,
		deal: DealId,
		at: Option<H256>,
	) -> Result<Option<(pallet_xmbl_storage::Deal<Runtime>, Manifest)>, ClientError> {
		self.runtime_call::<Option<xmbl_runtime::apis::DealView>>(
			"StorageMarketApi_deal",
			&deal.encode(),
			at,
			"deal",
		)
		.await
	}

	/// The live deals `owner` made, in id order, in block `at`.
	pub async fn deals_of(
		&self,
		owner: &AccountId,
		at: Option<H256>,
	) -> Result<Vec<DealId>, ClientError> {
		self.runtime_call("StorageMarketApi_deals_of", &owner.encode(), at, "deals")
			.await
	}

	/// Compute job `job` in block `at`, or `None` if it is not open nor retained (never
	/// submitted, or pruned `OutputRetention` blocks after it ended).
	pub async fn job(
		&self,
		job: JobId,
		at: Option<H256>,
	) -> Result<Option<xmbl_runtime::apis::JobView>, ClientError> {
		self.runtime_call("ComputeMarketApi_job", &job.encode(), at, "job").await
	}

	/// The final result of compute job `job` in block `at`, while it is retained.
	pub async fn job_result(
		&self,
		job: JobId,
		at: Option<H256>,
	) -> Result<Option<xmbl_runtime::apis::JobResultView>, ClientError> {
		self.runtime_call("ComputeMarketApi_job_result", &job.encode(), at, "job result")
			.await
	}

	/// The open or retained compute jobs `client` submitted, in id order, in block `at`.
	pub async fn jobs_of(
		&self,
		client: &AccountId,
		at: Option<H256>,
	) -> Result<Vec<JobId>, ClientError> {
		self.runtime_call("ComputeMarketApi_jobs_of", &client.encode(), at, "jobs")
			.await
	}

	/// Sign `call` with `signer` as a transaction valid for [`MORTALITY`] blocks, submit
	/// it and follow it as far as `wait` asks, reporting each step to `progress`. The
	/// nonce is the account's next one (pending transactions included) unless given,
	/// as when replacing a pending transaction.
	///
	/// A transaction the pool refuses (bad nonce, no funds for the fee) fails at once
	/// with [`ClientError::Invalid`]; one dropped or found invalid later with
	/// [`ClientError::NotIncluded`]; a call that fails on chain with
	/// [`ClientError::Dispatch`]; a wait longer than `timeout` with
	/// [`ClientError::Timeout`], which names the transaction so it can be looked up.
	pub async fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		nonce: Option<Nonce>,
		wait: Wait,
		timeout: Duration,
		mut progress: impl FnMut(&Progress),
	) -> Result<Submitted, ClientError> {
		let extrinsic = self.sign(signer, call, nonce).await?;
		let tx_hash = BlakeTwo256::hash(&extrinsic);
		let refused =
			|chain: &Self, error: RpcError, method: &str| match chain.rpc_error(method, error) {
				ClientError::Rpc { message, data, .. } => {
					ClientError::Invalid { tx_hash, reason: data.unwrap_or(message) }
				},
				other => other,
			};

		if wait == Wait::None {
			self.rpc
				.request::<H256, _>("author_submitExtrinsic", rpc_params![Bytes(extrinsic)])
				.await
				.map_err(|error| refused(self, error, "author_submitExtrinsic"))?;
			progress(&Progress::Submitted { tx_hash });
			return Ok(Submitted { tx_hash, included: None });
		}

		let mut statuses = self
			.rpc
			.subscribe::<TransactionStatus<H256, H256>, _>(
				"author_submitAndWatchExtrinsic",
				rpc_params![Bytes(extrinsic)],
				"author_unwatchExtrinsic",
			)
			.await
			.map_err(|error| refused(self, error, "author_submitAndWatchExtrinsic"))?;
		progress(&Progress::Submitted { tx_hash });

		let mut last = "submitted";
		let follow = async {
			loop {
				let status = match statuses.next().await {
					Some(Ok(status)) => status,
					Some(Err(error)) => {
						return Err(ClientError::Decode {
							what: "transaction status",
							error: error.to_string(),
						})
					},
					None => {
						return Err(ClientError::NotIncluded {
							tx_hash,
							reason: "the node closed the subscription".into(),
						})
					},
				};
				let not_included =
					|reason: &str| Err(ClientError::NotIncluded { tx_hash, reason: reason.into() });
				match status {
					TransactionStatus::Future => {
						last = "future";
						progress(&Progress::Future)
					},
					TransactionStatus::Ready => {
						last = "ready";
						progress(&Progress::Ready)
					},
					TransactionStatus::Broadcast(_) => progress(&Progress::Broadcast),
					TransactionStatus::InBlock((block_hash, _)) => {
						last = "in a block";
						progress(&Progress::InBlock { block_hash });
						if wait == Wait::InBlock {
							return self.included(tx_hash, block_hash, false).await;
						}
					},
					TransactionStatus::Retracted(block_hash) => {
						last = "retracted";
						progress(&Progress::Retracted { block_hash })
					},
					TransactionStatus::Finalized((block_hash, _)) => {
						progress(&Progress::Finalized { block_hash });
						return self.included(tx_hash, block_hash, true).await;
					},
					TransactionStatus::FinalityTimeout(_) => {
						return not_included("the node stopped watching it for finality")
					},
					TransactionStatus::Usurped(_) => {
						return not_included("replaced by another transaction with the same nonce")
					},
					TransactionStatus::Dropped => {
						return not_included("dropped from the node's pool")
					},
					TransactionStatus::Invalid => {
						return not_included("became invalid before it was included")
					},
				}
			}
		};
		match tokio::time::timeout(timeout, follow).await {
			Ok(result) => result.map(|included| Submitted { tx_hash, included: Some(included) }),
			Err(_) => {
				Err(ClientError::Timeout { tx_hash, waited: timeout, last_status: last.into() })
			},
		}
	}

	/// The block a new transaction's mortal era starts at ([`era_birth`]).
	async fn era_block(&self, best: &Header) -> Result<Header, ClientError> {
		let finalized = self.finalized_head().await?;
		let birth = era_birth(best.number, finalized.number);
		if birth == finalized.number {
			return Ok(finalized);
		}
		let hash: Option<H256> = self.request("chain_getBlockHash", rpc_params![birth]).await?;
		match hash {
			Some(hash) => self.header(hash).await,
			None => Ok(finalized),
		}
	}

	/// The spec version and the metadata hash a transaction must sign to be valid on top of
	/// block `best`: those of the runtime the node runs there, which a `system.setCode` may
	/// have changed since this client was built. Fails with [`ClientError::RuntimeMismatch`]
	/// if that runtime encodes calls otherwise.
	async fn signing_runtime(&self, best: H256) -> Result<(u32, [u8; 32]), ClientError> {
		let version: RuntimeVersion =
			self.request("state_getRuntimeVersion", rpc_params![best]).await?;
		check_runtime_version(&version)?;
		let cached = *self.signing_for.lock().expect("not poisoned");
		if let Some((spec_version, hash)) = cached.filter(|(v, _)| *v == version.spec_version) {
			return Ok((spec_version, hash));
		}
		let hash = if version.spec_version == xmbl_runtime::VERSION.spec_version {
			self.metadata().hash()
		} else {
			let opaque: Option<Vec<u8>> = self
				.runtime_call(
					"Metadata_metadata_at_version",
					&15u32.encode(),
					Some(best),
					"metadata",
				)
				.await?;
			let opaque = opaque.ok_or_else(|| ClientError::Decode {
				what: "metadata",
				error: "the node's runtime has no metadata V15".into(),
			})?;
			metadata_hash(&opaque, version.spec_version)
				.map_err(|error| ClientError::Decode { what: "metadata", error })?
		};
		*self.signing_for.lock().expect("not poisoned") = Some((version.spec_version, hash));
		Ok((version.spec_version, hash))
	}

	/// The signed extrinsic: mortal from [`Chain::era_block`], for the runtime the node
	/// runs at its best block ([`Chain::signing_runtime`]); both read the same best header.
	async fn sign(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		nonce: Option<Nonce>,
	) -> Result<Vec<u8>, ClientError> {
		let account: AccountId = signer.public().into();
		let nonce: Nonce = match nonce {
			Some(nonce) => nonce,
			None => {
				self.request("system_accountNextIndex", rpc_params![account.to_ss58check()])
					.await?
			},
		};
		let best = self.best_header().await?;
		let (spec_version, metadata_hash) = self.signing_runtime(best.hash()).await?;
		let birth = self.era_block(&best).await?;
		let runtime = SigningRuntime { genesis: self.genesis, spec_version, metadata_hash };
		Ok(sign_transaction(signer, call, nonce, &runtime, (birth.number, birth.hash())))
	}

	/// The outcome of transaction `tx_hash` in block `block_hash`.
	async fn included(
		&self,
		tx_hash: H256,
		block_hash: H256,
		finalized: bool,
	) -> Result<Included, ClientError> {
		let block: Value = self.request("chain_getBlock", rpc_params![block_hash]).await?;
		let header: Header =
			serde_json::from_value(block["block"]["header"].clone()).map_err(|error| {
				ClientError::Decode { what: "block header", error: error.to_string() }
			})?;
		let extrinsics: Vec<Bytes> =
			serde_json::from_value(block["block"]["extrinsics"].clone()).map_err(|error| {
				ClientError::Decode { what: "block body", error: error.to_string() }
			})?;
		let index = extrinsics
			.iter()
			.position(|extrinsic| BlakeTwo256::hash(extrinsic) == tx_hash)
			.ok_or_else(|| ClientError::Decode {
				what: "block body",
				error: format!("transaction {tx_hash:?} is not in block {block_hash:?}"),
			})?;

		let records = self.events(block_hash).await?;
		let events = transaction_events(records, index as u32)
			.map_err(|error| dispatch_failed(self.metadata(), tx_hash, block_hash, &error))?;
		Ok(Included { block_hash, block_number: header.number, finalized, events })
	}
}

/// The block number a new transaction's mortal era starts at, given the best and the
/// finalized block numbers: the finalized block, or, while finality lags more than
/// [`ERA_DEPTH`] blocks, the best chain's block that deep. Never the best block itself: BABE's
/// fork choice follows primary slots, so the best chain can switch to a fork that does not
/// contain it.
pub fn era_birth(best: BlockNumber, finalized: BlockNumber) -> BlockNumber {
	if best.saturating_sub(finalized) <= ERA_DEPTH {
		finalized
	} else {
		best - ERA_DEPTH
	}
}

/// The runtime a transaction is signed for: the chain's genesis, and the spec version and
/// metadata hash of the runtime at the best block (which a `system.setCode` may have changed
/// since this code was built).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningRuntime {
	pub genesis: H256,
	pub spec_version: u32,
	pub metadata_hash: [u8; 32],
}

/// `call` signed by `signer` with `nonce`, as a transaction valid for [`MORTALITY`] blocks
/// from `birth` (number and hash), encoded as the pool takes it. One signing routine for the
/// client over RPC and the node's provider service in-process.
pub fn sign_transaction(
	signer: &sr25519::Pair,
	call: RuntimeCall,
	nonce: Nonce,
	runtime: &SigningRuntime,
	birth: (BlockNumber, H256),
) -> Vec<u8> {
	let era = Era::mortal(MORTALITY, birth.0.into());
	let tx_extension = xmbl_runtime::tx_extension(nonce, 0, era);
	let implicit = xmbl_runtime::tx_implicit(
		runtime.spec_version,
		runtime.genesis,
		birth.1,
		runtime.metadata_hash,
	);
	let payload = SignedPayload::from_raw(call.clone(), tx_extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(signer.public().into()),
		MultiSignature::Sr25519(signature),
		tx_extension,
	)
	.encode()
}

/// The events of the transaction at `index` in a block whose events are `records`, or the
/// error it failed with (`System.ExtrinsicFailed`).
pub fn transaction_events(
	records: Vec<EventRecord>,
	index: u32,
) -> Result<Vec<RuntimeEvent>, DispatchError> {
	let events: Vec<RuntimeEvent> = records
		.into_iter()
		.filter(|record| record.phase == frame_system::Phase::ApplyExtrinsic(index))
		.map(|record| record.event)
		.collect();
	for event in &events {
		if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
			dispatch_error, ..
		}) = event
		{
			return Err(*dispatch_error);
		}
	}
	Ok(events)
}

/// [`ClientError::Dispatch`] for transaction `tx_hash`, failed with `error` in `block_hash`.
pub fn dispatch_failed(
	metadata: &Metadata,
	tx_hash: H256,
	block_hash: H256,
	error: &DispatchError,
) -> ClientError {
	ClientError::Dispatch { tx_hash, block_hash, error: metadata.dispatch_error(error) }
}

/// Free, reserved (held) and frozen balance of an account, in planck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountBalances {
	pub free: Balance,
	pub reserved: Balance,
	pub frozen: Balance,
}

/// A dispatch error named through the runtime's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedDispatchError {
	/// `Pallet.Error` for module errors (`Providers.StakeBelowMinimum`), otherwise the
	/// error's kind (`BadOrigin`, `Token.FundsUnavailable`).
	pub name: String,
	/// The error's documentation, if the runtime has one.
	pub description: String,
}

impl NamedDispatchError {
	pub(crate) fn other(error: &DispatchError) -> Self {
		let name = match error {
			DispatchError::Token(token) => format!("Token.{token:?}"),
			DispatchError::Arithmetic(arithmetic) => format!("Arithmetic.{arithmetic:?}"),
			DispatchError::Transactional(transactional) => {
				format!("Transactional.{transactional:?}")
			},
			other => format!("{other:?}"),
		};
		NamedDispatchError { name, description: String::new() }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn node_urls() {
		assert_eq!(node_url("ws://127.0.0.1:9944").unwrap(), "ws://127.0.0.1:9944/");
		assert_eq!(node_url("wss://rpc.example.org").unwrap(), "wss://rpc.example.org/");
		assert_eq!(
			node_url("wss://rpc.example.org:443/xmbl").unwrap(),
			"wss://rpc.example.org/xmbl"
		);
		assert_eq!(node_url("http://localhost:9944").unwrap(), "ws://localhost:9944/");
		assert_eq!(node_url("https://localhost:9944").unwrap(), "wss://localhost:9944/");
		for bad in [
			"127.0.0.1:9944",
			"ftp://host:1",
			"ws://",
			"not a url",
			"ws://host:1/?q=1",
			"ws://host:99999",
		] {
			assert!(node_url(bad).is_err(), "{bad}");
		}
	}

	/// A node that answers what [`a_chain_is_shared_by_tasks`] reads: the runtime version
	/// this client was built for, genesis, best header number `BEST`, no storage, no duties,
	/// no deal 0, `deals_of` = [`DEALS`], no job, [`final_result`] for every job, `jobs_of` =
	/// [`JOBS`], and one new head.
	async fn stub_node() -> (String, jsonrpsee::server::ServerHandle) {
		use jsonrpsee::{
			server::{RpcModule, Server, SubscriptionMessage},
			types::ErrorObjectOwned,
		};
		let header = Header {
			parent_hash: H256::repeat_byte(2),
			number: BEST,
			state_root: H256::zero(),
			extrinsics_root: H256::zero(),
			digest: Default::default(),
		};
		let header = serde_json::to_value(&header).unwrap();
		let mut module = RpcModule::new(());
		let version = serde_json::to_value(xmbl_runtime::VERSION).unwrap();
		module
			.register_method("state_getRuntimeVersion", move |_, _, _| version.clone())
			.unwrap();
		let genesis = serde_json::to_value(H256::repeat_byte(1)).unwrap();
		module
			.register_method("chain_getBlockHash", move |_, _, _| genesis.clone())
			.unwrap();
		let best = header.clone();
		module.register_method("chain_getHeader", move |_, _, _| best.clone()).unwrap();
		module.register_method("state_getStorage", |_, _, _| Value::Null).unwrap();
		module
			.register_method("state_call", |params, _, _| {
				let (method, _, _): (String, Bytes, Option<H256>) = params.parse()?;
				let reply = match method.as_str() {
					"StorageMarketApi_provider_duties" => {
						Vec::<ShardDuty<BlockNumber>>::new().encode()
					},
					"StorageMarketApi_deal" => None::<xmbl_runtime::apis::DealView>.encode(),
					"StorageMarketApi_deals_of" => DEALS.to_vec().encode(),
					"ComputeMarketApi_job" => None::<pallet_xmbl_compute::Job<Runtime>>.encode(),
					"ComputeMarketApi_job_result" => Some(final_result()).encode(),
					"ComputeMarketApi_jobs_of" => JOBS.to_vec().encode(),
					other => {
						return Err(ErrorObjectOwned::owned(-32601, other.to_owned(), None::<()>))
					},
				};
				Ok::<_, ErrorObjectOwned>(Bytes(reply))
			})
			.unwrap();
		module
			.register_subscription(
				"chain_subscribeNewHeads",
				"chain_newHead",
				"chain_unsubscribeNewHeads",
				move |_, pending, _, _| {
					let head = header.clone();
					async move {
						let Ok(sink) = pending.accept().await else { return };
						let _ = sink.send(SubscriptionMessage::from_json(&head).unwrap()).await;
					}
				},
			)
			.unwrap();
		let server = Server::builder().build("127.0.0.1:0").await.unwrap();
		let url = format!("ws://{}", server.local_addr().unwrap());
		(url, server.start(module))
	}

	const BEST: BlockNumber = 7;
	const DEALS: [DealId; 2] = [3, 5];
	const JOBS: [JobId; 3] = [0, 4, 9];

	/// The final result the stub node serves for every job.
	fn final_result() -> pallet_xmbl_compute::FinalResult<Runtime> {
		pallet_xmbl_compute::FinalResult {
			result: xmbl_primitives::JobResult {
				kind: xmbl_primitives::JobOutcomeKind::Success,
				fuel_used: 6_687,
				output: xmbl_primitives::JobOutput::Inline(
					b"4 12 64\n".to_vec().try_into().expect("within MaxInlineOutput"),
				),
			},
			at: 12,
		}
	}

	/// The reads a provider service runs on tasks of its own, each on a spawned task of a
	/// multi-threaded runtime sharing one `Arc<Chain>`. Fails to compile if `Chain` or one of
	/// these futures is not `Send + 'static`-spawnable; fails at run time if a read's reply
	/// is decoded into anything but what the node sent.
	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_chain_is_shared_by_tasks() {
		let (url, _server) = stub_node().await;
		let chain = std::sync::Arc::new(Chain::connect(&url).await.unwrap());
		let who = AccountId::from([9u8; 32]);
		let (c, w) = (chain.clone(), who.clone());
		let duties = tokio::spawn(async move { c.provider_duties(&w, None).await });
		let (c, w) = (chain.clone(), who.clone());
		let deals = tokio::spawn(async move { c.deals_of(&w, None).await });
		let (c, w) = (chain.clone(), who);
		let endpoint = tokio::spawn(async move { c.provider_endpoint(&w).await });
		let c = chain.clone();
		let deal = tokio::spawn(async move { c.deal(0, None).await });
		let c = chain.clone();
		let job = tokio::spawn(async move { c.job(4, None).await });
		let c = chain.clone();
		let result = tokio::spawn(async move { c.job_result(4, None).await });
		let (c, w) = (chain.clone(), AccountId::from([9u8; 32]));
		let jobs = tokio::spawn(async move { c.jobs_of(&w, None).await });
		let c = chain.clone();
		let best = tokio::spawn(async move { c.best_header().await });
		let c = chain.clone();
		let head = tokio::spawn(async move {
			let mut heads = c.best_heads().await.unwrap();
			heads.next().await.map(|head| head.unwrap().number)
		});
		assert_eq!(best.await.unwrap().unwrap().number, BEST);
		assert_eq!(head.await.unwrap(), Some(BEST));
		assert_eq!(duties.await.unwrap().unwrap(), vec![]);
		assert!(deal.await.unwrap().unwrap().is_none(), "no deal 0");
		assert_eq!(deals.await.unwrap().unwrap(), DEALS);
		assert_eq!(endpoint.await.unwrap().unwrap(), None);
		assert!(job.await.unwrap().unwrap().is_none(), "no job 4");
		assert_eq!(result.await.unwrap().unwrap(), Some(final_result()));
		assert_eq!(jobs.await.unwrap().unwrap(), JOBS);
	}

	/// How it fails: an era born at the best block (a fork switch makes it unknown) or one
	/// that stays at the finalized block through a long stall (the era runs out while the
	/// transaction is still wanted).
	#[test]
	fn eras_start_at_the_finalized_block_or_sixteen_below_the_best() {
		assert_eq!(era_birth(10, 10), 10);
		assert_eq!(era_birth(26, 10), 10);
		assert_eq!(era_birth(27, 10), 11);
		assert_eq!(era_birth(500, 10), 484);
		// A finalized number above the best one (a node syncing a fork) keeps the finalized.
		assert_eq!(era_birth(5, 9), 9);
	}

	/// How it fails: events of another transaction of the block counted as this one's, or a
	/// failed dispatch taken for success.
	#[test]
	fn a_transaction_s_events_are_those_of_its_index_and_a_failure_is_its_error() {
		use frame_system::{Event as SystemEvent, Phase};
		let record = |index, event| EventRecord {
			phase: Phase::ApplyExtrinsic(index),
			event: RuntimeEvent::System(event),
			topics: Vec::new(),
		};
		let info = Default::default();
		let remarked =
			SystemEvent::Remarked { sender: AccountId::from([1; 32]), hash: H256::zero() };
		let records = vec![
			record(0, SystemEvent::ExtrinsicSuccess { dispatch_info: info }),
			record(1, remarked.clone()),
			record(1, SystemEvent::ExtrinsicSuccess { dispatch_info: info }),
			record(
				2,
				SystemEvent::ExtrinsicFailed {
					dispatch_error: DispatchError::BadOrigin,
					dispatch_info: info,
				},
			),
		];
		let events = transaction_events(records.clone(), 1).unwrap();
		assert_eq!(events.len(), 2);
		assert_eq!(events[0], RuntimeEvent::System(remarked));
		assert_eq!(transaction_events(records.clone(), 2), Err(DispatchError::BadOrigin));
		assert_eq!(transaction_events(records, 3).unwrap(), vec![]);
	}

	#[test]
	fn signs_for_upgrades_that_keep_the_call_encoding_only() {
		let ours = xmbl_runtime::VERSION;
		assert!(check_runtime_version(&ours).is_ok());
		let upgraded = RuntimeVersion { spec_version: ours.spec_version + 1, ..ours.clone() };
		assert!(check_runtime_version(&upgraded).is_ok());
		let other_tx =
			RuntimeVersion { transaction_version: ours.transaction_version + 1, ..ours.clone() };
		let error = check_runtime_version(&other_tx).unwrap_err();
		let ClientError::RuntimeMismatch { client, node } = &error else { panic!("{error}") };
		assert_eq!(client, "xmbl spec 100 transaction 1");
		assert_eq!(node, "xmbl spec 100 transaction 2");
		let other_chain = RuntimeVersion { spec_name: "polkadot".into(), ..ours };
		assert!(matches!(
			check_runtime_version(&other_chain),
			Err(ClientError::RuntimeMismatch { .. })
		));
	}
}
