//! The worker on a scripted chain: duties, registrations and deals a test sets, every call
//! the worker submits recorded.

use super::*;
use crate::{outcome::RunResult, outputs, JobReaders};
use codec::Encode;
use futures::{future::BoxFuture, stream::BoxStream};
use pallet_xmbl_storage::{Deal, DealStatus, Shard, ShardState};
use polkadot_sdk::sp_core::H256;
use std::{path::Path, time::Instant};
use xmbl_cipher::FileKey;
use xmbl_client::outputs::output_hash as blake2_256;
use xmbl_client::shard_requests::{self, ShardMethod};
use xmbl_file_format::{EncodeParams, Encryption, FileSecret, Manifest};
use xmbl_primitives::{Capacity, DealId, JobOutcomeKind, JobSource, ProviderRoles, ShardDuty};
use xmbl_runtime::{apis::DealView, RuntimeEvent};
use xmbl_storage_provider::{DealReaders, ProviderChain, ProviderRecord};

/// Copies stdin to stdout, 1 KiB at a time.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $n i32)
    (loop $copy
      (i32.store (i32.const 0) (i32.const 64))
      (i32.store (i32.const 4) (i32.const 1024))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.load (i32.const 8)))
      (if (i32.gt_u (local.get $n) (i32.const 0))
        (then
          (i32.store (i32.const 16) (i32.const 64))
          (i32.store (i32.const 20) (local.get $n))
          (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
          (br $copy))))))
"#;

fn echo() -> Vec<u8> {
	wat::parse_str(ECHO).unwrap()
}

#[derive(Default)]
struct ScriptedChain {
	best: Mutex<Option<BlockRef>>,
	duties: Mutex<Vec<Duty>>,
	jobs: Mutex<HashSet<JobId>>,
	providers: Mutex<HashMap<AccountId, ProviderRecord>>,
	deals: Mutex<HashMap<DealId, DealView>>,
	submitted: Mutex<Vec<RuntimeCall>>,
	/// Outcomes of the next transactions, in order; a transaction with none left succeeds.
	outcomes: Mutex<Vec<Result<Vec<RuntimeEvent>, ChainError>>>,
}

fn block(number: BlockNumber) -> BlockRef {
	BlockRef { hash: H256::from_low_u64_be(number.into()), number }
}

impl ScriptedChain {
	/// Block `number` is the best, with `duties` for the worker; the jobs they name exist.
	fn at(&self, number: BlockNumber, duties: Vec<Duty>) {
		*self.best.lock().unwrap() = Some(block(number));
		self.jobs.lock().unwrap().extend(duties.iter().map(|duty| duty.job));
		*self.duties.lock().unwrap() = duties;
	}

	fn register(&self, account: AccountId, endpoint: &str, slots: u32) {
		let record = ProviderRecord {
			roles: ProviderRoles::StorageAndCompute,
			stake: 0,
			capacity: Capacity { bytes: 1 << 30, compute_slots: slots },
			used: Capacity { bytes: 0, compute_slots: 0 },
			endpoint: BoundedVec::truncate_from(endpoint.as_bytes().to_vec()),
			min_price: 0,
			live_assignments: 0,
			slashes: 0,
			successes: 0,
			status: pallet_xmbl_providers::ProviderStatus::Active,
			index: Default::default(),
		};
		self.providers.lock().unwrap().insert(account, record);
	}

	fn calls(&self) -> Vec<RuntimeCall> {
		std::mem::take(&mut *self.submitted.lock().unwrap())
	}
}

impl ComputeChain for ScriptedChain {
	fn worker_duties(&self, _: H256, _: &AccountId) -> Result<Vec<Duty>, ChainError> {
		Ok(self.duties.lock().unwrap().clone())
	}
	fn job_exists(&self, _: H256, job: JobId) -> Result<bool, ChainError> {
		Ok(self.jobs.lock().unwrap().contains(&job))
	}
}

