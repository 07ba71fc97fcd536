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

use super::{repair, Provider, LOG_TARGET};
use polkadot_sdk::frame_support::BoundedVec;
use std::{
	collections::{hash_map::Entry, HashMap, HashSet},
	sync::Arc,
	time::Duration,
};
use xmbl_client::{ClientError, Wait};
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
/// Pause before following the best chain again after the subscription broke.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(2);

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
	loop {
		let mut heads = match worker.provider.chain.best_heads().await {
			Ok(heads) => heads,
			Err(error) => {
				log::warn!(target: LOG_TARGET, "cannot follow new blocks: {error}");
				tokio::time::sleep(RESUBSCRIBE_AFTER).await;
				continue;
			},
		};
		while let Some(head) = heads.next().await {
			let head = match head {
				Ok(head) => head,
				Err(error) => {
					log::warn!(target: LOG_TARGET, "bad block header: {error}");
					break;
				},
			};
			if let Err(error) = worker.round().await {
				log::warn!(
					target: LOG_TARGET,
					"provider {}: duties at block {} not done: {error}",
					worker.provider.name,
					head.number
				);
			}
		}
		tokio::time::sleep(RESUBSCRIBE_AFTER).await;
	}
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
	async fn round(&mut self) -> Result<(), ClientError> {
		let provider = self.provider.clone();
		// Listed before the best block is read (not taken from the notification, which may
		// be older): a shard whose upload ends later was accepted against a block at least as
		// new as `best`, so it is never taken for unassigned.
		let held = provider.store.list();
		let best = provider.chain.best_header().await?;
		provider.best_block.send_replace(Some(best.hash()));
		let duties = provider.chain.provider_duties(&provider.account, Some(best.hash())).await?;
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
							provider.chain.metadata().dispatch_error(&error).name
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
		built.unwrap_or_default()
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
								provider.chain.metadata().dispatch_error(&error).name
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
	async fn submit(&self, call: RuntimeCall) -> Result<Vec<StorageEvent>, ClientError> {
		let provider = &self.provider;
		let submitted = provider
			.chain
			.submit(&provider.pair, call, None, Wait::InBlock, INCLUSION_TIMEOUT, |_| {})
			.await?;
		let events = submitted.included.map(|included| included.events).unwrap_or_default();
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
	) -> Result<(), ClientError> {
		let provider = &self.provider;
		let assigned_at_best: HashSet<_> = best_duties.iter().map(|duty| duty.root).collect();
		if held.iter().all(|root| assigned_at_best.contains(root)) {
			return Ok(());
		}
		let finalized = provider.chain.finalized_head().await?;
		let finalized_number = finalized.number;
		let assigned_at_finalized: HashSet<_> = provider
			.chain
			.provider_duties(&provider.account, Some(finalized.hash()))
			.await?
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
fn failure_level(error: &ClientError) -> log::Level {
	match error {
		ClientError::RuntimeMismatch { .. } => log::Level::Error,
		_ => log::Level::Warn,
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
