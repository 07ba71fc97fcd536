//! The shard server: `PUT /shards/{root}` takes a shard the chain assigned to this provider,
//! from a request its deal's owner signed; `GET /shards/{root}` serves a held one, to anyone
//! for a public deal and to signed requests of the owner, of a provider repairing the deal or
//! of a reader [`DealReaders`] names for a private one (`xmbl_client::shard_requests`). Bodies
//! stream; nothing is kept unless every byte hashes to the root the chain holds. Routes other
//! services mount ([`crate::ProviderSetup::serve_also`]) are served beside these.
//!
//! Against strangers: a request is refused before a byte of its body is read or of space
//! reserved unless it is signed as above; connections are capped in all and per peer, a
//! request's header must arrive within [`HEADER_TIMEOUT`] (also the keep-alive idle limit),
//! a socket that moves nothing for [`IO_IDLE_TIMEOUT`] is closed, an upload slower than
//! [`MIN_UPLOAD_RATE`] is cut off, each root has one upload in flight, writes and reads run
//! on a bounded number of blocking threads, the store reserves space as bytes arrive, and
//! the duties and deals requests are checked against are read once per best block.

use super::{Provider, LOG_TARGET};
use axum::{
	body::Body,
	extract::{DefaultBodyLimit, Path, State},
	http::{header, HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::put,
	Json, Router,
};
use futures::StreamExt;
use polkadot_sdk::sp_core::H256;
use std::{
	collections::{HashMap, HashSet},
	net::IpAddr,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use xmbl_client::shard_requests::{self, ShardMethod};
use xmbl_file_format::Encryption;
use xmbl_primitives::{DealId, ShardDuty, ShardTask};
use xmbl_runtime::{AccountId, BlockNumber};
use xmbl_shard_store::{PutOutcome, Root, StoreError};

/// Chunks in flight between the network and the disk writer of one upload.
const UPLOAD_QUEUE: usize = 16;
/// Read size of downloads.
const DOWNLOAD_CHUNK: usize = 256 << 10;
/// Open connections, in all.
pub const MAX_CONNECTIONS: usize = 512;
/// Open connections from one peer (an IPv4 address, or an IPv6 /64).
pub const MAX_CONNECTIONS_PER_PEER: usize = 32;
/// How long a connection may take to send a request's header, and stay idle between
/// requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A socket that moves no byte for this long, while the server waits to read or write, is
/// closed.
pub const IO_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The slowest upload kept going, in bytes a second on average, after [`UPLOAD_GRACE`].
pub const MIN_UPLOAD_RATE: u64 = 64 << 10;
/// The start of an upload that the minimum rate does not count.
const UPLOAD_GRACE: Duration = Duration::from_secs(10);
/// Uploads written to disk at once (each holds a blocking thread).
pub const MAX_CONCURRENT_WRITES: usize = 16;
/// Downloads read from disk at once (each holds a blocking thread while it reads).
pub const MAX_CONCURRENT_READS: usize = 32;

/// Accounts that may read a private deal's shards besides its owner and the providers
/// repairing it, as another market of the chain decides: the compute workers running a job
/// whose input the deal is. Asked only for signed requests no other rule lets through.
pub trait DealReaders: Send + Sync + 'static {
	/// Whether `reader` may read the shards of deal `deal` as of block `at`.
	fn may_read(&self, at: H256, deal: DealId, reader: &AccountId) -> bool;
}

/// Who may do what with a deal's shards, as of one block.
struct DealAccess {
	/// The block it was read at.
	at: H256,
	owner: AccountId,
	/// Stored unencrypted: anyone may read it.
	public: bool,
	/// Providers the chain asked to rebuild a shard of the deal from the others.
	repairers: Vec<AccountId>,
}

/// The duties and deal access read at one best block.
struct BlockView {
	at: H256,
	duties: Arc<Vec<ShardDuty<BlockNumber>>>,
	deals: HashMap<DealId, Arc<DealAccess>>,
}

/// One provider's shard server.
struct ShardServer {
	provider: Arc<Provider>,
	/// Read once per best block; the lock makes concurrent requests wait for one read.
	view: tokio::sync::Mutex<Option<BlockView>>,
	/// Roots with an upload in progress.
	uploading: Mutex<HashSet<Root>>,
	writes: Arc<Semaphore>,
	reads: Arc<Semaphore>,
}

/// Serves `provider`'s shards, and the other services' `routes`, on `listener` until the node
/// stops.
pub async fn serve(provider: Arc<Provider>, listener: tokio::net::TcpListener, routes: Router) {
	let name = provider.name.clone();
	let server = Arc::new(ShardServer {
		provider,
		view: tokio::sync::Mutex::new(None),
		uploading: Mutex::new(HashSet::new()),
		writes: Arc::new(Semaphore::new(MAX_CONCURRENT_WRITES)),
		reads: Arc::new(Semaphore::new(MAX_CONCURRENT_READS)),
	});
	let app = Router::new()
		.route("/shards/{root}", put(upload).get(download))
		// Uploads are as long as the shard the chain assigned, checked below.
		.layer(DefaultBodyLimit::disable())
		.with_state(server)
		.merge(routes);
	let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
	let peers = Arc::new(Mutex::new(HashMap::new()));
	loop {
		let (socket, peer) = match listener.accept().await {
			Ok(accepted) => accepted,
			Err(error) => {
				// Out of file descriptors, most likely: let connections close first.
				log::warn!(target: LOG_TARGET, "shard server of {name}: accept failed: {error}");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			},
		};
		// Over a cap the connection is closed at once, unread.
		let Ok(permit) = connections.clone().try_acquire_owned() else { continue };
		let Some(slot) = PeerSlot::take(&peers, peer.ip()) else { continue };
		let app = app.clone();
		tokio::spawn(async move {
			let (_permit, _slot) = (permit, slot);
			let mut socket = tokio_io_timeout::TimeoutStream::new(socket);
			socket.set_read_timeout(Some(IO_IDLE_TIMEOUT));
			socket.set_write_timeout(Some(IO_IDLE_TIMEOUT));
			let io = hyper_util::rt::TokioIo::new(Box::pin(socket));
			let service = hyper_util::service::TowerToHyperService::new(app);
			// A refused, timed-out or broken connection is the peer's business: not logged.
			let _ = hyper::server::conn::http1::Builder::new()
				.timer(hyper_util::rt::TokioTimer::new())
				.header_read_timeout(HEADER_TIMEOUT)
				.serve_connection(io, service)
				.await;
		});
	}
}

/// One connection's place in the per-peer count, given back on drop.
struct PeerSlot {
	peers: Arc<Mutex<HashMap<IpAddr, usize>>>,
	peer: IpAddr,
}

impl PeerSlot {
	fn take(peers: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr) -> Option<Self> {
		let peer = peer_group(ip);
		let mut counts = peers.lock().expect("not poisoned");
		let count = counts.entry(peer).or_insert(0);
		if *count >= MAX_CONNECTIONS_PER_PEER {
			return None;
		}
		*count += 1;
		Some(Self { peers: peers.clone(), peer })
	}
}

impl Drop for PeerSlot {
	fn drop(&mut self) {
		let mut counts = self.peers.lock().expect("not poisoned");
		if let Some(count) = counts.get_mut(&self.peer) {
			*count -= 1;
			if *count == 0 {
				counts.remove(&self.peer);
			}
		}
	}
}

/// The peer a connection is counted against: an IPv4 address (also when mapped into IPv6),
/// or the /64 of an IPv6 address, which one host usually holds whole.
fn peer_group(ip: IpAddr) -> IpAddr {
	match ip {
		IpAddr::V4(_) => ip,
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => IpAddr::V4(v4),
			None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
		},
	}
}

