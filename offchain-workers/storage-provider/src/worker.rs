//! A provider's duty worker. At every new best block it reads the provider's duties and:
//!
//! - confirms the shards it was asked to receive and now holds (one batch),
//! - proves the challenged leaves of every shard due this period (one batch),
//! - starts a repair for every shard it was asked to rebuild and does not hold yet,
//! - deletes shards that no duty names any more (deal ended, cancelled, or the shard moved).
//!
//! What is due comes from the best block: that is the state the transactions are checked
//! against, and the chain whose deadlines run whether GRANDPA finalizes or stalls. A
//! transaction included in a block that a reorg later retracts goes back to the node's pool;
//! if it is lost after all, the duty is still due on the new best chain and is sent again
//! once [`RESEND_AFTER`] blocks have passed. Deletion waits for finality: a shard is deleted
//! only once neither the best nor the finalized block assigns it ([`deletable`]), so no
//! reorg and no stall can make the provider delete a shard a deal still holds it to.
//! Nothing here is stored on disk beyond the shards: after a restart the duties say
//! everything again.

use super::ChainError;
use super::{repair, Provider, LOG_TARGET};
use futures::{FutureExt, StreamExt};
use polkadot_sdk::frame_support::BoundedVec;
use std::{
	collections::{hash_map::Entry, HashMap, HashSet},
	sync::Arc,
	time::Duration,
};
use xmbl_primitives::{DealId, ShardDuty, ShardTask};
use xmbl_runtime::{BlockNumber, Runtime, RuntimeCall, RuntimeEvent};
use xmbl_shard_store::Root;

type Duty = ShardDuty<BlockNumber>;
type Proof = pallet_xmbl_storage::ShardProof<Runtime>;
type StorageEvent = pallet_xmbl_storage::Event<Runtime>;

/// Blocks after which a duty that is still due is acted on again (a lost transaction, a
/// failed repair).
const RESEND_AFTER: BlockNumber = 4;
/// How long to follow one transaction into a block.
const INCLUSION_TIMEOUT: Duration = Duration::from_secs(60);

/// What a duty asks for, as the worker tracks it between blocks.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Action {
	Confirm { deal: DealId, shard: u8 },
	Prove { deal: DealId, shard: u8, period: u32 },
	Repair { deal: DealId, shard: u8 },
}

/// Follows the best chain and acts on `provider`'s duties until the node stops.
pub async fn run(provider: Arc<Provider>) {
	let mut worker = Worker { provider, started: HashMap::new(), repairing: Arc::default() };
	let mut heads = worker.provider.chain.best_blocks();
	while let Some(mut head) = heads.next().await {
		// Blocks imported while the last round ran (a sync, a slow disk) are one round: it
		// reads the best block anyway.
		while let Some(Some(newer)) = heads.next().now_or_never() {
			head = newer;
		}
		if let Err(error) = worker.round().await {
			log::log!(
				target: LOG_TARGET,
				failure_level(&error),
				"provider {}: duties at block {} not done: {error}",
				worker.provider.name,
				head.number
			);
		}
	}
	log::info!(target: LOG_TARGET, "provider {}: the node stopped importing blocks", worker.provider.name);
}

struct Worker {
	provider: Arc<Provider>,
	/// When each action was last started (best block number), so that one is not sent twice
	/// while its transaction is on its way.
	started: HashMap<Action, BlockNumber>,
	/// Shards being rebuilt by repair tasks.
	repairing: Arc<std::sync::Mutex<HashSet<(DealId, u8)>>>,
}

