//! Shard transfer over HTTP with the providers' shard servers (served by `xmbl-node`):
//!
//! - `PUT {endpoint}/shards/{root}` (`root` as 64 lowercase hex digits) with the shard as the
//!   body and its `Content-Length`, signed by the deal's owner ([`crate::shard_requests`]):
//!   201 stored, 200 already held; 401 unsigned or a bad signature, 403 no shard with that
//!   root is assigned to the provider to receive or the signer does not own its deal, 409
//!   another upload of the shard is in progress, 411 no length, 413 not the assigned size,
//!   400 a short body or a bad root, 408 the body came slower than the server's minimum
//!   rate, 422 the bytes do not hash to the root, 503 the server is busy, 507 store full.
//! - `GET {endpoint}/shards/{root}`: 200 with the bytes; a private (encrypted) deal's shard
//!   only for a request signed by its owner or a provider repairing a shard of the deal
//!   (401/403 otherwise); 404 not held or no live deal assigns it, 500 the provider cannot
//!   read it, 503 busy.
//!
//! Error bodies are `{"error": "message"}`. Bodies stream from and to files, so memory does
//! not grow with the shard; a download is hashed as it arrives and kept only if it is the
//! shard the root names. Plain `http://` only: the client has no TLS stack of its own, and
//! shards are ciphertext checked against roots from the chain.

use futures::StreamExt;
use reqwest::{header::CONTENT_LENGTH, StatusCode};
use std::{
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
	retry::RetryPolicy,
	shard_requests::{RequestSigner, ShardMethod},
};

/// How long to wait for a provider to accept the TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A transfer that moves no byte for this long fails.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a provider may take to answer once an upload's last byte is sent (it stores
/// the shard durably first).
pub const STORE_TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes read from or written to disk at a time.
const CHUNK: usize = 256 << 10;
/// The longest provider error message kept.
const MAX_MESSAGE: usize = 1024;

/// Why a shard transfer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShardTransferError {
	#[error("not a usable provider endpoint {endpoint:?}: {reason}")]
	BadEndpoint { endpoint: String, reason: String },
	#[error("cannot reach the provider at {url}: {error}")]
	Unreachable { url: String, error: String },
	#[error("the transfer with the provider at {url} broke off: {error}")]
	Interrupted { url: String, error: String },
	#[error("the provider at {url} moved no data for {} s", .idle.as_secs())]
	Stalled { url: String, idle: Duration },
	#[error("the provider at {url} answered {status}: {message}")]
	Status { url: String, status: u16, message: String },
	#[error("the provider at {url} sent {got} bytes, the shard has {expected}")]
	WrongLength { url: String, expected: u64, got: u64 },
	#[error("the bytes from {url} do not hash to the shard's root")]
	RootMismatch { url: String },
	#[error("{}: {error}", .path.display())]
	Io { path: PathBuf, error: std::io::Error },
}

impl ShardTransferError {
	/// Whether the same transfer may succeed if tried again shortly: the provider was
	/// unreachable, stalled, broke off, failed on its side or was busy (5xx but 507, store
	/// full), found the body too slow (408), was receiving the shard from another upload
	/// (409), or refused with 403 (it may not have imported the block that assigns the shard
	/// yet).
	pub fn is_transient(&self) -> bool {
		match self {
			Self::Unreachable { .. } | Self::Interrupted { .. } | Self::Stalled { .. } => true,
			Self::Status { status, .. } => {
				matches!(*status, 403 | 408 | 409) || (*status >= 500 && *status != 507)
			},
			_ => false,
		}
	}
}

/// An HTTP client for shard transfers: connections time out after [`CONNECT_TIMEOUT`], and
/// no total or read timeout is set, since shards may be gigabytes; the transfer functions
/// fail a transfer that stalls for [`IDLE_TIMEOUT`] themselves. (reqwest's `read_timeout`
/// counts from the start of the request until the response, so it would also bound a
/// whole upload: don't set it on a client used for uploads.) Redirects are not followed: a
/// shard server answers for itself, and a redirect could point a request anywhere.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
	http_client_builder().build()
}

/// The builder of [`http_client`], for a caller that adds to it (the node's repairs resolve
/// names to public addresses only).
pub fn http_client_builder() -> reqwest::ClientBuilder {
	reqwest::Client::builder()
		.connect_timeout(CONNECT_TIMEOUT)
		.redirect(reqwest::redirect::Policy::none())
		.user_agent(concat!("xmbl/", env!("CARGO_PKG_VERSION")))
}