/// The compute worker reads no finality and no shard duties.
impl ProviderChain for ScriptedChain {
	fn best(&self) -> Result<BlockRef, ChainError> {
		Ok(self.best.lock().unwrap().expect("a best block"))
	}
	fn finalized(&self) -> Result<BlockRef, ChainError> {
		unreachable!("the compute worker reads no finalized block")
	}
	fn best_blocks(&self) -> BoxStream<'static, BlockRef> {
		futures::stream::empty().boxed()
	}
	fn provider_duties(
		&self,
		_: H256,
		_: &AccountId,
	) -> Result<Vec<ShardDuty<BlockNumber>>, ChainError> {
		unreachable!("the compute worker reads no shard duties")
	}
	fn provider(&self, _: H256, who: &AccountId) -> Result<Option<ProviderRecord>, ChainError> {
		Ok(self.providers.lock().unwrap().get(who).cloned())
	}
	fn deal(&self, _: H256, deal: DealId) -> Result<Option<DealView>, ChainError> {
		Ok(self.deals.lock().unwrap().get(&deal).cloned())
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

fn key() -> sr25519::Pair {
	sr25519::Pair::from_seed(&[7; 32])
}

/// A worker over the folder `dir`, registered on `chain` with 2 slots.
fn worker_on(chain: &Arc<ScriptedChain>, dir: &Path) -> Worker {
	let (records, _) = Records::open(dir).unwrap();
	let worker = Worker::new(
		key(),
		chain.clone(),
		Arc::new(Runner::new(1 << 26).unwrap()),
		Arc::new(records),
		reqwest::Client::new(),
		true,
		None,
	);
	chain.register(worker.account.clone(), "http://127.0.0.1:9", 2);
	worker
}

fn duty(job: JobId, task: DutyTask<BlockNumber>, input: JobSource<Vec<u8>>) -> Duty {
	WorkerDuty {
		job,
		task,
		program: JobSource::Inline(echo()),
		input,
		args: vec![b"-n".to_vec(), vec![0xff, b'x']],
		fuel: 1_000_000,
		memory_bytes: 1 << 20,
		input_key: None,
	}
}

fn run_and_commit(until: BlockNumber) -> DutyTask<BlockNumber> {
	DutyTask::RunAndCommit { round: 0, until }
}

/// Waits until no run and no submission of `worker` is under way.
async fn settle(worker: &Worker) {
	let deadline = Instant::now() + Duration::from_secs(60);
	loop {
		{
			let tasks = worker.tasks();
			if tasks.running.is_empty() && !tasks.sent.values().any(|sent| *sent == Sent::InFlight)
			{
				return;
			}
		}
		assert!(Instant::now() < deadline, "the worker's tasks did not end");
		tokio::time::sleep(Duration::from_millis(5)).await;
	}
}

/// The result a fresh runner gives `duty` with `input`, run on a thread of its own: the
/// runner blocks, and the tests call this from async code.
fn honest(duty: &Duty, input: &[u8]) -> RunResult {
	let (limits, input) = (outcome::limits(duty), input.to_vec());
	std::thread::spawn(move || {
		let args = ["-n".to_owned(), "\u{fffd}x".to_owned()];
		let run = Runner::new(1 << 26).unwrap().run(&echo(), &input, &args, &limits).unwrap();
		outcome::to_result(run.outcome, run.fuel_used, outcome::max_inline_output()).0
	})
	.join()
	.unwrap()
}

fn commit_of(call: &RuntimeCall) -> (JobId, [u8; 32]) {
	match call {
		RuntimeCall::Compute(pallet_xmbl_compute::Call::commit_result { job, commitment }) => {
			(*job, *commitment)
		},
		other => panic!("not a commitment: {other:?}"),
	}
}

fn reveal_of(call: &RuntimeCall) -> (JobId, pallet_xmbl_compute::JobResultOf<Runtime>, [u8; 32]) {
	match call {
		RuntimeCall::Compute(pallet_xmbl_compute::Call::reveal_result { job, result, salt }) => {
			(*job, result.clone(), *salt)
		},
		other => panic!("not a reveal: {other:?}"),
	}
}

/// How it fails: a job run again at the next block or while its first run is under way (the
/// cache counts two runs), a commitment that is not `commitment(saved result, saved salt,
/// worker)`, a result other than the runner's, or a commitment sent again within
/// `RESEND_AFTER` blocks or not at all after them (then from the saved result, not a new run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_run_once_and_committed_to_its_saved_result() {
	let dir = tempfile::tempdir().unwrap();
	let chain = Arc::new(ScriptedChain::default());
	let worker = Arc::new(worker_on(&chain, dir.path()));
	let due = vec![duty(1, run_and_commit(30), JobSource::Inline(b"hello".to_vec()))];
	chain.at(10, due.clone());
	worker.round().unwrap();
	// The next block arrives while the job may still run.
	chain.at(11, due.clone());
	worker.round().unwrap();
	settle(&worker).await;

	let record = worker.records.get(1).expect("the result is saved");
	assert_eq!(record.round, 0);
	assert_eq!(record.result, honest(&due[0], b"hello"));
	assert_eq!(record.result.output, JobOutput::Inline(b"hello".to_vec()));
	assert!(record.result.fuel_used > 0);
	let calls = chain.calls();
	assert_eq!(calls.len(), 1, "{calls:?}");
	assert_eq!(
		commit_of(&calls[0]),
		(1, commitment(&record.result, &record.salt, &worker.account))
	);
	let stats = worker.runner.cache_stats();
	assert_eq!(stats.hits + stats.misses, 1, "run once");

	chain.at(13, due.clone());
	worker.round().unwrap();
	settle(&worker).await;
	assert!(chain.calls().is_empty(), "included 3 blocks ago");
	// Still due 4 blocks after it was sent (at block 10 or 11, whichever was best when the run
	// ended): the block that held it was retracted.
	chain.at(15, due);
	worker.round().unwrap();
	settle(&worker).await;
	let calls = chain.calls();
	assert_eq!(calls.len(), 1);
	assert_eq!(
		commit_of(&calls[0]),
		(1, commitment(&record.result, &record.salt, &worker.account))
	);
	let stats = worker.runner.cache_stats();
	assert_eq!(stats.hits + stats.misses, 1, "not run again");
}

