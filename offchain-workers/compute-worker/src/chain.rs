//! What the compute worker needs of the chain: the best block and a stream of new ones, a
//! worker's duties, whether a job still exists, provider records (the worker's own slots and
//! roles, and the endpoints of the providers holding a stored file), storage deals (for
//! programs and inputs stored as files) and signed transactions followed into a block. The
//! node implements it on its own client and transaction pool, next to the storage provider
//! service's [`xmbl_storage_provider::ProviderChain`] and with the same submission code; the
//! unit tests implement it on a scripted chain.

use futures::{future::BoxFuture, stream::BoxStream};
use polkadot_sdk::sp_core::{sr25519, H256};
use std::time::Duration;
use xmbl_primitives::{DealId, JobId, WorkerDuty};
use xmbl_runtime::{apis::DealView, AccountId, BlockNumber, RuntimeCall, RuntimeEvent};
use xmbl_storage_provider::{BlockRef, ChainError, ProviderRecord};

/// The chain as the compute worker sees it. Reads are synchronous (a runtime call or a state
/// read on the node's own database); submissions wait for a block.
pub trait ComputeChain: Send + Sync + 'static {
	/// The best block now.
	fn best(&self) -> Result<BlockRef, ChainError>;

	/// New best blocks as the node imports them, finalized or not. The stream ends only when
	/// the node shuts down.
	fn best_blocks(&self) -> BoxStream<'static, BlockRef>;

	/// What `worker` has to do for each job it holds a seat of, in block `at`
	/// (`ComputeMarketApi::worker_duties`).
	fn worker_duties(
		&self,
		at: H256,
		worker: &AccountId,
	) -> Result<Vec<WorkerDuty<BlockNumber>>, ChainError>;

	/// Whether job `job` exists in block `at`: open, or finished and not yet pruned.
	fn job_exists(&self, at: H256, job: JobId) -> Result<bool, ChainError>;

	/// The registration of `provider` in block `at`, or `None` if it is not registered.
	fn provider(
		&self,
		at: H256,
		provider: &AccountId,
	) -> Result<Option<ProviderRecord>, ChainError>;

	/// Live deal `deal` and its manifest in block `at`, or `None`.
	fn deal(&self, at: H256, deal: DealId) -> Result<Option<DealView>, ChainError>;

	/// Signs `call` with `signer` for the runtime at the best block, submits it to the node's
	/// pool, follows it into a block of the best chain and returns the events it emitted
	/// there, within `timeout` (as [`xmbl_storage_provider::ProviderChain::submit`]).
	fn submit<'a>(
		&'a self,
		signer: &'a sr25519::Pair,
		call: RuntimeCall,
		timeout: Duration,
	) -> BoxFuture<'a, Result<Vec<RuntimeEvent>, ChainError>>;
}