impl Worker {
	/// Acts on the duties at the best block.
	async fn round(&mut self) -> Result<(), ChainError> {
		let provider = self.provider.clone();
		// Listed before the best block is read (not taken from the notification, which may
		// be older): a shard whose upload ends later was accepted against a block at least as
		// new as `best`, so it is never taken for unassigned.
		let held = provider.store.list();
		let best = provider.chain.best()?;
		provider.best_block.send_replace(Some(best.hash));
		let duties = provider.chain.provider_duties(best.hash, &provider.account)?;
		let now = best.number;
		self.started.retain(|_, at| now < *at + RESEND_AFTER);

		let mut confirm = Vec::new();
		let mut prove = Vec::new();
		for duty in &duties {
			let (deal, shard) = (duty.deal, duty.shard);
			match &duty.task {
				ShardTask::Receive { .. } if provider.store.contains(&duty.root) => {
					if self.start(Action::Confirm { deal, shard }, now) {
						confirm.push((deal, shard));
					}
				},
				ShardTask::Receive { repair: true, .. } => {
					if !self.started.contains_key(&Action::Repair { deal, shard })
						&& self.start_repair(duty)
					{
						self.started.insert(Action::Repair { deal, shard }, now);
					}
				},
				ShardTask::Prove { period, .. } => {
					if self.start(Action::Prove { deal, shard, period: *period }, now) {
						prove.push(duty.clone());
					}
				},
				// A client's upload is awaited; nothing is due before the next period.
				ShardTask::Receive { repair: false, .. } | ShardTask::Keep { .. } => {},
			}
		}

		for batch in confirm.chunks(max_batch()) {
			self.confirm(batch).await;
		}
		let proofs = self.build_proofs(prove).await;
		for batch in proofs.chunks(max_batch()) {
			self.submit_proofs(batch).await;
		}
		self.delete_unassigned(held, &duties).await
	}

	/// Records that `action` starts at block `now`; false if it was started within the last
	/// [`RESEND_AFTER`] blocks.
	fn start(&mut self, action: Action, now: BlockNumber) -> bool {
		match self.started.entry(action) {
			Entry::Occupied(_) => false,
			Entry::Vacant(entry) => {
				entry.insert(now);
				true
			},
		}
	}

	async fn confirm(&self, shards: &[(DealId, u8)]) {
		let provider = &self.provider;
		let call = RuntimeCall::Storage(pallet_xmbl_storage::Call::confirm_shards {
			shards: BoundedVec::truncate_from(shards.to_vec()),
		});
		match self.submit(call).await {
			Ok(events) => {
				let mut confirmed = Vec::new();
				for event in events {
					match event {
						StorageEvent::ShardConfirmed { deal, shard, .. } => {
							confirmed.push((deal, shard))
						},
						StorageEvent::ConfirmationSkipped { deal, shard, error, .. } => log::warn!(
							target: LOG_TARGET,
							"provider {}: confirmation of shard {shard} of deal {deal} refused: {}",
							provider.name,
							super::error_name(&error)
						),
						_ => {},
					}
				}
				log::info!(target: LOG_TARGET, "provider {}: confirmed {confirmed:?}", provider.name);
				if let Some(metrics) = &provider.metrics {
					metrics.confirmed(&provider.name, confirmed.len() as u64);
				}
			},
			Err(error) => log::log!(
				target: LOG_TARGET,
				failure_level(&error),
				"provider {}: confirming {shards:?} failed: {error}",
				provider.name
			),
		}
	}

	/// Proofs of `duties` read from the store (leaves, their outboard path and the 16 KiB
	/// group of each leaf, rehashed).
	async fn build_proofs(&self, duties: Vec<Duty>) -> Vec<Proof> {
		if duties.is_empty() {
			return Vec::new();
		}
		let provider = self.provider.clone();
		let count = duties.len() as u64;
		let name = provider.name.clone();
		let metrics = provider.metrics.clone();
		let built = tokio::task::spawn_blocking(move || {
			let mut proofs = Vec::with_capacity(duties.len());
			let mut failed = 0;
			for duty in duties {
				match prove(&provider, &duty) {
					Ok(proof) => proofs.push(proof),
					Err(error) => {
						failed += 1;
						log::error!(
							target: LOG_TARGET,
							"provider {}: cannot prove shard {} of deal {}: {error}",
							provider.name,
							duty.shard,
							duty.deal
						);
					},
				}
			}
			if let Some(metrics) = &provider.metrics {
				metrics.proofs(&provider.name, 0, failed);
			}
			proofs
		})
		.await;
		built.unwrap_or_else(|error| {
			// A panic in the store's proof code: every proof of the batch is lost this round
			// (and sent again after `RESEND_AFTER` blocks), so say so and count them.
			log::error!(target: LOG_TARGET, "provider {name}: the proof task failed: {error}");
			if let Some(metrics) = &metrics {
				metrics.proofs(&name, 0, count);
			}
			Vec::new()
		})
	}