/// An error response: the status and `{"error": message}`.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
	(status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

fn parse_root(text: &str) -> Result<Root, Response> {
	let mut root = [0u8; 32];
	hex::decode_to_slice(text, &mut root).map_err(|_| {
		refuse(StatusCode::BAD_REQUEST, format!("{text} is not a shard root (64 hex digits)"))
	})?;
	Ok(root)
}

fn store_error(error: StoreError) -> Response {
	let status = match &error {
		StoreError::RootMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
		StoreError::TooLong { .. } | StoreError::TooShort { .. } => StatusCode::BAD_REQUEST,
		StoreError::OverLimit { .. } => StatusCode::INSUFFICIENT_STORAGE,
		StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
		_ => StatusCode::INTERNAL_SERVER_ERROR,
	};
	refuse(status, error.to_string())
}

impl ShardServer {
	/// The account that signed a `method` request for `root`, `None` if unsigned, or the
	/// 401 answer to a bad signature.
	fn signer(
		&self,
		headers: &HeaderMap,
		method: ShardMethod,
		root: &Root,
	) -> Result<Option<AccountId>, Response> {
		shard_requests::verify(
			|name| headers.get(name).and_then(|value| value.to_str().ok()),
			method,
			root,
			&self.provider.account,
			shard_requests::unix_now(),
		)
		.map_err(|error| refuse(StatusCode::UNAUTHORIZED, error.to_string()))
	}

	/// The provider's duties for `root` at the best block, with each one's deal access,
	/// read from the chain at most once per block.
	async fn duties_of(
		&self,
		root: &Root,
	) -> Result<Vec<(ShardDuty<BlockNumber>, Arc<DealAccess>)>, Response> {
		let unavailable = |error: super::ChainError| {
			refuse(
				StatusCode::SERVICE_UNAVAILABLE,
				format!("cannot read this provider's duties from the chain: {error}"),
			)
		};
		let chain = &self.provider.chain;
		let best = *self.provider.best_block.borrow();
		let at = match best {
			Some(at) => at,
			None => chain.best().map_err(unavailable)?.hash,
		};
		let mut view = self.view.lock().await;
		if view.as_ref().is_none_or(|view| view.at != at) {
			let duties = chain.provider_duties(at, &self.provider.account);
			*view = Some(BlockView {
				at,
				duties: Arc::new(duties.map_err(unavailable)?),
				deals: HashMap::new(),
			});
		}
		let view = view.as_mut().expect("set above");
		let mut found = Vec::new();
		for duty in view.duties.clone().iter().filter(|duty| duty.root == *root) {
			let access = match view.deals.get(&duty.deal) {
				Some(access) => access.clone(),
				None => {
					let Some((deal, manifest)) = chain.deal(at, duty.deal).map_err(unavailable)?
					else {
						continue;
					};
					let repairers = deal
						.shards
						.iter()
						.filter(|shard| {
							matches!(
								shard.state,
								pallet_xmbl_storage::ShardState::Pending { repair: true, .. }
							)
						})
						.filter_map(|shard| shard.provider.clone())
						.collect();
					let access = Arc::new(DealAccess {
						at,
						owner: deal.owner,
						public: manifest.encryption == Encryption::None,
						repairers,
					});
					view.deals.insert(duty.deal, access.clone());
					access
				},
			};
			found.push((duty.clone(), access));
		}
		Ok(found)
	}
}

/// Removes its root from the uploads in progress when dropped.
struct UploadSlot<'a> {
	uploading: &'a Mutex<HashSet<Root>>,
	root: Root,
}