/// The URL of shard `root` on the shard server at `endpoint` (a provider's registered
/// endpoint, such as `http://127.0.0.1:30400`; a trailing slash or a path prefix is kept).
pub fn shard_url(endpoint: &str, root: &[u8; 32]) -> Result<url::Url, ShardTransferError> {
	endpoint_url(endpoint, "shards", root)
}

/// `{endpoint}/{collection}/{hash as 64 lowercase hex digits}` for a provider's registered
/// `endpoint`, which must be plain `http://` with a host and no query or fragment.
pub(crate) fn endpoint_url(
	endpoint: &str,
	collection: &str,
	hash: &[u8; 32],
) -> Result<url::Url, ShardTransferError> {
	let bad = |reason: &str| ShardTransferError::BadEndpoint {
		endpoint: endpoint.to_owned(),
		reason: reason.to_owned(),
	};
	let mut url = url::Url::parse(endpoint.trim()).map_err(|error| bad(&error.to_string()))?;
	match url.scheme() {
		"http" => {},
		"https" => {
			return Err(bad("https is not supported: this client talks to providers over plain \
				 http (shards are ciphertext, and shards and job outputs are checked against \
				 hashes from the chain)"))
		},
		_ => return Err(bad("expected http://host:port")),
	}
	if url.host_str().is_none_or(str::is_empty) {
		return Err(bad("no host"));
	}
	if url.query().is_some() || url.fragment().is_some() {
		return Err(bad("an endpoint has no query or fragment"));
	}
	let path = format!("{}/{collection}/{}", url.path().trim_end_matches('/'), hex::encode(hash));
	url.set_path(&path);
	Ok(url)
}

/// Streams the file at `path` (exactly `len` bytes) to the provider at `endpoint` as shard
/// `root`, signed by `signer` (the deal's owner); `on_bytes(n)` is called as bytes go out.
/// Succeeds when the provider stored the shard (201) or already held it (200).
pub async fn upload_shard(
	http: &reqwest::Client,
	endpoint: &str,
	root: &[u8; 32],
	path: &Path,
	len: u64,
	signer: RequestSigner<'_>,
	on_bytes: impl Fn(u64) + Send + Sync + 'static,
) -> Result<(), ShardTransferError> {
	let url = shard_url(endpoint, root)?;
	let io = |error| ShardTransferError::Io { path: path.to_owned(), error };
	let file = tokio::fs::File::open(path).await.map_err(io)?;
	let size = file.metadata().await.map_err(io)?.len();
	if size != len {
		return Err(io(std::io::Error::new(
			std::io::ErrorKind::InvalidData,
			format!("holds {size} bytes, the shard has {len}"),
		)));
	}

	let activity = Activity::new(IDLE_TIMEOUT);
	let sent = activity.clone();
	let body =
		tokio_util::io::ReaderStream::with_capacity(file.take(len), CHUNK).inspect(move |chunk| {
			if let Ok(chunk) = chunk {
				let total = sent.moved(chunk.len() as u64);
				if total == len {
					sent.set_limit(STORE_TIMEOUT);
				}
				on_bytes(chunk.len() as u64);
			}
		});
	let mut request = http.put(url.clone()).header(CONTENT_LENGTH, len);
	for (name, value) in signer.headers(ShardMethod::Put, root) {
		request = request.header(name, value);
	}
	let request = request.body(reqwest::Body::wrap_stream(body)).send();
	let response = tokio::select! {
		response = request => response.map_err(|error| ShardTransferError::Unreachable {
			url: url.to_string(),
			error: describe(error),
		})?,
		idle = activity.stalled() => {
			return Err(ShardTransferError::Stalled { url: url.to_string(), idle })
		},
	};
	match response.status() {
		StatusCode::OK | StatusCode::CREATED => Ok(()),
		_ => Err(status_error(&url, response).await),
	}
}

