//! A worker's duty loop. At every new best block it reads the account's registration (does
//! it offer compute, with how many slots) and its duties, and:
//!
//! - for each job to run and commit: runs it, unless its result for that round is saved
//!   already or a run of it is under way, saves the result with a fresh salt, then submits
//!   the commitment; a saved result whose commitment is not on chain yet is committed again;
//! - for each job to reveal: reveals the saved result and salt (none saved: the worker lost
//!   its state, an error and a metric);
//! - every [`PRUNE_EVERY`] blocks, removes the results (and kept outputs) of jobs the chain
//!   has pruned.
//!
//! Runs, submissions and fetches are tasks of their own, so a round only reads the chain and
//! starts them: a long job never delays the next block's reveals. A commitment or reveal that
//! fails is sent again at the next block while its window is open; one that was included is
//! not sent again for [`RESEND_AFTER`] blocks (the block holding it may be retracted, and
//! then the duty is due again).

use crate::{
	metrics::Metrics,
	outcome,
	records::{Record, Records},
	slots::Slots,
	sources::{Input, Program},
	ComputeChain, LOG_TARGET,
};
use futures::{FutureExt, StreamExt};
use polkadot_sdk::{
	frame_support::BoundedVec,
	sp_core::{crypto::Ss58Codec, sr25519, Pair},
};
use std::{
	collections::{hash_map::Entry, HashMap, HashSet},
	sync::{Arc, Mutex, MutexGuard},
	time::Duration,
};
use xmbl_client::ClientError;
use xmbl_job_runner::{Outcome, Runner};
use xmbl_primitives::{
	commitment, DutyTask, JobId, JobOutput, JobResult, ProviderRole, WorkerDuty,
};
use xmbl_runtime::{AccountId, BlockNumber, Runtime, RuntimeCall};
use xmbl_storage_provider::{BlockRef, ChainError};

type Duty = WorkerDuty<BlockNumber>;

/// Blocks after which an included commitment or reveal that is still due is sent again (the
/// block that held it was retracted).
const RESEND_AFTER: BlockNumber = 4;
/// Blocks after which a run that produced no result (a stored file that could not be read,
/// a host failure) is tried again, while its commit window is open.
const RETRY_AFTER: BlockNumber = 4;
/// Blocks between two checks for results of pruned jobs.
pub const PRUNE_EVERY: BlockNumber = 10;
/// How long to follow one transaction into a block.
const INCLUSION_TIMEOUT: Duration = Duration::from_secs(60);

/// A transaction a worker sends for a job.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Step {
	Commit,
	Reveal,
}

impl std::fmt::Display for Step {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		f.write_str(match self {
			Step::Commit => "commitment",
			Step::Reveal => "reveal",
		})
	}
}

/// Where a commitment or reveal is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sent {
	/// Submitted, not included yet.
	InFlight,
	/// Included in a block of the best chain, sent at this best block.
	Included(BlockNumber),
}

/// What the worker's tasks are doing, shared between the rounds and the tasks.
#[derive(Default)]
struct Tasks {
	/// Jobs being fetched or run.
	running: HashSet<JobId>,
	/// Jobs whose last run produced no result, and the block before which it is not tried
	/// again.
	retry_at: HashMap<JobId, BlockNumber>,
	sent: HashMap<(JobId, Step), Sent>,
	/// Jobs due to be revealed with no saved result, reported once.
	lost: HashSet<JobId>,
	/// The best block of the last check for pruned jobs.
	pruned_at: Option<BlockNumber>,
}

/// One provider account's compute worker.
pub struct Worker {
	pub(crate) pair: sr25519::Pair,
	pub(crate) account: AccountId,
	/// The account as SS58, for logs and metric labels.
	pub(crate) name: String,
	pub(crate) chain: Arc<dyn ComputeChain>,
	/// Shared by every worker of the node, so a module is compiled once per node.
	pub(crate) runner: Arc<Runner>,
	pub(crate) records: Arc<Records>,
	pub(crate) slots: Slots,
	/// HTTP client for fetching stored programs and inputs.
	pub(crate) http: reqwest::Client,
	/// Whether fetches may go to loopback and private addresses (development and local
	/// chains only).
	pub(crate) private_endpoints: bool,
	/// Test only: commit to wrong results (`--compute-corrupt-results`).
	#[cfg(debug_assertions)]
	pub(crate) corrupt: bool,
	pub(crate) metrics: Option<Metrics>,
	tasks: Mutex<Tasks>,
}

