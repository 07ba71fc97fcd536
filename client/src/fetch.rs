//! Fetching `k` of a deal's shards from their providers, as `xmbl get` and the node's repairs
//! both do: the sources are tried in the caller's order, at most `k` at a time, each download
//! retried on its own source while it fails in a way that may pass ([`RetryPolicy`]), and a
//! source that fails for good is replaced by the next. Downloads are hashed as they arrive
//! and kept only if they match their roots ([`crate::shards::download_shard`]).
//!
//! No more downloads run than are still needed, so none finishes once `k` are in; a file
//! this module wrote is removed whenever it is not handed to the caller: a failed download,
//! a fetch that ends with fewer than `k`, or a fetch that is dropped part way.

use crate::{
	retry::RetryPolicy,
	shard_requests::RequestSigner,
	shards::{self, ShardTransferError},
};
use polkadot_sdk::sp_core::sr25519;
use std::{
	path::{Path, PathBuf},
	sync::Arc,
};
use tokio::task::JoinSet;
use xmbl_runtime::AccountId;

/// A stored shard and where to fetch it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
	/// The shard's index in its deal.
	pub index: usize,
	/// Its root, which the bytes must hash to.
	pub root: [u8; 32],
	/// The provider holding it, whom signed requests are addressed to.
	pub provider: AccountId,
	/// That provider's shard server, as registered.
	pub endpoint: String,
}

/// What a fetch needs besides its sources.
#[derive(Clone, Copy)]
pub struct FetchOptions<'a> {
	/// Shards to fetch (the deal's `k`).
	pub needed: usize,
	/// Each shard's size in bytes.
	pub shard_size: u64,
	/// Downloads at once; never more than are still needed.
	pub concurrency: usize,
	/// Signs every request for its source's provider: a private deal's shards are served
	/// only to its owner and to providers repairing it.
	pub signer: Option<&'a sr25519::Pair>,
	/// How each download is tried again ([`RetryPolicy::TRANSFERS`]).
	pub retry: RetryPolicy,
}

/// What a fetch reports as it goes. The methods are called from several tasks at once;
/// each does nothing by default, and `()` is the fetch that reports nothing.
pub trait FetchProgress: Send + Sync + 'static {
	/// The download of `source` starts (in the order of the sources).
	fn started(&self, _source: &Source) {}
	/// The download of `source` failed in a way that may pass and starts again: its bytes
	/// come anew.
	fn retrying(&self, _source: &Source) {}
	/// `bytes` more arrived.
	fn bytes(&self, _bytes: u64) {}
	/// `source` failed for good; the next source takes its place.
	fn failed(&self, _source: &Source, _error: &ShardTransferError) {}
}

impl FetchProgress for () {}

/// A source that failed for good.
#[derive(Debug)]
pub struct FetchFailure {
	pub index: usize,
	pub endpoint: String,
	pub error: ShardTransferError,
}

/// A fetch that got its `k` shards.
#[derive(Debug)]
pub struct Fetched {
	/// `(index, path)` of each shard fetched, exactly `needed`, in the order they arrived;
	/// the caller owns the files.
	pub shards: Vec<(usize, PathBuf)>,
	/// The sources that failed on the way, in the order they failed.
	pub failures: Vec<FetchFailure>,
}

/// A fetch that ran out of sources before it had `k` shards; it left no file behind.
#[derive(Debug, thiserror::Error)]
#[error("fetched {fetched} of {needed} shards: {}", failure_list(failures))]
pub struct NotEnoughShards {
	pub fetched: usize,
	pub needed: usize,
	/// Every source that failed, in the order they failed.
	pub failures: Vec<FetchFailure>,
}

fn failure_list(failures: &[FetchFailure]) -> String {
	failures
		.iter()
		.map(|failure| {
			format!("shard {} from {}: {}", failure.index, failure.endpoint, failure.error)
		})
		.collect::<Vec<_>>()
		.join("; ")
}

