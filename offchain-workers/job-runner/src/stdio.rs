//! A job's stdout and stderr, kept in memory up to a bound.

use std::{
	io,
	pin::Pin,
	sync::{Arc, Mutex, MutexGuard},
	task::{Context, Poll},
};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::{
	cli::{IsTerminal, StdoutStream},
	p2::{OutputStream, Pollable, StreamError, StreamResult},
};

/// How much a writer may hand over at once. Any positive number works: writes past the bound
/// are refused in `push`, not by the permit, so a full stream never makes a writer wait.
const WRITE_PERMIT: usize = 64 << 10;

/// What happens to bytes past the bound.
#[derive(Clone, Copy)]
pub(crate) enum Overflow {
	/// The write fails with a trap, which ends the job (stdout: the output is the result, and
	/// a result cut short is no result).
	Trap,
	/// The bytes are dropped (stderr: only kept to show why a job failed).
	Truncate,
}

struct Captured {
	bytes: Vec<u8>,
	overflowed: bool,
}

/// The error a write past stdout's bound traps with.
#[derive(Debug, thiserror::Error)]
#[error("the job wrote more than its output limit")]
pub(crate) struct OutputLimitExceeded;

/// An output stream of a job. Clones share the bytes: WASI holds one, the runner another.
#[derive(Clone)]
pub(crate) struct Capture {
	captured: Arc<Mutex<Captured>>,
	limit: usize,
	overflow: Overflow,
}

impl Capture {
	pub fn new(limit: usize, overflow: Overflow) -> Self {
		let captured = Captured { bytes: Vec::new(), overflowed: false };
		Self { captured: Arc::new(Mutex::new(captured)), limit, overflow }
	}

	fn lock(&self) -> MutexGuard<'_, Captured> {
		// Updates are a bounds check and an append, which leave `Captured` whole on a panic.
		self.captured.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	fn push(&self, bytes: &[u8]) -> Result<(), OutputLimitExceeded> {
		let mut captured = self.lock();
		let room = self.limit - captured.bytes.len();
		if bytes.len() <= room {
			captured.bytes.extend_from_slice(bytes);
			return Ok(());
		}
		captured.bytes.extend_from_slice(&bytes[..room]);
		captured.overflowed = true;
		match self.overflow {
			Overflow::Trap => Err(OutputLimitExceeded),
			Overflow::Truncate => Ok(()),
		}
	}

	/// Whether the job tried to write past the bound.
	pub fn overflowed(&self) -> bool {
		self.lock().overflowed
	}

	pub fn take(&self) -> Vec<u8> {
		std::mem::take(&mut self.lock().bytes)
	}
}

impl IsTerminal for Capture {
	fn is_terminal(&self) -> bool {
		false
	}
}

impl StdoutStream for Capture {
	fn p2_stream(&self) -> Box<dyn OutputStream> {
		Box::new(self.clone())
	}

	fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
		Box::new(self.clone())
	}
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
	async fn ready(&mut self) {}
}

impl OutputStream for Capture {
	fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
		self.push(&bytes).map_err(|error| StreamError::Trap(error.into()))
	}

	fn flush(&mut self) -> StreamResult<()> {
		Ok(())
	}

	fn check_write(&mut self) -> StreamResult<usize> {
		Ok(WRITE_PERMIT)
	}
}

impl AsyncWrite for Capture {
	fn poll_write(
		self: Pin<&mut Self>,
		_: &mut Context<'_>,
		buf: &[u8],
	) -> Poll<io::Result<usize>> {
		Poll::Ready(self.push(buf).map(|()| buf.len()).map_err(io::Error::other))
	}

	fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
		Poll::Ready(Ok(()))
	}

	fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
		Poll::Ready(Ok(()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn stdout_refuses_the_write_that_crosses_the_bound() {
		let capture = Capture::new(4, Overflow::Trap);
		capture.push(b"abcd").unwrap();
		assert!(!capture.overflowed());
		capture.push(b"e").unwrap_err();
		assert!(capture.overflowed());
	}

	#[test]
	fn stderr_keeps_the_first_bytes_and_drops_the_rest() {
		let capture = Capture::new(4, Overflow::Truncate);
		capture.push(b"abc").unwrap();
		capture.push(b"def").unwrap();
		assert!(capture.overflowed());
		assert_eq!(capture.take(), b"abcd");
	}
}
