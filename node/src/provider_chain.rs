//! The chain as the storage provider service and the compute worker read and write it
//! ([`ProviderChain`], [`ComputeChain`]), on this node's own client and transaction pool:
//! best blocks from block import notifications, duties and deals from runtime API calls,
//! provider records and job existence from state, and transactions handed to the pool and
//! followed through its watcher, with one signing and submission routine for both services.
//! Nothing here can disconnect, so nothing needs rebuilding.
//!
//! Transactions are signed for the runtime at the best block: its spec version, and the
//! RFC-0078 hash of its metadata (computed once per spec version). A runtime whose
//! `transaction_version` or name differs from this node's is refused loudly
//! ([`check_runtime_version`]), as its calls may be encoded otherwise.

use crate::service::{FullClient, FullPool};
use codec::Decode;
use futures::{future::BoxFuture, stream::BoxStream, FutureExt, StreamExt};
use polkadot_sdk::{
	frame_support::storage::storage_prefix,
	sc_client_api::{BlockchainEvents, StorageProvider},
	sc_transaction_pool_api::{TransactionPool, TransactionSource, TransactionStatus},
	sp_api::{Core, Metadata as MetadataApi, ProvideRuntimeApi},
	sp_blockchain::HeaderBackend,
	sp_core::{sr25519, storage::StorageKey, Pair, H256},
	sp_runtime::{
		traits::{BlakeTwo256, Hash as _},
		OpaqueExtrinsic,
	},
	substrate_frame_rpc_system::{System, SystemApiServer},
};
use std::{
	sync::{Arc, Mutex},
	time::Duration,
};
use xmbl_client::{
	chain::{dispatch_failed, era_birth, sign_transaction, transaction_events, SigningRuntime},
	check_runtime_version,
	metadata::{metadata_hash, Metadata},
	ClientError, EventRecord,
};
use xmbl_compute_worker::ComputeChain;
use xmbl_primitives::{ComputeMarketApi, DealId, JobId, ShardDuty, StorageMarketApi, WorkerDuty};
use xmbl_runtime::{
	apis::DealView, opaque::Block, AccountId, BlockNumber, Runtime, RuntimeCall, RuntimeEvent,
};
use xmbl_storage_provider::{BlockRef, ChainError, ProviderChain, ProviderRecord};

/// The node's client and pool, as the provider and compute services use them.
pub struct NodeChain {
	client: Arc<FullClient>,
	pool: Arc<FullPool>,
	genesis: H256,
	/// The metadata of the runtime this node was built with, which names dispatch errors.
	metadata: Metadata,
	/// The spec version transactions were last signed for and its metadata hash.
	signing_for: Mutex<Option<(u32, [u8; 32])>>,
}

impl NodeChain {
	pub fn new(client: Arc<FullClient>, pool: Arc<FullPool>) -> Self {
		let genesis = client.info().genesis_hash;
		NodeChain {
			client,
			pool,
			genesis,
			metadata: Metadata::of_runtime(),
			signing_for: Mutex::new(None),
		}
	}

	fn read_error(what: &'static str, at: H256) -> impl FnOnce(String) -> ChainError {
		move |error| ChainError::Read { what, at, error }
	}

	fn block_at(&self, number: BlockNumber) -> Result<BlockRef, ChainError> {
		let hash = self
			.client
			.hash(number)
			.map_err(|error| error.to_string())
			.and_then(|hash| hash.ok_or_else(|| "not on the best chain".to_owned()))
			.map_err(Self::read_error("a block hash", H256::zero()))?;
		Ok(BlockRef { hash, number })
	}

	/// The runtime a transaction on top of `best` signs for.
	fn signing_runtime(&self, best: H256) -> Result<SigningRuntime, ChainError> {
		let api = self.client.runtime_api();
		let version = api
			.version(best)
			.map_err(|error| Self::read_error("the runtime version", best)(error.to_string()))?;
		check_runtime_version(&version)?;
		let cached = *self.signing_for.lock().expect("not poisoned");
		let metadata_hash = match cached.filter(|(spec, _)| *spec == version.spec_version) {
			Some((_, hash)) => hash,
			None if version.spec_version == xmbl_runtime::VERSION.spec_version => {
				self.metadata.hash()
			},
			None => {
				let read = Self::read_error("the runtime's metadata", best);
				let opaque = api
					.metadata_at_version(best, 15)
					.map_err(|error| error.to_string())
					.and_then(|opaque| opaque.ok_or_else(|| "no metadata V15".to_owned()))
					.map_err(read)?;
				metadata_hash(&opaque, version.spec_version)
					.map_err(Self::read_error("the runtime's metadata", best))?
			},
		};
		*self.signing_for.lock().expect("not poisoned") =
			Some((version.spec_version, metadata_hash));
		Ok(SigningRuntime {
			genesis: self.genesis,
			spec_version: version.spec_version,
			metadata_hash,
		})
	}

	/// The events transaction `index` emitted in block `block`.
	fn events_of(
		&self,
		tx_hash: H256,
		block: H256,
		index: usize,
	) -> Result<Vec<RuntimeEvent>, ChainError> {
		let key = StorageKey(storage_prefix(b"System", b"Events").to_vec());
		let read = Self::read_error("the block's events", block);
		let bytes = self
			.client
			.storage(block, &key)
			.map_err(|error| error.to_string())
			.map_err(read)?
			.map(|data| data.0)
			.unwrap_or_default();
		let records = Vec::<EventRecord>::decode(&mut &bytes[..])
			.map_err(|error| Self::read_error("the block's events", block)(error.to_string()))?;
		let index = u32::try_from(index).expect("a block holds fewer than 2^32 transactions");
		transaction_events(records, index)
			.map_err(|error| dispatch_failed(&self.metadata, tx_hash, block, &error).into())
	}