/// Fetches `options.needed` of the shards of `sources` (in preference order) into the files
/// `path(index)`, as the module says. The endpoints are the callers' to resolve: a source
/// whose provider has none is theirs to count as failed.
pub async fn fetch_shards(
	http: &reqwest::Client,
	sources: Vec<Source>,
	options: &FetchOptions<'_>,
	path: impl Fn(usize) -> PathBuf,
	progress: impl FetchProgress,
) -> Result<Fetched, NotEnoughShards> {
	let needed = options.needed;
	let concurrency = options.concurrency.max(1);
	let progress = Arc::new(progress);
	let signer = options.signer.map(|key| Arc::new(key.clone()));
	let mut sources = sources.into_iter();
	let mut downloads = JoinSet::new();
	// Dropping these (or the download tasks, which hold theirs) removes the files.
	let mut fetched: Vec<(usize, ShardFile)> = Vec::with_capacity(needed);
	let mut failures = Vec::new();
	while fetched.len() < needed {
		while downloads.len() < concurrency && downloads.len() + fetched.len() < needed {
			let Some(source) = sources.next() else { break };
			progress.started(&source);
			let file = ShardFile(Some(path(source.index)));
			let (http, signer, progress) = (http.clone(), signer.clone(), progress.clone());
			let (size, retry) = (options.shard_size, options.retry);
			downloads.spawn(async move {
				let what = format!("download of shard {} from {}", source.index, source.endpoint);
				let result = retry
					.run(what, |attempt| {
						if attempt > 1 {
							progress.retrying(&source);
						}
						let counter = progress.clone();
						let signer = signer
							.as_deref()
							.map(|key| RequestSigner { key, provider: &source.provider });
						shards::download_shard(
							&http,
							&source.endpoint,
							&source.root,
							size,
							file.path(),
							signer,
							move |bytes| counter.bytes(bytes),
						)
					})
					.await;
				(source, result.map(|()| file))
			});
		}
		let Some(done) = downloads.join_next().await else { break };
		let (source, result) =
			done.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
		match result {
			Ok(file) => fetched.push((source.index, file)),
			Err(error) => {
				progress.failed(&source, &error);
				failures.push(FetchFailure {
					index: source.index,
					endpoint: source.endpoint,
					error,
				});
			},
		}
	}
	if fetched.len() < needed {
		return Err(NotEnoughShards { fetched: fetched.len(), needed, failures });
	}
	let shards = fetched.into_iter().map(|(index, file)| (index, file.keep())).collect();
	Ok(Fetched { shards, failures })
}

/// A download's file, removed when dropped unless kept.
struct ShardFile(Option<PathBuf>);

impl ShardFile {
	fn path(&self) -> &Path {
		self.0.as_deref().expect("a shard file is only taken by keep")
	}

	fn keep(mut self) -> PathBuf {
		self.0.take().expect("a shard file is only taken by keep")
	}
}

