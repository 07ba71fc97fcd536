//! Kept outputs of compute jobs. An output longer than the chain's `MaxInlineOutput` is revealed
//! as `Kept { hash, len }` (`blake2_256` of the bytes, and their length); every worker that
//! revealed the final result keeps the bytes and serves them at
//! `GET {endpoint}/outputs/{hash as 64 lowercase hex digits}`: 200 with the bytes, 404 when it
//! does not keep them. What a worker sends is checked against the hash and length on chain, so
//! one honest worker is enough.

use crate::{
	retry::RetryPolicy,
	shards::{describe, endpoint_url, send_for_ok, ShardTransferError, IDLE_TIMEOUT},
};
use futures::StreamExt;
use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};

/// The URL of the kept output with `hash` at a worker's registered `endpoint`.
pub fn output_url(endpoint: &str, hash: &[u8; 32]) -> Result<url::Url, ShardTransferError> {
	endpoint_url(endpoint, "outputs", hash)
}

/// How bytes differ from the output the chain names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputMismatch {
	#[error("{got} bytes where the output has {expected}")]
	Length { expected: u64, got: u64 },
	#[error("bytes that do not hash to the output's blake2_256")]
	Hash,
}

/// `blake2_256` of `bytes`, as the chain names a kept output.
pub fn output_hash(bytes: &[u8]) -> [u8; 32] {
	BlakeTwo256::hash(bytes).0
}

/// Whether `bytes` are the output whose `blake2_256` is `hash` and whose length is `len`.
pub fn check_output(bytes: &[u8], hash: &[u8; 32], len: u64) -> Result<(), OutputMismatch> {
	let got = bytes.len() as u64;
	if got != len {
		return Err(OutputMismatch::Length { expected: len, got });
	}
	if output_hash(bytes) != *hash {
		return Err(OutputMismatch::Hash);
	}
	Ok(())
}