/// Follows the best chain and acts on `worker`'s duties until the node stops.
pub async fn run(worker: Arc<Worker>) {
	let mut heads = worker.chain.best_blocks();
	while let Some(mut head) = heads.next().await {
		// Blocks imported while the last round ran are one round: it reads the best block.
		while let Some(Some(newer)) = heads.next().now_or_never() {
			head = newer;
		}
		if let Err(error) = worker.round() {
			log::log!(
				target: LOG_TARGET,
				failure_level(&error),
				"worker {}: duties at block {} not done: {error}",
				worker.name,
				head.number
			);
		}
	}
	log::info!(target: LOG_TARGET, "worker {}: the node stopped importing blocks", worker.name);
}

impl Worker {
	pub(crate) fn new(
		pair: sr25519::Pair,
		chain: Arc<dyn ComputeChain>,
		runner: Arc<Runner>,
		records: Arc<Records>,
		http: reqwest::Client,
		private_endpoints: bool,
		metrics: Option<Metrics>,
	) -> Self {
		let account = AccountId::from(pair.public());
		Self {
			name: account.to_ss58check(),
			pair,
			account,
			chain,
			runner,
			records,
			// Sized to the declared slots at the first round.
			slots: Slots::new(0),
			http,
			private_endpoints,
			#[cfg(debug_assertions)]
			corrupt: false,
			metrics,
			tasks: Mutex::default(),
		}
	}

	/// The worker, committing to wrong results (test only).
	#[cfg(debug_assertions)]
	pub(crate) fn corrupting(mut self) -> Self {
		self.corrupt = true;
		self
	}