impl Drop for ShardFile {
	fn drop(&mut self) {
		if let Some(path) = self.0.take() {
			let _ = std::fs::remove_file(path);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::shard_requests::{self, ShardMethod};
	use axum::{
		body::{Body, Bytes},
		extract::{Path as UrlPath, State},
		http::{HeaderMap, StatusCode},
		response::{IntoResponse, Response},
		routing::get,
		Router,
	};
	use futures::StreamExt;
	use polkadot_sdk::sp_core::Pair;
	use std::{
		collections::{BTreeSet, HashMap},
		sync::{
			atomic::{AtomicU64, AtomicUsize, Ordering},
			Mutex,
		},
		time::{Duration, Instant},
	};

	const SIZE: usize = 10_000;
	/// The transfer policy's 4 tries, with pauses too short to slow the tests.
	const QUICK: RetryPolicy = RetryPolicy {
		attempts: 4,
		first_delay: Duration::from_millis(1),
		max_delay: Duration::from_millis(4),
	};

	/// How the test server answers the requests for one source's shard.
	#[derive(Clone)]
	enum Answer {
		Shard,
		Status(u16),
		/// The shard with one byte changed.
		WrongBytes,
		/// 503 the first time, then the shard.
		BusyOnce,
		/// The headers and a tenth of the shard, then nothing.
		Stall,
		/// The shard for a request signed by `//Alice` for this provider, 401 otherwise.
		SignedFor(AccountId),
	}

	/// A shard server on loopback: source `i` is served under the path `/s{i}`.
	struct Server {
		answers: HashMap<usize, Answer>,
		hits: Mutex<HashMap<usize, usize>>,
		in_flight: AtomicUsize,
		most_in_flight: AtomicUsize,
	}

	fn shard(index: usize) -> Vec<u8> {
		(0..SIZE).map(|i| (i * 7 + index * 13) as u8).collect()
	}

	fn root(index: usize) -> [u8; 32] {
		*blake3::hash(&shard(index)).as_bytes()
	}

	fn alice() -> sr25519::Pair {
		sr25519::Pair::from_string("//Alice", None).unwrap()
	}

	async fn answer(
		State(server): State<Arc<Server>>,
		UrlPath((name, _root)): UrlPath<(String, String)>,
		headers: HeaderMap,
	) -> Response {
		let index: usize = name[1..].parse().unwrap();
		let hit = {
			let mut hits = server.hits.lock().unwrap();
			let hit = hits.entry(index).or_default();
			*hit += 1;
			*hit
		};
		let now = server.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
		server.most_in_flight.fetch_max(now, Ordering::SeqCst);
		// Long enough for the downloads the fetch runs at once to overlap here.
		tokio::time::sleep(Duration::from_millis(20)).await;
		server.in_flight.fetch_sub(1, Ordering::SeqCst);
		let status = |code: u16| {
			let status = StatusCode::from_u16(code).unwrap();
			(status, format!(r#"{{"error": "status {code}"}}"#)).into_response()
		};
		match &server.answers[&index] {
			Answer::Shard => shard(index).into_response(),
			Answer::Status(code) => status(*code),
			Answer::WrongBytes => {
				let mut bytes = shard(index);
				bytes[SIZE / 2] ^= 1;
				bytes.into_response()
			},
			Answer::BusyOnce if hit == 1 => status(503),
			Answer::BusyOnce => shard(index).into_response(),
			Answer::Stall => {
				let first = Bytes::from(shard(index)[..SIZE / 10].to_vec());
				let body = futures::stream::iter([Ok::<_, std::io::Error>(first)])
					.chain(futures::stream::pending());
				([("content-length", SIZE.to_string())], Body::from_stream(body)).into_response()
			},
			Answer::SignedFor(provider) => {
				let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
				let signer = shard_requests::verify(
					header,
					ShardMethod::Get,
					&root(index),
					provider,
					shard_requests::unix_now(),
				);
				match signer {
					Ok(Some(signer)) if signer == AccountId::from(alice().public()) => {
						shard(index).into_response()
					},
					_ => status(401),
				}
			},
		}
	}

	/// Serves `answers`; returns the server's state and the sources, in the given order.
	async fn serve(answers: Vec<(usize, Answer)>) -> (Arc<Server>, Vec<Source>) {
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let base = format!("http://{}", listener.local_addr().unwrap());
		let sources = answers
			.iter()
			.map(|(index, answer)| Source {
				index: *index,
				root: root(*index),
				provider: match answer {
					Answer::SignedFor(provider) => provider.clone(),
					_ => AccountId::from([*index as u8; 32]),
				},
				endpoint: format!("{base}/s{index}"),
			})
			.collect();
		let server = Arc::new(Server {
			answers: answers.into_iter().collect(),
			hits: Mutex::default(),
			in_flight: AtomicUsize::new(0),
			most_in_flight: AtomicUsize::new(0),
		});
		let app = Router::new()
			.route("/{name}/shards/{root}", get(answer))
			.with_state(server.clone());
		tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
		(server, sources)
	}

	impl Server {
		fn hits(&self, index: usize) -> usize {
			self.hits.lock().unwrap().get(&index).copied().unwrap_or(0)
		}
	}

	/// What the fetch reported, in order.
	#[derive(Clone, Default)]
	struct Recorder {
		events: Arc<Mutex<Vec<String>>>,
		bytes: Arc<AtomicU64>,
	}

	impl Recorder {
		fn events(&self, kind: &str) -> Vec<usize> {
			let events = self.events.lock().unwrap();
			events
				.iter()
				.filter_map(|event| event.strip_prefix(kind)?.strip_prefix(' ')?.parse().ok())
				.collect()
		}
	}

	impl FetchProgress for Recorder {
		fn started(&self, source: &Source) {
			self.events.lock().unwrap().push(format!("started {}", source.index));
		}

		fn retrying(&self, source: &Source) {
			self.events.lock().unwrap().push(format!("retrying {}", source.index));
		}

		fn bytes(&self, bytes: u64) {
			self.bytes.fetch_add(bytes, Ordering::Relaxed);
		}

		fn failed(&self, source: &Source, _error: &ShardTransferError) {
			self.events.lock().unwrap().push(format!("failed {}", source.index));
		}
	}

	fn options(needed: usize, concurrency: usize) -> FetchOptions<'static> {
		FetchOptions { needed, shard_size: SIZE as u64, concurrency, signer: None, retry: QUICK }
	}

	fn files(dir: &Path) -> BTreeSet<String> {
		std::fs::read_dir(dir)
			.unwrap()
			.map(|entry| entry.unwrap().file_name().into_string().unwrap())
			.collect()
	}

	fn path_in(dir: &Path) -> impl Fn(usize) -> PathBuf + '_ {
		move |index| dir.join(format!("shard-{index}"))
	}

	/// Fails if a failed source (404, 500 after its retries, bytes that do not hash to the
	/// root) is counted as fetched or not replaced by the next, if a source after the `k`
	/// needed is contacted, if a 404 or a wrong root is tried again or a 500 is tried other
	/// than 4 times, if more downloads than the concurrency run at once, or if a file other
	/// than the `k` fetched ones is left.
	#[tokio::test]
	async fn k_of_n_replaces_failed_sources_by_the_next() {
		let (server, sources) = serve(vec![
			(0, Answer::Status(404)),
			(1, Answer::Shard),
			(2, Answer::WrongBytes),
			(3, Answer::Status(500)),
			(4, Answer::Shard),
			(5, Answer::Shard),
			(6, Answer::Shard),
		])
		.await;
		let endpoint = |index: usize| sources[index].endpoint.clone();
		let dir = tempfile::tempdir().unwrap();
		let recorder = Recorder::default();
		let http = shards::http_client().unwrap();
		let fetched = fetch_shards(
			&http,
			sources.clone(),
			&options(3, 2),
			path_in(dir.path()),
			recorder.clone(),
		)
		.await
		.unwrap();

		let mut indices: Vec<usize> = fetched.shards.iter().map(|(index, _)| *index).collect();
		indices.sort();
		assert_eq!(indices, [1, 4, 5]);
		for (index, path) in &fetched.shards {
			assert_eq!(*path, dir.path().join(format!("shard-{index}")));
			assert!(std::fs::read(path).unwrap() == shard(*index), "shard {index}");
		}
		assert_eq!(files(dir.path()), ["shard-1", "shard-4", "shard-5"].map(String::from).into());

		let mut failures: Vec<&FetchFailure> = fetched.failures.iter().collect();
		failures.sort_by_key(|failure| failure.index);
		assert_eq!(failures.iter().map(|failure| failure.index).collect::<Vec<_>>(), [0, 2, 3]);
		for failure in &failures {
			assert_eq!(failure.endpoint, endpoint(failure.index));
		}
		assert!(matches!(failures[0].error, ShardTransferError::Status { status: 404, .. }));
		assert!(matches!(failures[1].error, ShardTransferError::RootMismatch { .. }));
		assert!(matches!(failures[2].error, ShardTransferError::Status { status: 500, .. }));

		let hits: Vec<usize> = (0..7).map(|index| server.hits(index)).collect();
		assert_eq!(hits, [1, 1, 1, 4, 1, 1, 0]);
		assert!(server.most_in_flight.load(Ordering::SeqCst) <= 2);
		assert_eq!(recorder.events("started"), [0, 1, 2, 3, 4, 5]);
		assert_eq!(recorder.events("retrying"), [3, 3, 3]);
		let mut failed = recorder.events("failed");
		failed.sort();
		assert_eq!(failed, [0, 2, 3]);
		// The three shards and the one with a wrong byte arrived whole.
		assert_eq!(recorder.bytes.load(Ordering::Relaxed), 4 * SIZE as u64);
	}

	/// Fails if a fetch short of `k` succeeds, does not name every failed source with its
	/// endpoint and error, or leaves the shards it did fetch behind.
	#[tokio::test]
	async fn too_few_shards_fail_naming_each_source_and_leave_no_file() {
		let (server, sources) =
			serve(vec![(0, Answer::Shard), (1, Answer::Status(404)), (2, Answer::Shard)]).await;
		let dir = tempfile::tempdir().unwrap();
		let http = shards::http_client().unwrap();
		let error = fetch_shards(&http, sources.clone(), &options(3, 3), path_in(dir.path()), ())
			.await
			.unwrap_err();
		assert_eq!((error.fetched, error.needed), (2, 3));
		assert_eq!(error.failures.len(), 1);
		let url = format!("{}/shards/{}", sources[1].endpoint, hex::encode(root(1)));
		assert_eq!(
			error.to_string(),
			format!(
				"fetched 2 of 3 shards: shard 1 from {}: the provider at {url} answered 404: \
				 status 404",
				sources[1].endpoint
			)
		);
		assert_eq!((server.hits(0), server.hits(1), server.hits(2)), (1, 1, 1));
		assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
	}

	/// Fails if a 503 is not tried again on the same source under the transfer policy (1 s
	/// later), if the retry is not reported (the CLI's meter makes room for it), or if the
	/// recovered source is counted as failed.
	#[tokio::test]
	async fn a_busy_source_is_tried_again_and_succeeds() {
		let (server, sources) = serve(vec![(0, Answer::BusyOnce), (1, Answer::Shard)]).await;
		let dir = tempfile::tempdir().unwrap();
		let recorder = Recorder::default();
		let options = FetchOptions { retry: RetryPolicy::TRANSFERS, ..options(1, 1) };
		let http = shards::http_client().unwrap();
		let start = Instant::now();
		let fetched = fetch_shards(&http, sources, &options, path_in(dir.path()), recorder.clone())
			.await
			.unwrap();
		assert!(start.elapsed() >= Duration::from_secs(1), "{:?}", start.elapsed());
		assert_eq!(fetched.shards, [(0, dir.path().join("shard-0"))]);
		assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
		assert_eq!((server.hits(0), server.hits(1)), (2, 0));
		assert_eq!(recorder.events("retrying"), [0]);
		assert!(recorder.events("failed").is_empty());
		assert_eq!(files(dir.path()), ["shard-0".to_owned()].into());
	}

	/// Fails if a fetch dropped while a download is under way (the caller gave up, the node
	/// shuts down) leaves that download's file behind.
	#[tokio::test]
	async fn a_dropped_fetch_removes_the_download_under_way() {
		let (server, sources) = serve(vec![(0, Answer::Stall)]).await;
		let dir = tempfile::tempdir().unwrap();
		let partial = dir.path().join("shard-0");
		let folder = dir.path().to_owned();
		let fetch = tokio::spawn(async move {
			let http = shards::http_client().unwrap();
			fetch_shards(&http, sources, &options(1, 1), path_in(&folder), ())
				.await
				.map(|_| ())
		});
		let deadline = Instant::now() + Duration::from_secs(10);
		while !partial.exists() {
			assert!(Instant::now() < deadline, "the download never started");
			tokio::time::sleep(Duration::from_millis(10)).await;
		}
		fetch.abort();
		assert!(fetch.await.unwrap_err().is_cancelled());
		while partial.exists() {
			assert!(Instant::now() < deadline, "the partial download was left behind");
			tokio::time::sleep(Duration::from_millis(10)).await;
		}
		assert_eq!(server.hits(0), 1);
	}

	/// Fails if the requests of a private deal's fetch are not signed, or are signed for
	/// another provider than the one each is sent to (the server checks the signature
	/// against its own account, as a shard server does).
	#[tokio::test]
	async fn each_request_is_signed_for_its_own_provider() {
		let (bob, charlie) = (AccountId::from([0xb0; 32]), AccountId::from([0xc4; 32]));
		let (server, sources) =
			serve(vec![(0, Answer::SignedFor(bob)), (1, Answer::SignedFor(charlie))]).await;
		let dir = tempfile::tempdir().unwrap();
		let http = shards::http_client().unwrap();
		let key = alice();
		let signed = FetchOptions { signer: Some(&key), ..options(2, 2) };
		let fetched = fetch_shards(&http, sources.clone(), &signed, path_in(dir.path()), ())
			.await
			.unwrap();
		assert_eq!(fetched.shards.len(), 2);
		assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
		std::fs::remove_file(dir.path().join("shard-0")).unwrap();
		std::fs::remove_file(dir.path().join("shard-1")).unwrap();

		let error = fetch_shards(&http, sources, &options(2, 2), path_in(dir.path()), ())
			.await
			.unwrap_err();
		assert_eq!(error.fetched, 0);
		for failure in &error.failures {
			assert!(matches!(failure.error, ShardTransferError::Status { status: 401, .. }));
		}
		assert_eq!((server.hits(0), server.hits(1)), (2, 2));
		assert!(files(dir.path()).is_empty());
	}
}
