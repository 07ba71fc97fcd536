//! The pallet's invariants, checked after every unit test and by `try-runtime`.

use crate::*;
use alloc::collections::{BTreeMap, BTreeSet};
use polkadot_sdk::{
	frame_support::ensure,
	sp_runtime::{traits::Zero, Saturating, TryRuntimeError},
};
use xmbl_primitives::Escrow;

impl<T: Config> Pallet<T> {
	/// What this pallet's jobs hold in each client's escrow. The escrow hold is shared with
	/// the storage market, so `do_try_state` checks that it covers this; a runtime (or a
	/// mock) with both markets checks that the hold is the two markets' sum exactly.
	pub fn escrow_owed() -> BTreeMap<T::AccountId, BalanceOf<T>> {
		let mut owed: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, job) in Jobs::<T>::iter() {
			let total = owed.entry(job.client.clone()).or_insert_with(Zero::zero);
			*total = total.saturating_add(job.escrow);
		}
		owed
	}

	/// - an open job holds its whole reward in escrow, a finished one nothing, and each
	///   client's escrow hold covers what its jobs hold;
	/// - a job has at most `replicas` seated workers, none twice; before selection none,
	///   after it `replicas` while committing; a completed job has its result, no other job
	///   has one; reveals exist only for jobs revealing and count their revealers;
	/// - `WorkerJobs` indexes exactly the seated workers of open jobs;
	/// - every job is scheduled once, at its `due` block, not before the cursor; its spec
	///   (with the job's fuel) and client index exist; ids are below `NextJobId`.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut seats = 0usize;
		for (id, job) in Jobs::<T>::iter() {
			ensure!(id < NextJobId::<T>::get(), "job id at or above NextJobId");
			ensure!(JobSpecs::<T>::contains_key(id), "job without spec");
			ensure!(JobsByClient::<T>::contains_key(&job.client, id), "job not indexed by client");
			ensure!(Due::<T>::contains_key(job.due, id), "job not scheduled at its due block");
			ensure!(job.due >= DueCursor::<T>::get(), "job scheduled before the cursor");
			let expected = if job.status.is_open() { job.reward } else { Zero::zero() };
			ensure!(job.escrow == expected, "job escrow differs from what it owes");
			ensure!(
				JobSpecs::<T>::get(id).map(|spec| spec.fuel) == Some(job.fuel),
				"job fuel differs from its spec's"
			);

			let mut distinct = BTreeSet::new();
			ensure!(
				job.workers.iter().all(|w| distinct.insert(w.who.clone())),
				"a worker drawn twice for one job"
			);
			let seated = job.seated().count();
			ensure!(seated <= usize::from(job.replicas), "more seated workers than replicas");
			match job.status {
				JobStatus::Selecting => ensure!(job.workers.is_empty(), "workers before selection"),
				JobStatus::Committing => {
					ensure!(seated == usize::from(job.replicas), "a seat empty while committing")
				},
				_ => {},
			}
			if job.status.is_open() {
				for worker in job.seated() {
					seats += 1;
					ensure!(
						WorkerJobs::<T>::contains_key(&worker.who, id),
						"seated worker not indexed"
					);
				}
			}
			ensure!(
				Results::<T>::contains_key(id) == (job.status == JobStatus::Completed),
				"a result exactly for completed jobs"
			);
			let mut revealed: BTreeMap<Hash32, u8> = BTreeMap::new();
			for worker in &job.workers {
				if let WorkerState::Revealed(hash) = worker.state {
					*revealed.entry(hash).or_default() += 1;
				}
			}
			let reveals: BTreeMap<Hash32, u8> = Reveals::<T>::iter_prefix(id)
				.map(|(hash, reveal)| (hash, reveal.count))
				.collect();
			if job.status == JobStatus::Revealing {
				ensure!(reveals == revealed, "reveals do not count the workers that revealed");
			} else {
				ensure!(reveals.is_empty(), "reveals kept outside the reveal phase");
			}
		}
		for (client, total) in Self::escrow_owed() {
			ensure!(T::Escrow::held(&client) >= total, "escrow held below what jobs owe");
		}
		let mut indexed = 0usize;
		for (who, id, ()) in WorkerJobs::<T>::iter() {
			indexed += 1;
			let job = Jobs::<T>::get(id).ok_or("worker index names a job that is gone")?;
			ensure!(job.status.is_open(), "worker index names a finished job");
			ensure!(job.seated().any(|w| w.who == who), "worker index names an unseated worker");
		}
		ensure!(indexed == seats, "worker index has entries no seat has");
		for (id, _) in Results::<T>::iter() {
			ensure!(Jobs::<T>::contains_key(id), "result of a job that is gone");
		}
		for id in JobSpecs::<T>::iter_keys().chain(Reveals::<T>::iter_keys().map(|(id, _)| id)) {
			ensure!(Jobs::<T>::contains_key(id), "spec or reveal of a job that is gone");
		}
		for (block, id, ()) in Due::<T>::iter() {
			let job = Jobs::<T>::get(id).ok_or("schedule names a job that is gone")?;
			ensure!(job.due == block, "job scheduled at a block other than its due block");
		}
		Ok(())
	}
}
