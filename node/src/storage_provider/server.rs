//! The shard server: `PUT /shards/{root}` takes a shard the chain assigned to this provider,
//! `GET /shards/{root}` serves a held one. Bodies stream; nothing is kept unless every byte
//! hashes to the root the chain holds.

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
use std::sync::Arc;
use xmbl_primitives::ShardTask;
use xmbl_shard_store::{PutOutcome, Root, StoreError};

/// Chunks in flight between the network and the disk writer of one upload.
const UPLOAD_QUEUE: usize = 16;
/// Read size of downloads.
const DOWNLOAD_CHUNK: usize = 256 << 10;

/// Serves `provider`'s shards on `listener` until the node stops.
pub async fn serve(provider: Arc<Provider>, listener: tokio::net::TcpListener) {
	let name = provider.name.clone();
	let app = Router::new()
		.route("/shards/{root}", put(upload).get(download))
		// Uploads are as long as the shard the chain assigned, checked below.
		.layer(DefaultBodyLimit::disable())
		.with_state(provider);
	if let Err(error) = axum::serve(listener, app).await {
		log::error!(target: LOG_TARGET, "shard server of {name} stopped: {error}");
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

async fn upload(
	State(provider): State<Arc<Provider>>,
	Path(root): Path<String>,
	headers: HeaderMap,
	body: Body,
) -> Response {
	let root = match parse_root(&root) {
		Ok(root) => root,
		Err(response) => return response,
	};
	let Some(length) = headers
		.get(header::CONTENT_LENGTH)
		.and_then(|value| value.to_str().ok())
		.and_then(|value| value.parse::<u64>().ok())
	else {
		return refuse(StatusCode::LENGTH_REQUIRED, "a shard upload needs a Content-Length");
	};
	// Only a shard the best block assigns to this provider to receive is taken.
	let duties = match provider.chain.provider_duties(&provider.account, None).await {
		Ok(duties) => duties,
		Err(error) => {
			return refuse(
				StatusCode::SERVICE_UNAVAILABLE,
				format!("cannot read this provider's duties from the chain: {error}"),
			)
		},
	};
	let Some(size) = duties
		.iter()
		.find(|duty| duty.root == root && matches!(duty.task, ShardTask::Receive { .. }))
		.map(|duty| duty.size)
	else {
		return refuse(
			StatusCode::FORBIDDEN,
			format!(
				"no shard with root {} is assigned to provider {} to receive",
				hex::encode(root),
				provider.name
			),
		);
	};
	if length != size {
		return refuse(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("the shard is {size} bytes, the upload declares {length}"),
		);
	}
	if provider.store.contains(&root) {
		return StatusCode::OK.into_response();
	}
	let writer = match provider.store.begin_write(root, size) {
		Ok(writer) => writer,
		Err(error) => return store_error(error),
	};

	// The disk side runs on a blocking thread; `None` tells it the upload broke off, and
	// it drops the writer (which removes the temporary file) instead of finishing.
	let (chunks, mut received) = tokio::sync::mpsc::channel::<Option<bytes::Bytes>>(UPLOAD_QUEUE);
	let disk = tokio::task::spawn_blocking(move || {
		let mut writer = writer;
		while let Some(chunk) = received.blocking_recv() {
			match chunk {
				Some(chunk) => writer.write_chunk(&chunk)?,
				None => return Err(StoreError::WriteAborted),
			}
		}
		writer.finish()
	});
	let mut stream = body.into_data_stream();
	let mut broken = None;
	while let Some(chunk) = stream.next().await {
		match chunk {
			Ok(chunk) => {
				if let Some(metrics) = &provider.metrics {
					metrics.uploaded(&provider.name, chunk.len() as u64);
				}
				if chunks.send(Some(chunk)).await.is_err() {
					// The writer stopped on an error: its result says which.
					break;
				}
			},
			Err(error) => {
				broken = Some(error.to_string());
				let _ = chunks.send(None).await;
				break;
			},
		}
	}
	drop(chunks);
	let outcome = disk.await;
	if let Some(error) = broken {
		return refuse(StatusCode::BAD_REQUEST, format!("the upload broke off: {error}"));
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

async fn download(State(provider): State<Arc<Provider>>, Path(root): Path<String>) -> Response {
	let root = match parse_root(&root) {
		Ok(root) => root,
		Err(response) => return response,
	};
	let (Some(length), Ok(file)) = (provider.store.shard_len(&root), provider.store.read(&root))
	else {
		return refuse(
			StatusCode::NOT_FOUND,
			format!("provider {} holds no shard {}", provider.name, hex::encode(root)),
		);
	};
	let counting = provider.clone();
	let stream = tokio_util::io::ReaderStream::with_capacity(
		tokio::fs::File::from_std(file),
		DOWNLOAD_CHUNK,
	)
	.inspect(move |chunk| {
		if let (Ok(chunk), Some(metrics)) = (chunk, &counting.metrics) {
			metrics.downloaded(&counting.name, chunk.len() as u64);
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