/// How it fails: a reveal of another result or salt than the committed ones, a worker that
/// restarted over the same folder and cannot reveal (or runs the job again), a failed reveal
/// not sent again at the next block, or a missing result not reported as lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reveal_uses_the_saved_result_and_salt_also_after_a_restart() {
	let dir = tempfile::tempdir().unwrap();
	let chain = Arc::new(ScriptedChain::default());
	let worker = Arc::new(worker_on(&chain, dir.path()));
	chain.at(10, vec![duty(2, run_and_commit(30), JobSource::Inline(b"abc".to_vec()))]);
	worker.round().unwrap();
	settle(&worker).await;
	let record = worker.records.get(2).unwrap();
	let committed = commit_of(&chain.calls()[0]).1;

	let reveal =
		vec![duty(2, DutyTask::Reveal { round: 0, until: 40 }, JobSource::Inline(Vec::new()))];
	chain.at(31, reveal.clone());
	worker.round().unwrap();
	settle(&worker).await;
	let calls = chain.calls();
	assert_eq!(calls.len(), 1);
	let (job, result, salt) = reveal_of(&calls[0]);
	assert_eq!((job, salt), (2, record.salt));
	assert_eq!(result.encode(), record.result.encode());
	assert_eq!(commitment(&result, &salt, &worker.account), committed);

	// A restart: a new worker over the same folder, with an empty module cache.
	drop(worker);
	let restarted = Arc::new(worker_on(&chain, dir.path()));
	chain
		.outcomes
		.lock()
		.unwrap()
		.push(Err(ChainError::Transaction(ClientError::Dispatch {
			tx_hash: H256::zero(),
			block_hash: H256::zero(),
			error: xmbl_client::NamedDispatchError {
				name: "Compute.NotRevealPhase".into(),
				description: String::new(),
			},
		})));
	chain.at(32, reveal.clone());
	restarted.round().unwrap();
	settle(&restarted).await;
	let failed = chain.calls();
	assert_eq!(failed.len(), 1);
	assert_eq!(reveal_of(&failed[0]), (2, result.clone(), record.salt));
	chain.at(33, reveal);
	restarted.round().unwrap();
	settle(&restarted).await;
	let calls = chain.calls();
	assert_eq!(calls.len(), 1, "sent again at the next block");
	assert_eq!(reveal_of(&calls[0]), (2, result, record.salt));
	assert_eq!(restarted.runner.cache_stats().misses, 0, "not run again");

	// A reveal due with nothing saved: nothing sent, reported once.
	chain.at(
		34,
		vec![duty(3, DutyTask::Reveal { round: 0, until: 40 }, JobSource::Inline(Vec::new()))],
	);
	restarted.round().unwrap();
	settle(&restarted).await;
	assert!(chain.calls().is_empty());
	assert!(restarted.tasks().lost.contains(&3));
}

