//! What the compute worker needs of the chain: everything the storage provider service reads
//! and submits ([`ProviderChain`]: best blocks, provider records, deals, signed transactions
//! followed into a block), plus a worker's duties and whether a job still exists. The node
//! implements both on its own client and transaction pool; the unit tests on a scripted chain.

use polkadot_sdk::sp_core::H256;
use xmbl_primitives::{JobId, WorkerDuty};
use xmbl_runtime::{AccountId, BlockNumber};
use xmbl_storage_provider::{ChainError, ProviderChain};

/// The chain as the compute worker sees it. Reads are synchronous (a runtime call or a state
/// read on the node's own database).
pub trait ComputeChain: ProviderChain {
	/// What `worker` has to do for each job it holds a seat of, in block `at`
	/// (`ComputeMarketApi::worker_duties`).
	fn worker_duties(
		&self,
		at: H256,
		worker: &AccountId,
	) -> Result<Vec<WorkerDuty<BlockNumber>>, ChainError>;

	/// Whether job `job` exists in block `at`: open, or finished and not yet pruned.
	fn job_exists(&self, at: H256, job: JobId) -> Result<bool, ChainError>;
}
