//! `GET /outputs/{hash}`: the bytes of an output this worker kept (a result longer than
//! `MaxInlineOutput`, revealed as `Kept { hash, len }`), by the 64 lowercase hex digits of
//! their `blake2_256`; 200 with the bytes, 404 when not kept, 400 for anything but 64
//! lowercase hex digits. Mounted on the provider's shard server, its registered endpoint, so
//! it has that server's connection limits and timeouts. Anyone may read: the hash is public
//! only once revealed, and the client checks hash and length.

use crate::records::Records;
use axum::{
	body::Body,
	extract::{Path, State},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use std::sync::Arc;

/// Read size of an output's body.
const CHUNK: usize = 256 << 10;

/// The routes of `records`' kept outputs.
pub fn router(records: Arc<Records>) -> Router {
	Router::new().route("/outputs/{hash}", get(output)).with_state(records)
}

/// An error response: the status and `{"error": message}`, as the shard server answers.
fn refuse(status: StatusCode, message: String) -> Response {
	(status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// The hash named by `text`: exactly 64 lowercase hex digits.
fn parse_hash(text: &str) -> Option<[u8; 32]> {
	let lowercase = text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
	let mut hash = [0u8; 32];
	(lowercase && hex::decode_to_slice(text, &mut hash).is_ok()).then_some(hash)
}

async fn output(State(records): State<Arc<Records>>, Path(hash): Path<String>) -> Response {
	let Some(parsed) = parse_hash(&hash) else {
		return refuse(
			StatusCode::BAD_REQUEST,
			format!("{hash} is not an output hash (64 lowercase hex digits)"),
		);
	};
	let not_kept = || refuse(StatusCode::NOT_FOUND, format!("no output {hash} is kept here"));
	let Some(path) = records.output(&parsed) else { return not_kept() };
	// Removed between the check and the open: the job was pruned just now.
	let Ok(file) = tokio::fs::File::open(&path).await else { return not_kept() };
	let length = match file.metadata().await {
		Ok(metadata) => metadata.len(),
		Err(error) => {
			return refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot read it: {error}"))
		},
	};
	let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, CHUNK));
	(
		[
			(header::CONTENT_TYPE, "application/octet-stream".to_owned()),
			(header::CONTENT_LENGTH, length.to_string()),
		],
		body,
	)
		.into_response()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hashes_are_64_lowercase_hex_digits() {
		assert_eq!(parse_hash(&"ab".repeat(32)), Some([0xab; 32]));
		assert_eq!(parse_hash(&"AB".repeat(32)), None);
		assert_eq!(parse_hash(&"ab".repeat(31)), None);
		assert_eq!(parse_hash(&"ab".repeat(33)), None);
		assert_eq!(parse_hash(&format!("0x{}", "ab".repeat(31))), None);
		assert_eq!(parse_hash(&"zz".repeat(32)), None);
	}
}