/// Serves `shards` at `/shards/{root}` to requests signed by `reader` for the shard's holder
/// (`holder(index)`), as a shard server serves a private deal's shards; returns the base URL.
async fn serve_shards(shards: Vec<Vec<u8>>, reader: AccountId) -> String {
	use axum::{extract::State, http::HeaderMap, response::IntoResponse};
	type Held = Arc<(Vec<Vec<u8>>, AccountId)>;
	async fn shard(
		State(held): State<Held>,
		axum::extract::Path(root): axum::extract::Path<String>,
		headers: HeaderMap,
	) -> axum::response::Response {
		let (shards, reader) = &*held;
		let Some(index) = shards.iter().position(|shard| hex::encode(blake3_root(shard)) == root)
		else {
			return axum::http::StatusCode::NOT_FOUND.into_response();
		};
		let signer = shard_requests::verify(
			|name| headers.get(name).and_then(|value| value.to_str().ok()),
			ShardMethod::Get,
			&blake3_root(&shards[index]),
			&holder(index),
			shard_requests::unix_now(),
		);
		match signer {
			Ok(Some(signer)) if signer == *reader => shards[index].clone().into_response(),
			_ => axum::http::StatusCode::UNAUTHORIZED.into_response(),
		}
	}
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let base = format!("http://{}", listener.local_addr().unwrap());
	let app = axum::Router::new()
		.route("/shards/{root}", axum::routing::get(shard))
		.with_state(Arc::new((shards, reader)));
	tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
	base
}

fn blake3_root(bytes: &[u8]) -> [u8; 32] {
	*blake3::hash(bytes).as_bytes()
}

fn holder(index: usize) -> AccountId {
	AccountId::from([10 + index as u8; 32])
}

/// `bytes` stored as a 2 + 1 deal (encrypted with `key` if given), shard `i` held by
/// `holder(i)`; and the shards.
fn stored_deal(bytes: &[u8], key: Option<&FileKey>) -> (DealView, Vec<Vec<u8>>) {
	let mut shards = vec![Vec::new(); 3];
	let secret = key.map_or(FileSecret::Public, FileSecret::Key);
	let manifest =
		xmbl_file_format::encode(bytes, &EncodeParams::new(2, 1), secret, &mut shards).unwrap();
	let deal = Deal::<Runtime> {
		owner: AccountId::from([1; 32]),
		file_root: manifest.file_root,
		data_shards: 2,
		parity_shards: 1,
		shard_size: manifest.shard_size(),
		price: 1,
		periods: 10,
		period: 0,
		escrow: 0,
		repair_reserve: 0,
		status: DealStatus::Active,
		due: 100,
		period_start: 0,
		seed: [0; 32],
		shards: BoundedVec::truncate_from(
			manifest
				.shards
				.iter()
				.enumerate()
				.map(|(index, info)| Shard::<Runtime> {
					root: info.root,
					provider: Some(holder(index)),
					state: ShardState::Stored { from_period: 0, proven: None },
					missed: 0,
				})
				.collect(),
		),
	};
	((deal, manifest), shards)
}

