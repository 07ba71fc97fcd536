//! Which compute workers a storage provider serves a private deal's shards to: those with a
//! job to run whose input is that deal (`RunAndCommit`, as their duties say at the shard
//! server's block). The job's `input_key` is public on chain, so a deal a job reads is no
//! longer secret; this keeps its shards from anyone else still. Programs are never read this
//! way: a stored program must be public.

use crate::ComputeChain;
use polkadot_sdk::sp_core::H256;
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
};
use xmbl_primitives::{DealId, DutyTask, JobSource};
use xmbl_runtime::AccountId;
use xmbl_storage_provider::DealReaders;

/// The [`DealReaders`] of the compute market, on `chain`.
pub struct JobReaders {
	chain: Arc<dyn ComputeChain>,
	/// The deals each asking worker may read, as of one block: the duties are read once per
	/// block and worker, not per request.
	cache: Mutex<(H256, HashMap<AccountId, Vec<DealId>>)>,
}

impl JobReaders {
	pub fn new(chain: Arc<dyn ComputeChain>) -> Self {
		Self { chain, cache: Mutex::new((H256::zero(), HashMap::new())) }
	}

	/// The input deals `worker` has jobs to run on, at `at`.
	fn readable(&self, at: H256, worker: &AccountId) -> Vec<DealId> {
		let duties = match self.chain.worker_duties(at, worker) {
			Ok(duties) => duties,
			Err(error) => {
				log::warn!(target: crate::LOG_TARGET, "cannot read the duties of {worker}: {error}");
				return Vec::new();
			},
		};
		duties
			.into_iter()
			.filter(|duty| matches!(duty.task, DutyTask::RunAndCommit { .. }))
			.filter_map(|duty| match duty.input {
				JobSource::Deal(deal) => Some(deal),
				JobSource::Inline(_) => None,
			})
			.collect()
	}
}

impl DealReaders for JobReaders {
	fn may_read(&self, at: H256, deal: DealId, reader: &AccountId) -> bool {
		let mut cache = self.cache.lock().expect("not poisoned");
		if cache.0 != at {
			*cache = (at, HashMap::new());
		}
		if !cache.1.contains_key(reader) {
			let readable = self.readable(at, reader);
			cache.1.insert(reader.clone(), readable);
		}
		cache.1[reader].contains(&deal)
	}
}