impl<'a> UploadSlot<'a> {
	fn take(uploading: &'a Mutex<HashSet<Root>>, root: Root) -> Option<Self> {
		// The lock is released before a slot exists: dropping one takes it again.
		let free = uploading.lock().expect("not poisoned").insert(root);
		free.then(|| Self { uploading, root })
	}
}

impl Drop for UploadSlot<'_> {
	fn drop(&mut self) {
		self.uploading.lock().expect("not poisoned").remove(&self.root);
	}
}

async fn upload(
	State(server): State<Arc<ShardServer>>,
	Path(root): Path<String>,
	headers: HeaderMap,
	body: Body,
) -> Response {
	let provider = &server.provider;
	let root = match parse_root(&root) {
		Ok(root) => root,
		Err(response) => return response,
	};
	let signer = match server.signer(&headers, ShardMethod::Put, &root) {
		Ok(Some(signer)) => signer,
		Ok(None) => {
			return refuse(
				StatusCode::UNAUTHORIZED,
				"a shard upload must be signed by the deal's owner (x-xmbl-signer, \
				 x-xmbl-expires, x-xmbl-signature)",
			)
		},
		Err(response) => return response,
	};
	let Some(length) = headers
		.get(header::CONTENT_LENGTH)
		.and_then(|value| value.to_str().ok())
		.and_then(|value| value.parse::<u64>().ok())
	else {
		return refuse(StatusCode::LENGTH_REQUIRED, "a shard upload needs a Content-Length");
	};
	// Only a shard the best block assigns to this provider to receive from its owner.
	let duties = match server.duties_of(&root).await {
		Ok(duties) => duties,
		Err(response) => return response,
	};
	let receiving: Vec<_> = duties
		.iter()
		.filter(|(duty, _)| matches!(duty.task, ShardTask::Receive { repair: false, .. }))
		.collect();
	if receiving.is_empty() {
		return refuse(
			StatusCode::FORBIDDEN,
			format!(
				"no shard with root {} is assigned to provider {} to receive",
				hex::encode(root),
				provider.name
			),
		);
	}
	let Some((duty, _)) = receiving.iter().find(|(_, access)| access.owner == signer) else {
		return refuse(
			StatusCode::FORBIDDEN,
			format!("{signer} does not own the deal of shard {}", hex::encode(root)),
		);
	};
	let size = duty.size;
	if length != size {
		let status =
			if length < size { StatusCode::BAD_REQUEST } else { StatusCode::PAYLOAD_TOO_LARGE };
		return refuse(status, format!("the shard is {size} bytes, the upload declares {length}"));
	}
	if provider.store.contains(&root) {
		return StatusCode::OK.into_response();
	}
	let Some(_slot) = UploadSlot::take(&server.uploading, root) else {
		return refuse(
			StatusCode::CONFLICT,
			format!("shard {} is being uploaded by another request", hex::encode(root)),
		);
	};
	let Ok(permit) = server.writes.clone().try_acquire_owned() else {
		return refuse(StatusCode::SERVICE_UNAVAILABLE, "too many uploads in progress");
	};
	let writer = match provider.store.begin_write(root, size) {
		Ok(writer) => writer,
		Err(error) => return store_error(error),
	};
	receive(provider, writer, body, permit).await
}