/// How it fails: a stored input not fetched, fetched unsigned (the holders refuse it), not
/// opened with the job's key, or opened with another; a long output revealed inline, kept
/// under another name than its blake2 hash or not served at `/outputs/{hash}`; an encrypted
/// input without a key committed to anything, or one with a wrong key not committed as
/// `InputUnreadable`; or a pruned job's result and output kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_encrypted_input_is_opened_with_the_job_key_and_a_wrong_key_is_input_unreadable() {
	let dir = tempfile::tempdir().unwrap();
	let chain = Arc::new(ScriptedChain::default());
	let worker = Arc::new(worker_on(&chain, dir.path()));
	let input: Vec<u8> = (0..40_000u32).map(|i| (i * 31 % 251) as u8).collect();
	let file_key = FileKey::from_bytes([3; 32]);
	let (view, shards) = stored_deal(&input, Some(&file_key));
	assert!(matches!(view.1.encryption, Encryption::Aes256GcmStream { .. }));
	let base = serve_shards(shards, worker.account.clone()).await;
	for index in 0..3 {
		chain.register(holder(index), &base, 0);
	}
	chain.deals.lock().unwrap().insert(7, view);

	let mut with_key = duty(4, run_and_commit(30), JobSource::Deal(7));
	with_key.input_key = Some(*file_key.as_bytes());
	let without_key = duty(5, run_and_commit(30), JobSource::Deal(7));
	let mut wrong_key = duty(6, run_and_commit(30), JobSource::Deal(7));
	wrong_key.input_key = Some([9; 32]);
	chain.at(10, vec![with_key.clone(), without_key, wrong_key]);
	worker.round().unwrap();
	settle(&worker).await;

	let record = worker.records.get(4).expect("job 4 ran");
	let hash = blake2_256(&input);
	assert_eq!(record.result, honest(&with_key, &input));
	assert_eq!(record.result.output, JobOutput::Kept { hash, len: input.len() as u64 });
	// The wrong key opens nothing: the outcome every worker finds, committed.
	assert_eq!(worker.records.get(6).expect("job 6 ended").result, outcome::input_unreadable());
	let calls = chain.calls();
	let mut committed: Vec<JobId> = calls.iter().map(|call| commit_of(call).0).collect();
	committed.sort_unstable();
	assert_eq!(committed, [4, 6], "jobs 4 and 6 are committed: {calls:?}");
	assert_eq!(worker.records.get(5), None);
	assert!(worker.tasks().retry_at.contains_key(&5), "job 5 has no key: not run");
	assert!(!dir.path().join("fetch/4-input").exists(), "downloads removed");

	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let served = format!("http://{}", listener.local_addr().unwrap());
	let router = outputs::router(worker.records.clone());
	tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
	let http = reqwest::Client::new();
	let get = |path: String| {
		let (http, url) = (http.clone(), format!("{served}/outputs/{path}"));
		async move {
			let response = http.get(url).send().await.unwrap();
			(response.status().as_u16(), response.bytes().await.unwrap().to_vec())
		}
	};
	assert_eq!(get(hex::encode(hash)).await, (200, input.clone()));
	assert_eq!(get(hex::encode([1u8; 32])).await.0, 404);
	assert_eq!(get(hex::encode(hash).to_uppercase()).await.0, 400);

	// Pruned from the chain: the result and the output go at the next check.
	chain.jobs.lock().unwrap().clear();
	*chain.duties.lock().unwrap() = Vec::new();
	*chain.best.lock().unwrap() = Some(block(10 + PRUNE_EVERY - 1));
	worker.round().unwrap();
	assert!(worker.records.get(4).is_some(), "checked every PRUNE_EVERY blocks only");
	*chain.best.lock().unwrap() = Some(block(10 + PRUNE_EVERY));
	worker.round().unwrap();
	assert_eq!(worker.records.get(4), None);
	assert_eq!(get(hex::encode(hash)).await.0, 404);
}