/// [`upload_shard`], tried again as [`RetryPolicy::TRANSFERS`] says while it fails in a way
/// that may pass. `counter(attempt)` (attempts count from 1) gives each try's `on_bytes`, so a
/// caller can make room for the bytes a retry sends again.
pub async fn upload_shard_retried<C>(
	http: &reqwest::Client,
	endpoint: &str,
	root: &[u8; 32],
	path: &Path,
	len: u64,
	signer: RequestSigner<'_>,
	mut counter: impl FnMut(u32) -> C,
) -> Result<(), ShardTransferError>
where
	C: Fn(u64) + Send + Sync + 'static,
{
	let what = format!("upload of shard 0x{} to {endpoint}", hex::encode(root));
	RetryPolicy::TRANSFERS
		.run(what, |attempt| {
			upload_shard(http, endpoint, root, path, len, signer, counter(attempt))
		})
		.await
}

/// Streams shard `root` (`len` bytes) from the provider at `endpoint` into `dest` (created
/// or truncated), hashing it with BLAKE3 as it arrives; `on_bytes(n)` is called as bytes
/// come in. Fails, and removes `dest`, if the length or the root does not match. `signer`,
/// if any, signs the request (a private deal's shards are served only to its owner and to
/// providers repairing the deal).
pub async fn download_shard(
	http: &reqwest::Client,
	endpoint: &str,
	root: &[u8; 32],
	len: u64,
	dest: &Path,
	signer: Option<RequestSigner<'_>>,
	on_bytes: impl Fn(u64) + Send + Sync + 'static,
) -> Result<(), ShardTransferError> {
	let url = shard_url(endpoint, root)?;
	let mut request = http.get(url.clone());
	for (name, value) in signer.iter().flat_map(|signer| signer.headers(ShardMethod::Get, root)) {
		request = request.header(name, value);
	}
	let result = fetch(request, &url, root, len, dest, on_bytes).await;
	if result.is_err() {
		let _ = tokio::fs::remove_file(dest).await;
	}
	result
}

/// The response to `request` (to `url`), if it is a 200 within [`IDLE_TIMEOUT`].
pub(crate) async fn send_for_ok(
	request: reqwest::RequestBuilder,
	url: &url::Url,
) -> Result<reqwest::Response, ShardTransferError> {
	let response = tokio::time::timeout(IDLE_TIMEOUT, request.send())
		.await
		.map_err(|_| ShardTransferError::Stalled { url: url.to_string(), idle: IDLE_TIMEOUT })?
		.map_err(|error| ShardTransferError::Unreachable {
			url: url.to_string(),
			error: describe(error),
		})?;
	if response.status() != StatusCode::OK {
		return Err(status_error(url, response).await);
	}
	Ok(response)
}

async fn fetch(
	request: reqwest::RequestBuilder,
	url: &url::Url,
	root: &[u8; 32],
	len: u64,
	dest: &Path,
	on_bytes: impl Fn(u64),
) -> Result<(), ShardTransferError> {
	let response = send_for_ok(request, url).await?;
	let stalled = || ShardTransferError::Stalled { url: url.to_string(), idle: IDLE_TIMEOUT };
	let wrong_length =
		|got| ShardTransferError::WrongLength { url: url.to_string(), expected: len, got };
	if let Some(announced) = response.content_length().filter(|announced| *announced != len) {
		return Err(wrong_length(announced));
	}

	let io = |error| ShardTransferError::Io { path: dest.to_owned(), error };
	let file = tokio::fs::File::create(dest).await.map_err(io)?;
	let mut file = tokio::io::BufWriter::with_capacity(CHUNK, file);
	let mut hasher = blake3::Hasher::new();
	let mut got = 0u64;
	let mut body = response.bytes_stream();
	loop {
		let chunk = match tokio::time::timeout(IDLE_TIMEOUT, body.next()).await {
			Err(_) => return Err(stalled()),
			Ok(None) => break,
			Ok(Some(chunk)) => chunk.map_err(|error| ShardTransferError::Interrupted {
				url: url.to_string(),
				error: describe(error),
			})?,
		};
		got += chunk.len() as u64;
		if got > len {
			return Err(wrong_length(got));
		}
		hasher.update(&chunk);
		file.write_all(&chunk).await.map_err(io)?;
		on_bytes(chunk.len() as u64);
	}
	if got != len {
		return Err(wrong_length(got));
	}
	file.flush().await.map_err(io)?;
	if hasher.finalize().as_bytes() != root {
		return Err(ShardTransferError::RootMismatch { url: url.to_string() });
	}
	Ok(())
}