	async fn submit_proofs(&self, proofs: &[Proof]) {
		let provider = &self.provider;
		let count = proofs.len() as u64;
		let call = RuntimeCall::Storage(pallet_xmbl_storage::Call::submit_proofs {
			proofs: BoundedVec::truncate_from(proofs.to_vec()),
		});
		let (accepted, refused) = match self.submit(call).await {
			Ok(events) => {
				let mut proven = Vec::new();
				for event in events {
					match event {
						StorageEvent::ShardProven { deal, shard, period, .. } => {
							proven.push((deal, shard, period))
						},
						StorageEvent::ProofSkipped { deal, shard, period, error, .. } => {
							log::warn!(
								target: LOG_TARGET,
								"provider {}: proof of shard {shard} of deal {deal} for period {period} refused: {}",
								provider.name,
								super::error_name(&error)
							)
						},
						_ => {},
					}
				}
				log::info!(target: LOG_TARGET, "provider {}: proved {proven:?}", provider.name);
				(proven.len() as u64, count - proven.len() as u64)
			},
			Err(error) => {
				let shards: Vec<_> =
					proofs.iter().map(|proof| (proof.deal, proof.shard, proof.period)).collect();
				log::log!(
					target: LOG_TARGET,
					failure_level(&error),
					"provider {}: proofs {shards:?} failed: {error}",
					provider.name
				);
				(0, count)
			},
		};
		if let Some(metrics) = &provider.metrics {
			metrics.proofs(&provider.name, accepted, refused);
		}
	}

	/// Signs and sends `call`, follows it into a block of the best chain, and returns the
	/// storage market's events it emitted there.
	async fn submit(&self, call: RuntimeCall) -> Result<Vec<StorageEvent>, ChainError> {
		let provider = &self.provider;
		let events = provider.chain.submit(&provider.pair, call, INCLUSION_TIMEOUT).await?;
		Ok(events
			.into_iter()
			.filter_map(|event| match event {
				RuntimeEvent::Storage(event) => Some(event),
				_ => None,
			})
			.collect())
	}

	/// Starts rebuilding `duty`'s shard unless a repair of it runs already.
	fn start_repair(&self, duty: &Duty) -> bool {
		let key = (duty.deal, duty.shard);
		if !self.repairing.lock().expect("not poisoned").insert(key) {
			return false;
		}
		let provider = self.provider.clone();
		let repairing = self.repairing.clone();
		let duty = duty.clone();
		tokio::spawn(async move {
			let result = repair::rebuild(&provider, &duty).await;
			match &result {
				Ok(()) => log::info!(
					target: LOG_TARGET,
					"provider {}: rebuilt shard {} of deal {}",
					provider.name,
					duty.shard,
					duty.deal
				),
				Err(error) => log::warn!(
					target: LOG_TARGET,
					"provider {}: repair of shard {} of deal {} failed: {error}",
					provider.name,
					duty.shard,
					duty.deal
				),
			}
			if let Some(metrics) = &provider.metrics {
				metrics.repaired(&provider.name, result.is_ok());
			}
			provider.update_store_metrics();
			repairing.lock().expect("not poisoned").remove(&key);
		});
		true
	}

	/// Deletes the shards of `held` that neither the best block (`best_duties`) nor the
	/// finalized block assigns to the provider.
	async fn delete_unassigned(
		&self,
		held: Vec<Root>,
		best_duties: &[Duty],
	) -> Result<(), ChainError> {
		let provider = &self.provider;
		let assigned_at_best: HashSet<_> = best_duties.iter().map(|duty| duty.root).collect();
		if held.iter().all(|root| assigned_at_best.contains(root)) {
			return Ok(());
		}
		let finalized = provider.chain.finalized()?;
		let finalized_number = finalized.number;
		let assigned_at_finalized: HashSet<_> = provider
			.chain
			.provider_duties(finalized.hash, &provider.account)?
			.into_iter()
			.map(|duty| duty.root)
			.collect();
		let mut deleted = 0;
		for root in deletable(held, &assigned_at_best, &assigned_at_finalized) {
			match provider.store.delete(&root) {
				Ok(()) => {
					deleted += 1;
					log::info!(
						target: LOG_TARGET,
						"provider {}: deleted shard {}, no longer assigned at block {finalized_number}",
						provider.name,
						hex::encode(root)
					);
				},
				Err(error) => log::warn!(
					target: LOG_TARGET,
					"provider {}: cannot delete shard {}: {error}",
					provider.name,
					hex::encode(root)
				),
			}
		}
		if deleted > 0 {
			if let Some(metrics) = &provider.metrics {
				metrics.deleted(&provider.name, deleted);
			}
			provider.update_store_metrics();
		}
		Ok(())
	}
}