/// How it fails: an encrypted stored program fetched or run (its stored bytes are no
/// module), or a stored program over the runner's bound fetched: both are refused from the
/// manifest alone, as every worker refuses them, with no fuel used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_programs_that_cannot_run_are_refused_unfetched() {
	let dir = tempfile::tempdir().unwrap();
	let chain = Arc::new(ScriptedChain::default());
	let worker = Arc::new(worker_on(&chain, dir.path()));
	// No holder is registered: a fetch would fail.
	let (encrypted, _) = stored_deal(&echo(), Some(&FileKey::from_bytes([4; 32])));
	let (mut too_large, _) = stored_deal(&echo(), None);
	too_large.1 =
		Manifest { plaintext_size: crate::sources::max_module_bytes() + 1, ..too_large.1 };
	chain.deals.lock().unwrap().extend([(8, encrypted), (9, too_large)]);
	let mut from_encrypted = duty(6, run_and_commit(30), JobSource::Inline(Vec::new()));
	from_encrypted.program = JobSource::Deal(8);
	let mut from_too_large = duty(7, run_and_commit(30), JobSource::Inline(Vec::new()));
	from_too_large.program = JobSource::Deal(9);
	chain.at(10, vec![from_encrypted, from_too_large]);
	worker.round().unwrap();
	settle(&worker).await;
	for (job, rejection) in [
		(6, xmbl_primitives::ModuleRejection::Malformed),
		(7, xmbl_primitives::ModuleRejection::TooLarge),
	] {
		let record = worker.records.get(job).expect("a result");
		assert_eq!(
			record.result,
			RunResult {
				kind: JobOutcomeKind::InvalidModule(rejection),
				fuel_used: 0,
				output: JobOutput::None,
			}
		);
	}
	assert_eq!(chain.calls().len(), 2);
}

/// How it fails: a corrupting worker that commits to the honest result (it would not be
/// outvoted), or one whose commitment does not open with its saved (wrong) result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corrupt_switch_changes_the_committed_result() {
	let dir = tempfile::tempdir().unwrap();
	let chain = Arc::new(ScriptedChain::default());
	let worker = Arc::new(worker_on(&chain, dir.path()).corrupting());
	let due = duty(8, run_and_commit(30), JobSource::Inline(b"hello".to_vec()));
	chain.at(10, vec![due.clone()]);
	worker.round().unwrap();
	settle(&worker).await;
	let record = worker.records.get(8).unwrap();
	let honest = honest(&due, b"hello");
	let mut wrong = honest.clone();
	wrong.output = JobOutput::Inline(b"\x97ello".to_vec());
	assert_eq!(record.result, wrong);
	let committed = commit_of(&chain.calls()[0]).1;
	assert_eq!(committed, commitment(&wrong, &record.salt, &worker.account));
	assert_ne!(committed, commitment(&honest, &record.salt, &worker.account));
}

/// How it fails: a private deal's shards served to a worker with no job to run on it (one
/// revealing is done reading, one with another input never had a reason), refused to one
/// with such a job, or duties read per request rather than once per block and worker.
#[test]
fn deal_readers_are_the_workers_with_a_job_to_run_on_the_deal() {
	let chain = Arc::new(ScriptedChain::default());
	let reader = AccountId::from([5; 32]);
	chain.at(
		10,
		vec![
			duty(1, run_and_commit(30), JobSource::Deal(7)),
			duty(2, DutyTask::Reveal { round: 0, until: 30 }, JobSource::Deal(8)),
			duty(3, run_and_commit(30), JobSource::Inline(Vec::new())),
		],
	);
	let readers = JobReaders::new(chain.clone());
	let at = block(10).hash;
	assert!(readers.may_read(at, 7, &reader));
	assert!(!readers.may_read(at, 8, &reader), "revealing: done reading");
	assert!(!readers.may_read(at, 9, &reader));
	*chain.duties.lock().unwrap() = Vec::new();
	assert!(readers.may_read(at, 7, &reader), "read once per block");
	assert!(!readers.may_read(block(11).hash, 7, &reader));
}