/// The error of a response other than success: the provider's `{"error": ..}` message, its
/// text, or the status's reason.
pub(crate) async fn status_error(
	url: &url::Url,
	mut response: reqwest::Response,
) -> ShardTransferError {
	let status = response.status();
	let mut body = Vec::new();
	while body.len() < MAX_MESSAGE {
		match tokio::time::timeout(IDLE_TIMEOUT, response.chunk()).await {
			Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
			_ => break,
		}
	}
	body.truncate(MAX_MESSAGE);
	let message = serde_json::from_slice::<serde_json::Value>(&body)
		.ok()
		.and_then(|json| json.get("error")?.as_str().map(str::to_owned))
		.or_else(|| {
			let text = String::from_utf8_lossy(&body).trim().to_owned();
			(!text.is_empty()).then_some(text)
		})
		.unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
	ShardTransferError::Status { url: url.to_string(), status: status.as_u16(), message }
}

/// A reqwest error with its causes (its own text, "error sending request", names none),
/// without the URL, which the error that carries this names already.
pub(crate) fn describe(error: reqwest::Error) -> String {
	let error = error.without_url();
	let mut text = error.to_string();
	let mut source = std::error::Error::source(&error);
	while let Some(cause) = source {
		let cause_text = cause.to_string();
		if !text.contains(&cause_text) {
			text = format!("{text}: {cause_text}");
		}
		source = cause.source();
	}
	text
}

/// When bytes of an upload last moved, and how long it may go without.
#[derive(Clone)]
struct Activity(Arc<ActivityState>);

struct ActivityState {
	start: Instant,
	/// Milliseconds from `start` to the last move.
	last: AtomicU64,
	/// Milliseconds allowed without a move.
	limit: AtomicU64,
	/// Bytes moved.
	total: AtomicU64,
}

impl Activity {
	fn new(limit: Duration) -> Self {
		Self(Arc::new(ActivityState {
			start: Instant::now(),
			last: AtomicU64::new(0),
			limit: AtomicU64::new(limit.as_millis() as u64),
			total: AtomicU64::new(0),
		}))
	}

	fn now(&self) -> u64 {
		self.0.start.elapsed().as_millis() as u64
	}

	/// Counts `bytes` moved now; returns the bytes moved so far.
	fn moved(&self, bytes: u64) -> u64 {
		self.0.last.store(self.now(), Ordering::Relaxed);
		self.0.total.fetch_add(bytes, Ordering::Relaxed) + bytes
	}

	fn set_limit(&self, limit: Duration) {
		self.0.limit.store(limit.as_millis() as u64, Ordering::Relaxed);
	}

