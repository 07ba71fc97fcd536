//! What the provider service needs of the chain: the best and finalized blocks, a stream of
//! new best blocks, three reads (a provider's duties, a deal, a provider record) and
//! signed transactions followed into a block. The node implements it in-process, on its
//! own client and transaction pool (`xmbl-node`'s `provider_chain.rs`), so there is no
//! socket to lose; the unit tests implement it on a scripted chain.

use futures::{future::BoxFuture, stream::BoxStream};
use polkadot_sdk::sp_core::{sr25519, H256};
use std::time::Duration;
use xmbl_client::ClientError;
use xmbl_primitives::{DealId, ShardDuty};
use xmbl_runtime::{apis::DealView, AccountId, BlockNumber, Runtime, RuntimeCall, RuntimeEvent};

/// What can go wrong with the chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// A runtime call or state read failed, or its result did not decode.
	#[error("cannot read {what} at block {at:?}: {error}")]
	Read { what: &'static str, at: H256, error: String },
	/// A transaction could not be signed, was refused, or failed.
	#[error(transparent)]
	Transaction(#[from] ClientError),
}

impl ChainError {
	/// Whether no transaction can succeed until an operator acts: the chain's runtime encodes
	/// calls otherwise than the one this node was built with.
	pub fn needs_operator(&self) -> bool {
		matches!(self, ChainError::Transaction(ClientError::RuntimeMismatch { .. }))
	}
}

/// A block the service acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
	pub hash: H256,
	pub number: BlockNumber,
}

/// A provider's registration, as the providers pallet stores it.
pub type ProviderRecord = pallet_xmbl_providers::ProviderRecord<Runtime>;

/// The chain as the provider service sees it. Reads are synchronous (a runtime call or a
/// state read on the node's own database, a few milliseconds); submissions wait for a block.
pub trait ProviderChain: Send + Sync + 'static {
	/// The best block now.
	fn best(&self) -> Result<BlockRef, ChainError>;

	/// The last finalized block.
	fn finalized(&self) -> Result<BlockRef, ChainError>;

	/// New best blocks as the node imports them, finalized or not. The stream ends only
	/// when the node shuts down.
	fn best_blocks(&self) -> BoxStream<'static, BlockRef>;

	/// Every shard assigned to `provider` and what is due for it, in block `at`.
	fn provider_duties(
		&self,
		at: H256,
		provider: &AccountId,
	) -> Result<Vec<ShardDuty<BlockNumber>>, ChainError>;

	/// Live deal `deal` and its manifest in block `at`, or `None`.
	fn deal(&self, at: H256, deal: DealId) -> Result<Option<DealView>, ChainError>;

	/// The registration of `provider` in block `at`, or `None` if it is not registered.
	fn provider(
		&self,
		at: H256,
		provider: &AccountId,
	) -> Result<Option<ProviderRecord>, ChainError>;

	/// Signs `call` with `signer` for the runtime at the best block (its spec version and
	/// metadata hash, whatever `system.setCode` made them), submits it to the node's pool,
	/// follows it into a block of the best chain and returns the events it emitted there.
	/// Waits at most `timeout` ([`ClientError::Timeout`] then, naming the transaction).
	/// Fails with [`ClientError::RuntimeMismatch`] if that runtime encodes calls otherwise
	/// than the one this node was built with, with the client's other transaction errors
	/// (refused by the pool, dropped, failed in the block) otherwise.
	fn submit<'a>(
		&'a self,
		signer: &'a sr25519::Pair,
		call: RuntimeCall,
		timeout: Duration,
	) -> BoxFuture<'a, Result<Vec<RuntimeEvent>, ChainError>>;
}
