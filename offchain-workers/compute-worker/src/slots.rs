//! The compute slots of one provider: jobs run on tokio's blocking threads, at most as many at
//! once as the provider declared on chain (`compute_slots`), never on an async worker thread,
//! so a running job cannot hold up block import, authoring or the node's other tasks.

use std::sync::{Arc, Mutex};
use tokio::{sync::Semaphore, task::JoinError};

/// Permits for running jobs, as many as the provider's declared slots.
pub struct Slots {
	permits: Arc<Semaphore>,
	/// The permits in existence: free ones plus those held by running jobs.
	size: Mutex<usize>,
}

impl Slots {
	pub fn new(size: usize) -> Self {
		Self { permits: Arc::new(Semaphore::new(size)), size: Mutex::new(size) }
	}

	/// Follows the declared slots: more permits at once, fewer as running jobs give theirs
	/// back (call again until it has shrunk; each round does).
	pub fn resize(&self, wanted: usize) {
		let mut size = self.size.lock().expect("not poisoned");
		if wanted > *size {
			self.permits.add_permits(wanted - *size);
			*size = wanted;
		} else if wanted < *size {
			*size -= self.permits.forget_permits(*size - wanted);
		}
	}

	/// Runs `work` on a blocking thread once a slot is free. The slot is held until `work`
	/// returns, even if the caller stops waiting for it.
	pub async fn run<T: Send + 'static>(
		&self,
		work: impl FnOnce() -> T + Send + 'static,
	) -> Result<T, JoinError> {
		let permit = self
			.permits
			.clone()
			.acquire_owned()
			.await
			.expect("the semaphore is never closed");
		tokio::task::spawn_blocking(move || {
			let _permit = permit;
			work()
		})
		.await
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{
		sync::atomic::{AtomicUsize, Ordering},
		time::Duration,
	};

	/// Runs `jobs` jobs of 30 ms on `slots` and returns the most that ran at once.
	async fn most_at_once(slots: Arc<Slots>, jobs: usize) -> usize {
		let running = Arc::new(AtomicUsize::new(0));
		let most = Arc::new(AtomicUsize::new(0));
		let mut tasks = Vec::new();
		for _ in 0..jobs {
			let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
			tasks.push(tokio::spawn(async move {
				slots
					.run(move || {
						let now = running.fetch_add(1, Ordering::SeqCst) + 1;
						most.fetch_max(now, Ordering::SeqCst);
						std::thread::sleep(Duration::from_millis(30));
						running.fetch_sub(1, Ordering::SeqCst);
					})
					.await
					.unwrap()
			}));
		}
		for task in tasks {
			task.await.unwrap();
		}
		most.load(Ordering::SeqCst)
	}

	/// How it fails: a pool that lets more than its slots run at once (the provider would run
	/// more jobs than it declared and the machine can take), one that runs fewer (jobs queue
	/// needlessly), or a resize that does not take effect.
	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn never_more_jobs_at_once_than_slots() {
		let slots = Arc::new(Slots::new(3));
		assert_eq!(most_at_once(slots.clone(), 12).await, 3);
		slots.resize(1);
		assert_eq!(most_at_once(slots.clone(), 6).await, 1);
		slots.resize(4);
		assert_eq!(most_at_once(slots.clone(), 12).await, 4);
	}

	/// How it fails: a shrink that forgets permits held by running jobs at once (a negative
	/// count, or a pool that stays larger than declared once they are back).
	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_shrink_takes_effect_as_running_jobs_end() {
		let slots = Arc::new(Slots::new(2));
		let (release, wait) = std::sync::mpsc::channel::<()>();
		let held = {
			let slots = slots.clone();
			tokio::spawn(async move { slots.run(move || wait.recv().unwrap()).await.unwrap() })
		};
		while slots.permits.available_permits() == 2 {
			tokio::time::sleep(Duration::from_millis(1)).await;
		}
		slots.resize(0);
		assert_eq!(*slots.size.lock().unwrap(), 1, "only the free permit is forgotten");
		release.send(()).unwrap();
		held.await.unwrap();
		slots.resize(0);
		assert_eq!(*slots.size.lock().unwrap(), 0);
		assert_eq!(slots.permits.available_permits(), 0);
	}
}