	/// Resolves, with the time waited, once nothing has moved for the limit.
	async fn stalled(&self) -> Duration {
		loop {
			let idle = self.now().saturating_sub(self.0.last.load(Ordering::Relaxed));
			let limit = self.0.limit.load(Ordering::Relaxed);
			if idle >= limit {
				return Duration::from_millis(idle);
			}
			tokio::time::sleep(Duration::from_millis(limit - idle)).await;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::Pair;
	use tokio::{
		io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
		net::TcpListener,
	};

	const ROOT: [u8; 32] = [0xab; 32];

	fn owner() -> (polkadot_sdk::sp_core::sr25519::Pair, xmbl_runtime::AccountId) {
		let key = polkadot_sdk::sp_core::sr25519::Pair::from_string("//Alice", None).unwrap();
		let provider = xmbl_runtime::AccountId::from([9u8; 32]);
		(key, provider)
	}
	const ROOT_HEX: &str = "abababababababababababababababababababababababababababababababab";

	#[test]
	fn shard_urls() {
		let url = |endpoint| shard_url(endpoint, &ROOT).map(|url| url.to_string());
		let expected = format!("http://127.0.0.1:30400/shards/{ROOT_HEX}");
		assert_eq!(url("http://127.0.0.1:30400").unwrap(), expected);
		assert_eq!(url("http://127.0.0.1:30400/").unwrap(), expected);
		assert_eq!(url(" http://127.0.0.1:30400 ").unwrap(), expected);
		assert_eq!(
			url("http://node.example.org/xmbl/").unwrap(),
			format!("http://node.example.org/xmbl/shards/{ROOT_HEX}")
		);
		assert_eq!(
			url("http://[::1]:8080").unwrap(),
			format!("http://[::1]:8080/shards/{ROOT_HEX}")
		);
		for bad in [
			"127.0.0.1:30400",
			"ws://127.0.0.1:30400",
			"ftp://host",
			"http://",
			"http://host:99999",
			"http://host/?q=1",
			"http://host/#top",
			"not a url",
			"",
		] {
			assert!(
				matches!(shard_url(bad, &ROOT), Err(ShardTransferError::BadEndpoint { .. })),
				"{bad}"
			);
		}
		let https = shard_url("https://node.example.org", &ROOT).unwrap_err().to_string();
		assert!(https.contains("https is not supported"), "{https}");
	}

	#[test]
	fn transient_failures_are_those_a_retry_may_fix() {
		let status = |status| ShardTransferError::Status {
			url: String::new(),
			status,
			message: String::new(),
		};
		assert!(status(403).is_transient());
		assert!(status(500).is_transient());
		assert!(status(503).is_transient());
		for final_status in [400, 404, 411, 413, 422, 507] {
			assert!(!status(final_status).is_transient(), "{final_status}");
		}
		assert!(ShardTransferError::Unreachable { url: String::new(), error: String::new() }
			.is_transient());
		assert!(!ShardTransferError::RootMismatch { url: String::new() }.is_transient());
	}

	/// A request as the test server saw it.
	struct Seen {
		head: String,
		body: Vec<u8>,
	}

	/// A one-request HTTP/1.1 server on loopback: reads the request (its body only if
	/// `read_body`), sends `response` and closes.
	async fn serve_once(
		response: Vec<u8>,
		read_body: bool,
	) -> (String, tokio::task::JoinHandle<Seen>) {
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let endpoint = format!("http://{}", listener.local_addr().unwrap());
		let server = tokio::spawn(async move {
			let (socket, _) = listener.accept().await.unwrap();
			let mut socket = BufReader::new(socket);
			let mut head = String::new();
			loop {
				let mut line = String::new();
				socket.read_line(&mut line).await.unwrap();
				head.push_str(&line);
				if line == "\r\n" || line.is_empty() {
					break;
				}
			}
			let length = head
				.lines()
				.find_map(|line| {
					let (name, value) = line.split_once(':')?;
					name.eq_ignore_ascii_case("content-length")
						.then(|| value.trim().parse().ok())?
				})
				.unwrap_or(0usize);
			let mut body = vec![0; if read_body { length } else { 0 }];
			socket.read_exact(&mut body).await.unwrap();
			socket.get_mut().write_all(&response).await.unwrap();
			socket.get_mut().shutdown().await.unwrap();
			Seen { head, body }
		});
		(endpoint, server)
	}

	fn response(status: &str, body: &[u8]) -> Vec<u8> {
		let mut response = format!(
			"HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
			body.len()
		)
		.into_bytes();
		response.extend_from_slice(body);
		response
	}

	fn counter() -> (Arc<AtomicU64>, impl Fn(u64) + Send + Sync + 'static) {
		let total = Arc::new(AtomicU64::new(0));
		let count = total.clone();
		(total, move |n| {
			count.fetch_add(n, Ordering::Relaxed);
		})
	}

	fn shard(len: usize) -> (Vec<u8>, [u8; 32]) {
		let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
		let root = *blake3::hash(&bytes).as_bytes();
		(bytes, root)
	}

	#[tokio::test]
	async fn an_upload_streams_the_file_with_its_length() {
		let (bytes, root) = shard(1_000_003);
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("shard");
		std::fs::write(&path, &bytes).unwrap();
		let (endpoint, server) = serve_once(response("201 Created", b""), true).await;
		let (sent, on_bytes) = counter();
		let (key, provider) = owner();
		upload_shard(
			&http_client().unwrap(),
			&endpoint,
			&root,
			&path,
			bytes.len() as u64,
			RequestSigner { key: &key, provider: &provider },
			on_bytes,
		)
		.await
		.unwrap();
		let seen = server.await.unwrap();
		let head = seen.head.to_ascii_lowercase();
		assert!(head.starts_with(&format!("put /shards/{} http/1.1\r\n", hex::encode(root))));
		assert!(head.contains(&format!("content-length: {}\r\n", bytes.len())), "{head}");
		assert!(!head.contains("transfer-encoding"), "{head}");
		// The request is signed for this provider, as the server's check expects.
		let header = |name: &str| {
			seen.head.lines().find_map(|line| {
				let (key, value) = line.split_once(": ")?;
				key.eq_ignore_ascii_case(name).then_some(value)
			})
		};
		let signer = crate::shard_requests::verify(
			header,
			ShardMethod::Put,
			&root,
			&provider,
			crate::shard_requests::unix_now(),
		);
		assert_eq!(signer, Ok(Some(xmbl_runtime::AccountId::from(key.public()))));
		assert!(seen.body == bytes);
		assert_eq!(sent.load(Ordering::Relaxed), bytes.len() as u64);
	}

	#[tokio::test]
	async fn a_refused_upload_carries_the_providers_message() {
		let (bytes, root) = shard(10_000);
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("shard");
		std::fs::write(&path, &bytes).unwrap();
		let body = br#"{"error": "the bytes do not hash to the root"}"#;
		let (key, provider) = owner();
		let signer = RequestSigner { key: &key, provider: &provider };
		let (endpoint, _server) =
			serve_once(response("422 Unprocessable Entity", body), true).await;
		let error =
			upload_shard(&http_client().unwrap(), &endpoint, &root, &path, 10_000, signer, |_| {})
				.await
				.unwrap_err();
		match &error {
			ShardTransferError::Status { status: 422, message, url } => {
				assert_eq!(message, "the bytes do not hash to the root");
				assert!(url.starts_with(&endpoint), "{url}");
			},
			other => panic!("{other}"),
		}
		assert!(!error.is_transient());

		// A file of another length than the shard's is not sent at all.
		let error =
			upload_shard(&http_client().unwrap(), &endpoint, &root, &path, 9_999, signer, |_| {})
				.await
				.unwrap_err();
		assert!(matches!(error, ShardTransferError::Io { .. }), "{error}");
	}

	#[tokio::test]
	async fn a_download_is_kept_only_if_it_is_the_shard() {
		let (bytes, root) = shard(300_001);
		let dir = tempfile::tempdir().unwrap();
		let dest = dir.path().join("fetched");
		let http = http_client().unwrap();

		let (endpoint, server) = serve_once(response("200 OK", &bytes), false).await;
		let (received, on_bytes) = counter();
		download_shard(&http, &endpoint, &root, bytes.len() as u64, &dest, None, on_bytes)
			.await
			.unwrap();
		assert!(server.await.unwrap().head.starts_with("GET /shards/"));
		assert!(std::fs::read(&dest).unwrap() == bytes);
		assert_eq!(received.load(Ordering::Relaxed), bytes.len() as u64);

		let mut altered = bytes.clone();
		altered[1000] ^= 1;
		let (endpoint, _server) = serve_once(response("200 OK", &altered), false).await;
		let error =
			download_shard(&http, &endpoint, &root, bytes.len() as u64, &dest, None, |_| {})
				.await
				.unwrap_err();
		assert!(matches!(error, ShardTransferError::RootMismatch { .. }), "{error}");
		assert!(!dest.exists(), "a bad download is removed");

		let (endpoint, _server) = serve_once(response("200 OK", &bytes[1..]), false).await;
		let error =
			download_shard(&http, &endpoint, &root, bytes.len() as u64, &dest, None, |_| {})
				.await
				.unwrap_err();
		assert!(
			matches!(
				error,
				ShardTransferError::WrongLength { got: 300_000, expected: 300_001, .. }
			),
			"{error}"
		);
		assert!(!dest.exists());

		let (endpoint, _server) =
			serve_once(response("404 Not Found", br#"{"error": "no such shard"}"#), false).await;
		let error =
			download_shard(&http, &endpoint, &root, bytes.len() as u64, &dest, None, |_| {})
				.await
				.unwrap_err();
		assert!(
			matches!(&error, ShardTransferError::Status { status: 404, message, .. } if message == "no such shard"),
			"{error}"
		);
	}

	#[tokio::test]
	async fn an_unreachable_provider_is_named() {
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let endpoint = format!("http://{}", listener.local_addr().unwrap());
		drop(listener);
		let dir = tempfile::tempdir().unwrap();
		let error = download_shard(
			&http_client().unwrap(),
			&endpoint,
			&ROOT,
			10,
			&dir.path().join("x"),
			None,
			|_| {},
		)
		.await
		.unwrap_err();
		assert!(matches!(error, ShardTransferError::Unreachable { .. }), "{error}");
		let text = error.to_string();
		assert!(text.contains(&endpoint), "{text}");
		assert_eq!(text.matches(&endpoint).count(), 1, "the URL is named once: {text}");
		assert!(text.contains("Connection refused"), "the cause is kept: {text}");
		assert!(error.is_transient());
	}
}