/// The shards of `held` to delete: those that neither the best block nor the finalized
/// block assigns to the provider. A shard a best block has stopped assigning (deal cancelled
/// or ended, shard moved) stays until that block is final, as a reorg or a stalled finality
/// can still bring the assignment back; a shard assigned only at a best block that is not
/// final yet (a new deal) is kept.
fn deletable(held: Vec<Root>, at_best: &HashSet<Root>, at_finalized: &HashSet<Root>) -> Vec<Root> {
	held.into_iter()
		.filter(|root| !at_best.contains(root) && !at_finalized.contains(root))
		.collect()
}

/// How loud a failed confirmation or proof is: an error when no transaction of the provider
/// can succeed until an operator acts (the runtime encodes calls otherwise than the one the
/// node was built with), a warning when the next block may do better.
fn failure_level(error: &ChainError) -> log::Level {
	if error.needs_operator() {
		log::Level::Error
	} else {
		log::Level::Warn
	}
}

/// The chain's largest batch of confirmations or proofs per transaction.
fn max_batch() -> usize {
	<<Runtime as pallet_xmbl_storage::Config>::MaxBatch as polkadot_sdk::frame_support::traits::Get<u32>>::get() as usize
}

/// The proof of a `Prove` duty, from the store.
fn prove(provider: &Provider, duty: &Duty) -> Result<Proof, String> {
	let ShardTask::Prove { period, leaves, .. } = &duty.task else {
		return Err("not a proof duty".into());
	};
	let (leaf_bytes, proof) =
		provider.store.prove(&duty.root, leaves).map_err(|error| error.to_string())?;
	let leaves = leaf_bytes
		.into_iter()
		.map(|leaf| {
			BoundedVec::try_from(leaf).map_err(|_| "a leaf longer than the chain's leaf length")
		})
		.collect::<Result<Vec<_>, _>>()?;
	Ok(Proof {
		deal: duty.deal,
		shard: duty.shard,
		period: *period,
		leaves: BoundedVec::try_from(leaves)
			.map_err(|_| "more leaves than the chain challenges".to_owned())?,
		proof,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{BlockRef, ProviderChain, ProviderRecord};
	use futures::{future::BoxFuture, stream::BoxStream};
	use polkadot_sdk::sp_core::{sr25519, Pair, H256};
	use std::sync::Mutex;
	use xmbl_runtime::{apis::DealView, AccountId};
	use xmbl_shard_store::ShardStore;

	/// A chain whose blocks, duties and transaction outcomes a test sets, recording every
	/// call the worker submits.
	#[derive(Default)]
	struct ScriptedChain {
		best: Mutex<Option<BlockRef>>,
		finalized: Mutex<Option<BlockRef>>,
		duties: Mutex<HashMap<H256, Vec<Duty>>>,
		submitted: Mutex<Vec<RuntimeCall>>,
		/// Events of the next transactions, in order; a transaction with none left gets none.
		outcomes: Mutex<Vec<Result<Vec<RuntimeEvent>, ChainError>>>,
	}

	fn block(number: BlockNumber) -> BlockRef {
		BlockRef { hash: H256::repeat_byte(number as u8), number }
	}

	impl ScriptedChain {
		fn at(&self, best: BlockRef, finalized: BlockRef) {
			*self.best.lock().unwrap() = Some(best);
			*self.finalized.lock().unwrap() = Some(finalized);
		}
		fn assign(&self, at: BlockRef, duties: Vec<Duty>) {
			self.duties.lock().unwrap().insert(at.hash, duties);
		}
		fn calls(&self) -> Vec<RuntimeCall> {
			std::mem::take(&mut *self.submitted.lock().unwrap())
		}
	}

	impl ProviderChain for ScriptedChain {
		fn best(&self) -> Result<BlockRef, ChainError> {
			Ok(self.best.lock().unwrap().expect("a best block"))
		}
		fn finalized(&self) -> Result<BlockRef, ChainError> {
			Ok(self.finalized.lock().unwrap().expect("a finalized block"))
		}
		fn best_blocks(&self) -> BoxStream<'static, BlockRef> {
			futures::stream::empty().boxed()
		}
		fn provider_duties(&self, at: H256, _: &AccountId) -> Result<Vec<Duty>, ChainError> {
			Ok(self.duties.lock().unwrap().get(&at).cloned().unwrap_or_default())
		}
		fn deal(&self, _: H256, _: DealId) -> Result<Option<DealView>, ChainError> {
			Ok(None)
		}
		fn provider(&self, _: H256, _: &AccountId) -> Result<Option<ProviderRecord>, ChainError> {
			Ok(None)
		}
		fn submit<'a>(
			&'a self,
			_: &'a sr25519::Pair,
			call: RuntimeCall,
			_: Duration,
		) -> BoxFuture<'a, Result<Vec<RuntimeEvent>, ChainError>> {
			self.submitted.lock().unwrap().push(call);
			let mut outcomes = self.outcomes.lock().unwrap();
			let outcome = if outcomes.is_empty() { Ok(Vec::new()) } else { outcomes.remove(0) };
			async move { outcome }.boxed()
		}
	}

	/// A provider on `chain` with a store in `dir` holding `shards`.
	fn provider_on(
		chain: Arc<ScriptedChain>,
		dir: &std::path::Path,
		shards: &[&[u8]],
	) -> Arc<Provider> {
		let (store, _) = ShardStore::open(dir.join("store"), 1 << 30).unwrap();
		for shard in shards {
			let root = *blake3::hash(shard).as_bytes();
			store.put(root, shard.len() as u64, *shard).unwrap();
		}
		let pair = sr25519::Pair::from_seed(&[7; 32]);
		let account = AccountId::from(pair.public());
		Arc::new(Provider {
			name: "test".into(),
			pair,
			account,
			store,
			scratch_dir: dir.join("repair"),
			chain,
			http: reqwest::Client::new(),
			private_endpoints: true,
			repairs: Arc::new(tokio::sync::Semaphore::new(1)),
			best_block: tokio::sync::watch::Sender::new(None),
			readers: None,
			metrics: None,
		})
	}

	fn duty(deal: DealId, shard: &[u8], task: ShardTask<BlockNumber>) -> Duty {
		ShardDuty {
			deal,
			shard: 0,
			root: *blake3::hash(shard).as_bytes(),
			size: shard.len() as u64,
			task,
		}
	}

	/// How it fails: a worker that reads duties at the finalized block (no confirmation at
	/// best block 12), that sends a duty again within `RESEND_AFTER` blocks (two calls at
	/// block 13), or whose proofs do not verify against the shard's root.
	#[tokio::test]
	async fn held_shards_are_confirmed_and_due_proofs_sent_once_per_resend_window() {
		let dir = tempfile::tempdir().unwrap();
		let (received, proven) = (vec![1u8; 40_000], vec![2u8; 70_000]);
		let chain = Arc::new(ScriptedChain::default());
		let provider = provider_on(chain.clone(), dir.path(), &[&received, &proven]);
		let leaves = vec![0, 3];
		let duties = vec![
			duty(1, &received, ShardTask::Receive { repair: false, until: 30 }),
			duty(2, &proven, ShardTask::Prove { period: 4, leaves: leaves.clone(), deadline: 40 }),
		];
		// Assigned at the best block only: GRANDPA has not finalized it.
		chain.assign(block(12), duties.clone());
		chain.at(block(12), block(2));
		let mut worker = Worker {
			provider: provider.clone(),
			started: HashMap::new(),
			repairing: Arc::default(),
		};
		worker.round().await.unwrap();
		assert_eq!(*provider.best_block.borrow(), Some(block(12).hash));
		let calls = chain.calls();
		assert_eq!(calls.len(), 2, "{calls:?}");
		let RuntimeCall::Storage(pallet_xmbl_storage::Call::confirm_shards { shards }) = &calls[0]
		else {
			panic!("{:?}", calls[0])
		};
		assert_eq!(shards.to_vec(), vec![(1, 0)]);
		let RuntimeCall::Storage(pallet_xmbl_storage::Call::submit_proofs { proofs }) = &calls[1]
		else {
			panic!("{:?}", calls[1])
		};
		assert_eq!(proofs.len(), 1);
		let proof = &proofs[0];
		assert_eq!((proof.deal, proof.shard, proof.period), (2, 0, 4));
		let leaf_bytes: Vec<&[u8]> = proof.leaves.iter().map(|leaf| &leaf[..]).collect();
		xmbl_merkle::verify(
			&duties[1].root,
			proven.len() as u64,
			&leaves,
			&leaf_bytes,
			&proof.proof,
		)
		.expect("the proof verifies against the shard's root");

		// The next block: both are on their way, nothing is sent again.
		chain.assign(block(13), duties.clone());
		chain.at(block(13), block(2));
		worker.round().await.unwrap();
		assert!(chain.calls().is_empty());
		// `RESEND_AFTER` blocks later they are still due: sent again.
		chain.assign(block(16), duties);
		chain.at(block(16), block(2));
		worker.round().await.unwrap();
		assert_eq!(chain.calls().len(), 2);
	}

	/// How it fails: a worker that deletes on the best block alone deletes the shard at
	/// block 20, one that never deletes keeps it at block 21.
	#[tokio::test]
	async fn a_shard_is_deleted_only_once_the_finalized_block_no_longer_assigns_it() {
		let dir = tempfile::tempdir().unwrap();
		let shard = vec![3u8; 10_000];
		let chain = Arc::new(ScriptedChain::default());
		let provider = provider_on(chain.clone(), dir.path(), &[&shard]);
		let kept = duty(5, &shard, ShardTask::Keep { until: 50 });
		let root = kept.root;
		// Cancelled at best block 20; finalized block 10 still assigns it.
		chain.assign(block(10), vec![kept]);
		chain.at(block(20), block(10));
		let mut worker = Worker {
			provider: provider.clone(),
			started: HashMap::new(),
			repairing: Arc::default(),
		};
		worker.round().await.unwrap();
		assert!(provider.store.contains(&root), "deleted before the cancel was final");
		// The cancel is final.
		chain.at(block(21), block(20));
		worker.round().await.unwrap();
		assert!(!provider.store.contains(&root), "kept after the cancel was final");
		assert!(chain.calls().is_empty());
	}

	/// How it fails: a refused batch that stops the worker (an error out of `round`), or a
	/// proof lost from the next window.
	#[tokio::test]
	async fn a_failed_transaction_is_reported_and_sent_again_after_the_window() {
		let dir = tempfile::tempdir().unwrap();
		let shard = vec![4u8; 5_000];
		let chain = Arc::new(ScriptedChain::default());
		let provider = provider_on(chain.clone(), dir.path(), &[&shard]);
		let due =
			vec![duty(9, &shard, ShardTask::Prove { period: 1, leaves: vec![0], deadline: 30 })];
		chain.outcomes.lock().unwrap().push(Err(ChainError::Transaction(
			xmbl_client::ClientError::NotIncluded {
				tx_hash: H256::zero(),
				reason: "dropped".into(),
			},
		)));
		chain.assign(block(20), due.clone());
		chain.at(block(20), block(18));
		let mut worker = Worker { provider, started: HashMap::new(), repairing: Arc::default() };
		worker.round().await.unwrap();
		assert_eq!(chain.calls().len(), 1);
		chain.assign(block(24), due);
		chain.at(block(24), block(18));
		worker.round().await.unwrap();
		assert_eq!(chain.calls().len(), 1, "sent again after RESEND_AFTER blocks");
	}

	fn roots(list: &[u8]) -> HashSet<Root> {
		list.iter().map(|&byte| [byte; 32]).collect()
	}

	/// How it fails: a rule that deletes on the best block alone deletes shard 2 (cancelled
	/// in a block not final yet); one that waits for the finalized block alone deletes
	/// shard 3 (assigned in a block not final yet).
	#[test]
	fn a_shard_is_deleted_once_neither_the_best_nor_the_finalized_block_assigns_it() {
		let held = vec![[1; 32], [2; 32], [3; 32], [4; 32]];
		// 1: assigned at both. 2: no longer at best, still at finalized (a cancel not final).
		// 3: at best only (a new deal not final). 4: at neither (a cancel now final).
		let deleted = deletable(held, &roots(&[1, 3]), &roots(&[1, 2]));
		assert_eq!(deleted, vec![[4; 32]]);
	}

	#[test]
	fn nothing_held_nothing_deleted_and_nothing_assigned_everything_deleted() {
		assert_eq!(deletable(Vec::new(), &roots(&[1]), &roots(&[1])), Vec::<Root>::new());
		assert_eq!(
			deletable(vec![[5; 32], [6; 32]], &HashSet::new(), &HashSet::new()),
			vec![[5; 32], [6; 32]]
		);
	}
}