/// Streams `body` into `writer` on a blocking thread, holding `permit` until it is done.
async fn receive(
	provider: &Provider,
	writer: xmbl_shard_store::ShardWriter,
	body: Body,
	permit: OwnedSemaphorePermit,
) -> Response {
	let (root, size) = (*writer.root(), writer.expected_len());
	// `None` tells the disk side the upload broke off: it drops the writer (which removes
	// the temporary file) instead of finishing.
	let (chunks, mut received) = tokio::sync::mpsc::channel::<Option<bytes::Bytes>>(UPLOAD_QUEUE);
	let disk = tokio::task::spawn_blocking(move || {
		let _permit = permit;
		let mut writer = writer;
		while let Some(chunk) = received.blocking_recv() {
			match chunk {
				Some(chunk) => writer.write_chunk(&chunk)?,
				None => return Err(StoreError::WriteAborted),
			}
		}
		writer.finish()
	});
	let started = Instant::now();
	let mut got = 0u64;
	let mut broken = None;
	let mut stream = body.into_data_stream();
	while let Some(chunk) = stream.next().await {
		match chunk {
			Ok(chunk) => {
				got += chunk.len() as u64;
				if let Some(metrics) = &provider.metrics {
					metrics.uploaded(&provider.name, chunk.len() as u64);
				}
				if chunks.send(Some(chunk)).await.is_err() {
					// The writer stopped on an error: its result says which.
					break;
				}
				if too_slow(got, started.elapsed()) {
					broken = Some((
						StatusCode::REQUEST_TIMEOUT,
						format!(
							"the upload moved {got} bytes in {} s, under the minimum of {} KiB/s",
							started.elapsed().as_secs(),
							MIN_UPLOAD_RATE >> 10
						),
					));
					let _ = chunks.send(None).await;
					break;
				}
			},
			Err(error) => {
				broken = Some((StatusCode::BAD_REQUEST, format!("the upload broke off: {error}")));
				let _ = chunks.send(None).await;
				break;
			},
		}
	}
	drop(chunks);
	let outcome = disk.await;
	if let Some((status, message)) = broken {
		return refuse(status, message);
	}
	match outcome {
		Ok(Ok(PutOutcome::Stored)) => {
			log::info!(
				target: LOG_TARGET,
				"provider {}: received shard {} ({size} bytes)",
				provider.name,
				hex::encode(root)
			);
			provider.update_store_metrics();
			StatusCode::CREATED.into_response()
		},
		Ok(Ok(PutOutcome::AlreadyPresent)) => StatusCode::OK.into_response(),
		Ok(Err(error)) => store_error(error),
		Err(error) => {
			refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("the writer failed: {error}"))
		},
	}
}