/// Why a kept output could not be had from one worker.
#[derive(Debug, thiserror::Error)]
pub enum OutputFetchError {
	#[error(transparent)]
	Transfer(#[from] ShardTransferError),
	#[error("the worker at {url} sent {mismatch}")]
	Mismatch { url: String, mismatch: OutputMismatch },
}

/// The kept output `hash` (`len` bytes) from the worker at `endpoint`, checked. A failure that
/// may pass (the worker unreachable, busy or stalled) is tried again as
/// [`RetryPolicy::TRANSFERS`] says; a 404 or bytes that are not the output are not.
pub async fn download_output(
	http: &reqwest::Client,
	endpoint: &str,
	hash: &[u8; 32],
	len: u64,
) -> Result<Vec<u8>, OutputFetchError> {
	let url = output_url(endpoint, hash)?;
	let what = format!("download of output 0x{} from {endpoint}", hex::encode(hash));
	let bytes = RetryPolicy::TRANSFERS.run(what, |_| read_body(http, &url, len)).await?;
	check_output(&bytes, hash, len)
		.map_err(|mismatch| OutputFetchError::Mismatch { url: url.to_string(), mismatch })?;
	Ok(bytes)
}

/// The body of a `GET` of `url`, read up to one chunk past `len` bytes: a longer body is cut
/// there, which [`check_output`] refuses.
async fn read_body(
	http: &reqwest::Client,
	url: &url::Url,
	len: u64,
) -> Result<Vec<u8>, ShardTransferError> {
	let response = send_for_ok(http.get(url.clone()), url).await?;
	let stalled = || ShardTransferError::Stalled { url: url.to_string(), idle: IDLE_TIMEOUT };
	let mut bytes = Vec::new();
	let mut body = response.bytes_stream();
	while (bytes.len() as u64) <= len {
		match tokio::time::timeout(IDLE_TIMEOUT, body.next()).await {
			Err(_) => return Err(stalled()),
			Ok(None) => break,
			Ok(Some(chunk)) => bytes.extend_from_slice(&chunk.map_err(|error| {
				ShardTransferError::Interrupted { url: url.to_string(), error: describe(error) }
			})?),
		}
	}
	Ok(bytes)
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::{extract::Path, http::StatusCode as Status, routing::get, Router};

	const OUTPUT: &[u8] = b"an output longer than what the chain keeps inline";

	#[test]
	fn output_urls_name_the_hash_in_lowercase_hex() {
		let hash = [0xAB; 32];
		assert_eq!(
			output_url("http://127.0.0.1:30400/", &hash).unwrap().as_str(),
			format!("http://127.0.0.1:30400/outputs/{}", "ab".repeat(32))
		);
		assert_eq!(
			output_url("http://node.example.org/xmbl", &hash).unwrap().as_str(),
			format!("http://node.example.org/xmbl/outputs/{}", "ab".repeat(32))
		);
		assert!(output_url("https://node.example.org", &hash).is_err());
	}

	/// Fails if bytes of another length, or of the right length with one bit changed, pass.
	#[test]
	fn the_check_refuses_a_wrong_length_or_hash() {
		let hash = output_hash(OUTPUT);
		let len = OUTPUT.len() as u64;
		assert_eq!(check_output(OUTPUT, &hash, len), Ok(()));
		assert_eq!(
			check_output(&OUTPUT[1..], &hash, len),
			Err(OutputMismatch::Length { expected: len, got: len - 1 })
		);
		let longer = [OUTPUT, b"!"].concat();
		assert_eq!(
			check_output(&longer, &hash, len),
			Err(OutputMismatch::Length { expected: len, got: len + 1 })
		);
		assert_eq!(
			check_output(OUTPUT, &hash, len + 1),
			Err(OutputMismatch::Length { expected: len + 1, got: len })
		);
		let mut flipped = OUTPUT.to_vec();
		flipped[7] ^= 1;
		assert_eq!(check_output(&flipped, &hash, len), Err(OutputMismatch::Hash));
		assert_eq!(check_output(OUTPUT, &[0; 32], len), Err(OutputMismatch::Hash));
	}

	/// A worker on loopback that serves `body` for every output hash (or 404 when `None`), and
	/// its endpoint.
	async fn worker(body: Option<Vec<u8>>) -> String {
		let app = Router::new().route(
			"/outputs/{hash}",
			get(move |Path(_hash): Path<String>| {
				let body = body.clone();
				async move { body.ok_or((Status::NOT_FOUND, r#"{"error": "not kept"}"#)) }
			}),
		);
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let endpoint = format!("http://{}", listener.local_addr().unwrap());
		tokio::spawn(async move { axum::serve(listener, app).await });
		endpoint
	}

	/// Fails if a download keeps bytes of another hash or length, takes a 404 for anything but
	/// a refusal at once, or does not return the right bytes from an honest worker.
	#[tokio::test]
	async fn a_download_is_checked_against_the_hash_and_length() {
		let http = crate::shards::http_client().unwrap();
		let hash = output_hash(OUTPUT);
		let len = OUTPUT.len() as u64;
		let honest = worker(Some(OUTPUT.to_vec())).await;
		assert_eq!(download_output(&http, &honest, &hash, len).await.unwrap(), OUTPUT);

		let mut tampered = OUTPUT.to_vec();
		tampered[0] ^= 1;
		let cases = [
			(Some(tampered), OutputMismatch::Hash),
			(Some(OUTPUT[..10].to_vec()), OutputMismatch::Length { expected: len, got: 10 }),
		];
		for (body, expected) in cases {
			let endpoint = worker(body).await;
			match download_output(&http, &endpoint, &hash, len).await {
				Err(OutputFetchError::Mismatch { url, mismatch }) => {
					assert_eq!(mismatch, expected);
					assert_eq!(url, format!("{endpoint}/outputs/{}", hex::encode(hash)));
				},
				other => panic!("expected {expected:?}, got {other:?}"),
			}
		}
		// A body longer than the output is cut once past its length, and refused.
		let longer = worker(Some(OUTPUT.repeat(1000))).await;
		match download_output(&http, &longer, &hash, len).await {
			Err(OutputFetchError::Mismatch {
				mismatch: OutputMismatch::Length { expected, got },
				..
			}) => assert!(expected == len && got > len, "{got} bytes kept"),
			other => panic!("expected a length mismatch, got {other:?}"),
		}

		let not_kept = worker(None).await;
		let started = std::time::Instant::now();
		match download_output(&http, &not_kept, &hash, len).await {
			Err(OutputFetchError::Transfer(ShardTransferError::Status {
				status: 404,
				message,
				..
			})) => assert_eq!(message, "not kept"),
			other => panic!("expected a 404, got {other:?}"),
		}
		assert!(started.elapsed() < std::time::Duration::from_secs(1), "a 404 is not retried");
	}
}