	async fn sign_and_submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		timeout: Duration,
	) -> Result<Vec<RuntimeEvent>, ChainError> {
		let best = self.best()?;
		let runtime = self.signing_runtime(best.hash)?;
		let finalized = self.finalized()?;
		let birth = match era_birth(best.number, finalized.number) {
			number if number == finalized.number => finalized,
			number => self.block_at(number)?,
		};
		// The account's next nonce with its transactions in the pool counted, as
		// `system_accountNextIndex` answers it.
		let account = AccountId::from(signer.public());
		let nonce =
			System::<FullPool, FullClient, Block>::new(self.client.clone(), self.pool.clone())
				.nonce(account)
				.await
				.map_err(|error| {
					Self::read_error("the account's nonce", best.hash)(error.to_string())
				})?;
		let encoded = sign_transaction(signer, call, nonce, &runtime, (birth.number, birth.hash));
		let tx_hash = BlakeTwo256::hash(&encoded);
		let extrinsic = OpaqueExtrinsic::try_from_encoded_extrinsic(&encoded)
			.expect("a signed extrinsic decodes as an opaque one");
		let mut statuses = self
			.pool
			.submit_and_watch(best.hash, TransactionSource::Local, extrinsic)
			.await
			.map_err(|error| ClientError::Invalid { tx_hash, reason: error.to_string() })?;
		let not_included = |reason: &str| {
			ChainError::from(ClientError::NotIncluded { tx_hash, reason: reason.into() })
		};
		let follow = async {
			while let Some(status) = statuses.next().await {
				match status {
					TransactionStatus::InBlock((block, index)) => {
						return self.events_of(tx_hash, block, index)
					},
					TransactionStatus::Usurped(_) => {
						return Err(not_included(
							"replaced by another transaction with the same nonce",
						))
					},
					TransactionStatus::Dropped => {
						return Err(not_included("dropped from the pool"))
					},
					TransactionStatus::Invalid => {
						return Err(not_included("became invalid before it was included"))
					},
					// In a finalized block it was in a best block first; a finality timeout
					// comes after that too.
					TransactionStatus::Finalized(_) | TransactionStatus::FinalityTimeout(_) => {
						return Err(not_included("the pool stopped watching it"))
					},
					TransactionStatus::Future
					| TransactionStatus::Ready
					| TransactionStatus::Broadcast(_)
					| TransactionStatus::Retracted(_) => {},
				}
			}
			Err(not_included("the pool stopped watching it"))
		};
		tokio::time::timeout(timeout, follow).await.unwrap_or_else(|_| {
			Err(ClientError::Timeout { tx_hash, waited: timeout, last_status: "pending".into() }
				.into())
		})
	}
}

impl ProviderChain for NodeChain {
	fn best(&self) -> Result<BlockRef, ChainError> {
		let info = self.client.info();
		Ok(BlockRef { hash: info.best_hash, number: info.best_number })
	}

	fn finalized(&self) -> Result<BlockRef, ChainError> {
		let info = self.client.info();
		Ok(BlockRef { hash: info.finalized_hash, number: info.finalized_number })
	}

	fn best_blocks(&self) -> BoxStream<'static, BlockRef> {
		self.client
			.import_notification_stream()
			.filter_map(|imported| async move {
				imported
					.is_new_best
					.then_some(BlockRef { hash: imported.hash, number: imported.header.number })
			})
			.boxed()
	}

	fn provider_duties(
		&self,
		at: H256,
		provider: &AccountId,
	) -> Result<Vec<ShardDuty<BlockNumber>>, ChainError> {
		self.client
			.runtime_api()
			.provider_duties(at, provider.clone())
			.map_err(|error| Self::read_error("the provider's duties", at)(error.to_string()))
	}

	fn deal(&self, at: H256, deal: DealId) -> Result<Option<DealView>, ChainError> {
		self.client
			.runtime_api()
			.deal(at, deal)
			.map_err(|error| Self::read_error("a deal", at)(error.to_string()))
	}

	fn provider(
		&self,
		at: H256,
		provider: &AccountId,
	) -> Result<Option<ProviderRecord>, ChainError> {
		let key = StorageKey(pallet_xmbl_providers::Providers::<Runtime>::hashed_key_for(provider));
		let read = Self::read_error("a provider record", at);
		self.client
			.storage(at, &key)
			.map_err(|error| error.to_string())
			.and_then(|data| {
				data.map(|data| ProviderRecord::decode(&mut &data.0[..]))
					.transpose()
					.map_err(|error| error.to_string())
			})
			.map_err(read)
	}

	fn submit<'a>(
		&'a self,
		signer: &'a sr25519::Pair,
		call: RuntimeCall,
		timeout: Duration,
	) -> BoxFuture<'a, Result<Vec<RuntimeEvent>, ChainError>> {
		self.sign_and_submit(signer, call, timeout).boxed()
	}
}

impl ComputeChain for NodeChain {
	fn worker_duties(
		&self,
		at: H256,
		worker: &AccountId,
	) -> Result<Vec<WorkerDuty<BlockNumber>>, ChainError> {
		self.client
			.runtime_api()
			.worker_duties(at, worker.clone())
			.map_err(|error| Self::read_error("the worker's duties", at)(error.to_string()))
	}

	fn job_exists(&self, at: H256, job: JobId) -> Result<bool, ChainError> {
		// The value's hash, not the value: existence is all that is asked.
		let key = StorageKey(pallet_xmbl_compute::Jobs::<Runtime>::hashed_key_for(job));
		self.client
			.storage_hash(at, &key)
			.map(|hash| hash.is_some())
			.map_err(|error| Self::read_error("a job", at)(error.to_string()))
	}
}