/// Whether an upload that moved `got` bytes in `elapsed` is under the minimum rate.
fn too_slow(got: u64, elapsed: Duration) -> bool {
	let counted = elapsed.saturating_sub(UPLOAD_GRACE);
	u128::from(got) * 1000 < u128::from(MIN_UPLOAD_RATE) * counted.as_millis()
}

async fn download(
	State(server): State<Arc<ShardServer>>,
	Path(root): Path<String>,
	headers: HeaderMap,
) -> Response {
	let provider = &server.provider;
	let root = match parse_root(&root) {
		Ok(root) => root,
		Err(response) => return response,
	};
	let signer = match server.signer(&headers, ShardMethod::Get, &root) {
		Ok(signer) => signer,
		Err(response) => return response,
	};
	let duties = match server.duties_of(&root).await {
		Ok(duties) => duties,
		Err(response) => return response,
	};
	if duties.is_empty() {
		return refuse(
			StatusCode::NOT_FOUND,
			format!(
				"no live deal assigns shard {} to provider {}",
				hex::encode(root),
				provider.name
			),
		);
	}
	let allowed = duties.iter().any(|(duty, access)| {
		access.public
			|| signer.as_ref().is_some_and(|signer| {
				access.owner == *signer
					|| access.repairers.contains(signer)
					|| provider
						.readers
						.as_ref()
						.is_some_and(|readers| readers.may_read(access.at, duty.deal, signer))
			})
	});
	if !allowed {
		let (status, who) = match &signer {
			None => (StatusCode::UNAUTHORIZED, "an unsigned request".to_owned()),
			Some(signer) => (StatusCode::FORBIDDEN, signer.to_string()),
		};
		return refuse(
			status,
			format!(
				"shard {} belongs to a private deal: {who} may not read it (its owner, the \
				 providers repairing it and the workers of a job reading it may)",
				hex::encode(root)
			),
		);
	}
	let Ok(permit) = server.reads.clone().try_acquire_owned() else {
		return refuse(StatusCode::SERVICE_UNAVAILABLE, "too many downloads in progress");
	};
	let (length, file) = match (provider.store.shard_len(&root), provider.store.read(&root)) {
		(Some(length), Ok(file)) => (length, file),
		(None, _) | (_, Err(StoreError::NotFound { .. })) => {
			return refuse(
				StatusCode::NOT_FOUND,
				format!("provider {} holds no shard {}", provider.name, hex::encode(root)),
			)
		},
		(_, Err(error)) => return store_error(error),
	};
	let counting = server.clone();
	let stream = tokio_util::io::ReaderStream::with_capacity(
		tokio::fs::File::from_std(file),
		DOWNLOAD_CHUNK,
	)
	.inspect(move |chunk| {
		// The read permit lives as long as the body does.
		let _ = &permit;
		if let (Ok(chunk), Some(metrics)) = (chunk, &counting.provider.metrics) {
			metrics.downloaded(&counting.provider.name, chunk.len() as u64);
		}
	});
	(
		[
			(header::CONTENT_TYPE, "application/octet-stream".to_owned()),
			(header::CONTENT_LENGTH, length.to_string()),
		],
		Body::from_stream(stream),
	)
		.into_response()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// How it fails: a rate check that counts the grace period cuts honest starts off; one
	/// that never fires lets a trickle of one chunk a minute hold a write slot for hours.
	#[test]
	fn uploads_under_the_minimum_rate_after_the_grace_are_too_slow() {
		let secs = Duration::from_secs;
		assert!(!too_slow(0, secs(10)), "nothing is asked within the grace");
		assert!(!too_slow(MIN_UPLOAD_RATE, secs(11)));
		assert!(too_slow(MIN_UPLOAD_RATE - 1, secs(11)));
		assert!(!too_slow(100 * MIN_UPLOAD_RATE, secs(110)));
		assert!(too_slow(100 * MIN_UPLOAD_RATE - 1, secs(110)));
		assert!(too_slow(1, secs(60)), "a trickle");
	}

	#[test]
	fn peers_are_ipv4_addresses_or_ipv6_64s() {
		let ip = |text: &str| text.parse::<IpAddr>().unwrap();
		assert_eq!(peer_group(ip("10.1.2.3")), ip("10.1.2.3"));
		assert_eq!(peer_group(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
		assert_eq!(peer_group(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
		assert_eq!(peer_group(ip("2001:db8:1:2:ffff::1")), peer_group(ip("2001:db8:1:2::9")));
		assert_ne!(peer_group(ip("2001:db8:1:2::1")), peer_group(ip("2001:db8:1:3::1")));
	}

	/// How it fails: a count that is not given back on drop refuses a peer forever after
	/// its first connections close; one that is not per peer lets one peer take them all.
	#[test]
	fn a_peer_holds_at_most_its_share_of_connections_until_they_close() {
		let peers = Arc::new(Mutex::new(HashMap::new()));
		let a: IpAddr = "127.0.0.2".parse().unwrap();
		let b: IpAddr = "127.0.0.3".parse().unwrap();
		let held: Vec<_> = (0..MAX_CONNECTIONS_PER_PEER)
			.map(|_| PeerSlot::take(&peers, a).expect("within the share"))
			.collect();
		assert!(PeerSlot::take(&peers, a).is_none());
		assert!(PeerSlot::take(&peers, b).is_some(), "another peer is not held back");
		drop(held);
		assert!(PeerSlot::take(&peers, a).is_some());
		assert_eq!(peers.lock().unwrap().len(), 0, "closed peers are forgotten");
	}

	/// How it fails: a second upload of a root taken as free, a refused one that releases
	/// the first one's root, or (as once written) one that deadlocks on the set's lock.
	#[test]
	fn one_upload_of_a_root_at_a_time() {
		let uploading = Mutex::new(HashSet::new());
		let first = UploadSlot::take(&uploading, [1; 32]).expect("free");
		assert!(UploadSlot::take(&uploading, [1; 32]).is_none());
		assert!(UploadSlot::take(&uploading, [2; 32]).is_some());
		drop(first);
		assert!(UploadSlot::take(&uploading, [1; 32]).is_some());
	}
}