	fn tasks(&self) -> MutexGuard<'_, Tasks> {
		self.tasks.lock().expect("not poisoned")
	}

	/// Acts on the duties at the best block.
	pub(crate) fn round(self: &Arc<Self>) -> Result<(), ChainError> {
		let best = self.chain.best()?;
		let now = best.number;
		self.prune(best)?;
		let registration = self.chain.provider(best.hash, &self.account)?;
		let Some(registration) =
			registration.filter(|record| record.roles.offers(ProviderRole::Compute))
		else {
			return Ok(());
		};
		self.slots.resize(registration.capacity.compute_slots as usize);
		let duties = self.chain.worker_duties(best.hash, &self.account)?;
		{
			let mut tasks = self.tasks();
			tasks.sent.retain(|_, sent| match sent {
				Sent::InFlight => true,
				Sent::Included(at) => now < at.saturating_add(RESEND_AFTER),
			});
			tasks.retry_at.retain(|_, at| now < *at);
			tasks.lost.retain(|job| duties.iter().any(|duty| duty.job == *job));
		}
		for duty in duties {
			match duty.task {
				DutyTask::RunAndCommit { round, until } if now < until => {
					match self.records.get(duty.job) {
						Some(record) if record.round == round => {
							self.send(Step::Commit, record, until)
						},
						_ => self.start_run(duty, round, until),
					}
				},
				DutyTask::Reveal { until, .. } if now < until => match self.records.get(duty.job) {
					Some(record) => self.send(Step::Reveal, record, until),
					None => self.report_lost(duty.job),
				},
				// The window is closing: the chain moves the job on at its end.
				DutyTask::RunAndCommit { .. } | DutyTask::Reveal { .. } => {},
			}
		}
		Ok(())
	}

	/// Starts running `duty` unless it runs already or failed too recently.
	fn start_run(self: &Arc<Self>, duty: Duty, round: u8, until: BlockNumber) {
		{
			let mut tasks = self.tasks();
			if tasks.retry_at.contains_key(&duty.job) || !tasks.running.insert(duty.job) {
				return;
			}
		}
		let worker = self.clone();
		tokio::spawn(async move {
			let job = duty.job;
			let produced = worker.produce(&duty, round).await;
			// The commitment or the retry block is set before the job stops counting as
			// running, so no round in between starts it again.
			match produced {
				Ok(record) => worker.send(Step::Commit, record, until),
				Err(error) => {
					log::warn!(
						target: LOG_TARGET,
						"worker {}: job {job} not run: {error} (tried again in {RETRY_AFTER} blocks)",
						worker.name
					);
					if let Some(metrics) = &worker.metrics {
						metrics.run_failed(&worker.name);
					}
					let now = worker.chain.best().map_or(0, |best| best.number);
					worker.tasks().retry_at.insert(job, now.saturating_add(RETRY_AFTER));
				},
			}
			worker.tasks().running.remove(&job);
		});
	}

	/// Gets `duty`'s program and input, runs it in a slot, and saves the result with a fresh
	/// salt before anything is committed.
	async fn produce(&self, duty: &Duty, round: u8) -> Result<Record, String> {
		let at = self.chain.best().map_err(|error| error.to_string())?.hash;
		// `None`: a stored input whose verified bytes do not open with the job's key.
		let ended = match self.program(at, duty).await? {
			Program::Refused(rejection) => Some((Outcome::InvalidModule(rejection), 0)),
			Program::Module(module) => match self.input(at, duty).await? {
				Input::Unreadable(reason) => {
					log::warn!(
						target: LOG_TARGET,
						"worker {}: job {}: {reason}: InputUnreadable",
						self.name,
						duty.job
					);
					None
				},
				Input::Bytes(input) => {
					// Arguments are bytes on chain; the lossy conversion is the same everywhere.
					let args: Vec<String> = duty
						.args
						.iter()
						.map(|arg| String::from_utf8_lossy(arg).into_owned())
						.collect();
					let limits = outcome::limits(duty);
					let runner = self.runner.clone();
					let run = self
						.slots
						.run(move || runner.run(&module, &input, &args, &limits))
						.await
						.map_err(|error| format!("the run task failed: {error}"))?
						.map_err(|error| error.to_string())?;
					if let Some(metrics) = &self.metrics {
						metrics.timed(&self.name, run.elapsed, run.cache_hit);
					}
					Some((run.outcome, run.fuel_used))
				},
			},
		};
		#[cfg(debug_assertions)]
		let wrong = self.corrupt.then(|| match &ended {
			Some((outcome, _)) => outcome::corrupt(outcome.clone()),
			None => Outcome::Success { output: vec![0] },
		});
		let max_inline = outcome::max_inline_output();
		let (result, kept) = match ended {
			Some((outcome, fuel_used)) => outcome::to_result(outcome, fuel_used, max_inline),
			None => (outcome::input_unreadable(), None),
		};
		if let Some(metrics) = &self.metrics {
			metrics.ran(&self.name, &result.kind, result.fuel_used);
		}
		#[cfg(debug_assertions)]
		let (result, kept) = match wrong {
			Some(wrong) => outcome::to_result(wrong, result.fuel_used, max_inline),
			None => (result, kept),
		};
		let fuel_used = result.fuel_used;
		let mut salt = [0u8; 32];
		xmbl_cipher::fill_random(&mut salt).map_err(|error| error.to_string())?;
		let record = Record { job: duty.job, round, result, salt };
		let (records, saved) = (self.records.clone(), record.clone());
		tokio::task::spawn_blocking(move || records.save(saved, kept.as_deref()))
			.await
			.map_err(|error| format!("the saving task failed: {error}"))?
			.map_err(|error| format!("cannot save its result: {error}"))?;
		log::info!(
			target: LOG_TARGET,
			"worker {}: ran job {} (round {round}): {:?}, {fuel_used} fuel",
			self.name,
			duty.job,
			record.result.kind
		);
		Ok(record)
	}

	/// Sends `step` of `record`'s job unless it is on its way or was included lately.
	fn send(self: &Arc<Self>, step: Step, record: Record, until: BlockNumber) {
		match self.tasks().sent.entry((record.job, step)) {
			Entry::Occupied(_) => return,
			Entry::Vacant(entry) => entry.insert(Sent::InFlight),
		};
		let worker = self.clone();
		tokio::spawn(async move { worker.submit(step, record, until).await });
	}

	async fn submit(&self, step: Step, record: Record, until: BlockNumber) {
		let key = (record.job, step);
		let job = record.job;
		let sent_at = match self.chain.best() {
			Ok(best) if best.number < until => best.number,
			// Refused after the window anyway, and a refused transaction pays its fee.
			Ok(_) => {
				self.tasks().sent.remove(&key);
				return;
			},
			Err(error) => {
				self.tasks().sent.remove(&key);
				log::warn!(target: LOG_TARGET, "worker {}: {step} of job {job} not sent: {error}", self.name);
				return;
			},
		};
		let call = match step {
			Step::Commit => pallet_xmbl_compute::Call::commit_result {
				job,
				commitment: commitment(&record.result, &record.salt, &self.account),
			},
			Step::Reveal => match chain_result(record.result) {
				Some(result) => {
					pallet_xmbl_compute::Call::reveal_result { job, result, salt: record.salt }
				},
				// Left in flight: it can never be sent, and is reported once.
				None => {
					log::error!(
						target: LOG_TARGET,
						"worker {}: the saved result of job {job} has an inline output longer \
						 than the chain's bound: it cannot be revealed",
						self.name
					);
					return;
				},
			},
		};
		let submitted = self
			.chain
			.submit(&self.pair, RuntimeCall::Compute(call), INCLUSION_TIMEOUT)
			.await;
		match &submitted {
			Ok(_) => {
				self.tasks().sent.insert(key, Sent::Included(sent_at));
				log::info!(target: LOG_TARGET, "worker {}: {step} of job {job} included", self.name);
			},
			Err(error) => {
				self.tasks().sent.remove(&key);
				log::log!(
					target: LOG_TARGET,
					failure_level(error),
					"worker {}: {step} of job {job} failed: {} (sent again at the next block \
					 while the window is open)",
					self.name,
					failure_text(error)
				);
			},
		}
		if let Some(metrics) = &self.metrics {
			match step {
				Step::Commit => metrics.committed(&self.name, submitted.is_ok()),
				Step::Reveal => metrics.revealed(&self.name, submitted.is_ok()),
			}
		}
	}

	/// Reports, once per job, a reveal due with no saved result.
	fn report_lost(&self, job: JobId) {
		if !self.tasks().lost.insert(job) {
			return;
		}
		log::error!(
			target: LOG_TARGET,
			"worker {}: job {job} is to be revealed but no result of it is saved in {}: this \
			 worker lost its state, cannot reveal, and will be slashed for the missed reveal",
			self.name,
			self.records.dir().display()
		);
		if let Some(metrics) = &self.metrics {
			metrics.record_lost(&self.name);
		}
	}

	/// Every [`PRUNE_EVERY`] blocks: removes the results and kept outputs of jobs the chain
	/// no longer has (pruned `OutputRetention` blocks after they ended).
	fn prune(&self, best: BlockRef) -> Result<(), ChainError> {
		{
			let mut tasks = self.tasks();
			if tasks.pruned_at.is_some_and(|at| best.number < at.saturating_add(PRUNE_EVERY)) {
				return Ok(());
			}
			tasks.pruned_at = Some(best.number);
		}
		for job in self.records.jobs() {
			if self.chain.job_exists(best.hash, job)? {
				continue;
			}
			match self.records.remove(job) {
				Ok(()) => log::info!(
					target: LOG_TARGET,
					"worker {}: removed the result of job {job}, pruned from the chain",
					self.name
				),
				Err(error) => log::warn!(
					target: LOG_TARGET,
					"worker {}: cannot remove the result of job {job}: {error}",
					self.name
				),
			}
			let mut tasks = self.tasks();
			tasks.sent.retain(|(sent, _), _| *sent != job);
			tasks.retry_at.remove(&job);
		}
		Ok(())
	}
}

