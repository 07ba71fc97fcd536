//! The retry policy of shard transfers: a failure that may pass
//! ([`ShardTransferError::is_transient`]) is tried again after a capped exponential backoff
//! ([`backon`]), any other fails at once. Each retry is logged at warn level.

use crate::shards::ShardTransferError;
use backon::{ExponentialBuilder, Retryable};
use std::{
	fmt::Display,
	future::Future,
	sync::atomic::{AtomicU32, Ordering},
	time::Duration,
};

/// How often, and how far apart, a transfer is tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
	/// Tries in all, the first included.
	pub attempts: u32,
	/// The pause before the first retry; each further one doubles it.
	pub first_delay: Duration,
	/// The longest pause.
	pub max_delay: Duration,
}

impl RetryPolicy {
	/// Uploads and downloads of shards: 4 tries, 1 s, 2 s and 4 s apart, so a provider gets
	/// 7 s to come back (or to import the block that assigns it the shard) before the
	/// transfer fails.
	pub const TRANSFERS: Self = Self {
		attempts: 4,
		first_delay: Duration::from_secs(1),
		max_delay: Duration::from_secs(4),
	};

	/// Runs `transfer(attempt)` (attempts count from 1) until it succeeds, fails for good,
	/// or has been tried [`Self::attempts`] times; returns its last result. `what` names
	/// the transfer in the warnings.
	pub async fn run<T, Fut>(
		&self,
		what: impl Display,
		mut transfer: impl FnMut(u32) -> Fut,
	) -> Result<T, ShardTransferError>
	where
		Fut: Future<Output = Result<T, ShardTransferError>>,
	{
		let backoff = ExponentialBuilder::new()
			.with_min_delay(self.first_delay)
			.with_factor(2.0)
			.with_max_delay(self.max_delay)
			.with_max_times(self.attempts.saturating_sub(1) as usize);
		// Shared by the transfer and the warning, so an atomic rather than a `&mut`.
		let attempt = AtomicU32::new(0);
		(|| transfer(attempt.fetch_add(1, Ordering::Relaxed) + 1))
			.retry(backoff)
			.when(ShardTransferError::is_transient)
			.notify(|error, delay| {
				log::warn!(
					"{what}: attempt {} of {} failed, trying again in {delay:?}: {error}",
					attempt.load(Ordering::Relaxed),
					self.attempts
				)
			})
			.await
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::Mutex;
	use tokio::time::Instant;

	fn status(status: u16) -> ShardTransferError {
		ShardTransferError::Status { url: "http://p/shards/r".into(), status, message: "m".into() }
	}

	/// Runs the transfer policy over `results` (one per try; tries past its end succeed);
	/// returns the result, the attempt numbers the transfer saw and the time waited.
	async fn run(
		results: Vec<Result<(), u16>>,
	) -> (Result<(), ShardTransferError>, Vec<u32>, Duration) {
		let seen = Mutex::new(Vec::new());
		let start = Instant::now();
		let result = RetryPolicy::TRANSFERS
			.run("test transfer", |attempt| {
				seen.lock().unwrap().push(attempt);
				let result = results.get(attempt as usize - 1).copied().unwrap_or(Ok(()));
				async move { result.map_err(status) }
			})
			.await;
		(result, seen.into_inner().unwrap(), start.elapsed())
	}

	/// Fails if a transient error is tried more or fewer than 4 times in all, if the pauses
	/// are not 1, 2 and 4 s (7 s of paused time), or if the last error is not returned.
	#[tokio::test(start_paused = true)]
	async fn transient_errors_are_tried_four_times_one_two_and_four_seconds_apart() {
		let (result, attempts, waited) = run(vec![Err(503); 10]).await;
		assert!(
			matches!(result, Err(ShardTransferError::Status { status: 503, .. })),
			"{result:?}"
		);
		assert_eq!(attempts, [1, 2, 3, 4]);
		assert_eq!(waited, Duration::from_secs(7));
	}

	/// Fails if an error that cannot pass (404, a wrong root) is tried again, or waited on.
	#[tokio::test(start_paused = true)]
	async fn permanent_errors_are_not_retried() {
		let (result, attempts, waited) = run(vec![Err(404)]).await;
		assert!(
			matches!(result, Err(ShardTransferError::Status { status: 404, .. })),
			"{result:?}"
		);
		assert_eq!(attempts, [1]);
		assert_eq!(waited, Duration::ZERO);

		// A permanent error after a transient one ends the retries too.
		let (result, attempts, waited) = run(vec![Err(500), Err(422), Err(500)]).await;
		assert!(
			matches!(result, Err(ShardTransferError::Status { status: 422, .. })),
			"{result:?}"
		);
		assert_eq!(attempts, [1, 2]);
		assert_eq!(waited, Duration::from_secs(1));
	}

	/// Fails if a transfer that succeeds after two transient failures is not tried exactly
	/// three times, after 1 s and 2 s, or if its success is not returned.
	#[tokio::test(start_paused = true)]
	async fn a_transfer_that_recovers_succeeds_at_the_next_try() {
		let (result, attempts, waited) = run(vec![Err(503), Err(409), Ok(())]).await;
		assert!(result.is_ok(), "{result:?}");
		assert_eq!(attempts, [1, 2, 3]);
		assert_eq!(waited, Duration::from_secs(3));
	}
}