/// `result` as the chain's call takes it: `None` if an inline output is over the bound.
fn chain_result(result: outcome::RunResult) -> Option<pallet_xmbl_compute::JobResultOf<Runtime>> {
	let output = match result.output {
		JobOutput::None => JobOutput::None,
		JobOutput::Inline(bytes) => JobOutput::Inline(BoundedVec::try_from(bytes).ok()?),
		JobOutput::Kept { hash, len } => JobOutput::Kept { hash, len },
	};
	Some(JobResult { kind: result.kind, fuel_used: result.fuel_used, output })
}

/// How loud a failed submission is: an error when no transaction can succeed until an
/// operator acts (the runtime encodes calls otherwise than the one the node was built with),
/// a warning when the next block may do better.
fn failure_level(error: &ChainError) -> log::Level {
	if error.needs_operator() {
		log::Level::Error
	} else {
		log::Level::Warn
	}
}

/// A failed submission for the log: the dispatch error's name (`Compute.NotCommitPhase`)
/// when the chain refused it in a block, the whole error otherwise.
fn failure_text(error: &ChainError) -> String {
	match error {
		ChainError::Transaction(ClientError::Dispatch { error, .. }) => error.name.clone(),
		_ => error.to_string(),
	}
}

#[cfg(test)]
mod tests;
