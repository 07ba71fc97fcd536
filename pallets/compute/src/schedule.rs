//! The per-block hook: each job's scheduled step (the draw of its workers, the end of a commit
//! or reveal phase, its pruning), at most `MaxJobsPerBlock` jobs per block within
//! `MaxScheduleWeight`.

use crate::*;
use alloc::vec::Vec;
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, traits::Get},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::{traits::Zero, Saturating},
};
use xmbl_primitives::{Escrow, ProviderRegistry, ProviderRole, Slashing};

/// Buckets of [`Due`] `on_initialize` looks at per block at most; more than one, so the
/// cursor catches up after blocks whose jobs were carried over.
pub const MAX_BUCKETS_PER_BLOCK: u32 = 4;

/// Draws of workers a selection makes at most: a provider drawn that refuses the slot (its
/// last one was taken in this block) is replaced by a second draw that excludes it.
pub const SELECTION_ROUNDS: u32 = 2;

impl<T: Config> Pallet<T> {
	/// Run the scheduled steps due by `now`, oldest first: at most `MaxJobsPerBlock`, and
	/// each only while its worst case fits in what is left of `MaxScheduleWeight`.
	pub(crate) fn run_due(now: BlockNumberFor<T>) -> Weight {
		let limit = T::MaxScheduleWeight::get();
		let mut weight = T::WeightInfo::on_initialize_base();
		let mut budget = T::MaxJobsPerBlock::get();
		let mut cursor = DueCursor::<T>::get();
		let mut buckets = 0;
		'buckets: while cursor <= now && buckets < MAX_BUCKETS_PER_BLOCK && budget > 0 {
			buckets += 1;
			let ids: Vec<JobId> =
				Due::<T>::iter_key_prefix(cursor).take(budget as usize + 1).collect();
			let more = ids.len() > budget as usize;
			for id in ids.into_iter().take(budget as usize) {
				let Some(job) = Jobs::<T>::get(id) else {
					// Every removal of a job removes its entry too; never leave one behind.
					budget -= 1;
					Due::<T>::remove(cursor, id);
					weight.saturating_accrue(T::DbWeight::get().reads_writes(1, 1));
					continue;
				};
				let step = Self::step_weight(&job);
				if weight.saturating_add(step).any_gt(limit) {
					// Carried over: the job stays due at `cursor`, which does not move.
					weight.saturating_accrue(T::DbWeight::get().reads(1));
					break 'buckets;
				}
				budget -= 1;
				Due::<T>::remove(cursor, id);
				Self::run_job(id, job, now);
				weight.saturating_accrue(step);
			}
			if more {
				break;
			}
			cursor.saturating_inc();
		}
		DueCursor::<T>::put(cursor);
		weight
	}

	/// Run job `id`'s scheduled step. The entry was taken off `Due`; every branch either
	/// reschedules or prunes.
	fn run_job(id: JobId, mut job: Job<T>, now: BlockNumberFor<T>) {
		match job.status {
			JobStatus::Selecting => Self::select_workers(id, &mut job, now),
			JobStatus::Committing => Self::end_commit(id, &mut job, now),
			JobStatus::Revealing => Self::resolve(id, &mut job, now),
			JobStatus::Completed | JobStatus::Failed(_) => return Self::prune(id, &job),
		}
		Jobs::<T>::insert(id, job);
	}

	/// The most a job's next step can weigh.
	pub(crate) fn step_weight(job: &Job<T>) -> Weight {
		let replicas = u32::from(job.replicas);
		match job.status {
			JobStatus::Selecting => {
				Self::draw_weight(T::WeightInfo::select_workers(replicas), replicas)
			},
			JobStatus::Committing => {
				Self::draw_weight(T::WeightInfo::end_commit(replicas), replicas)
			},
			JobStatus::Revealing => T::WeightInfo::resolve(replicas),
			JobStatus::Completed | JobStatus::Failed(_) => T::WeightInfo::prune(),
		}
	}

	/// `step` plus the registry's draws of up to `count` workers, made twice.
	fn draw_weight(step: Weight, count: u32) -> Weight {
		step.saturating_add(
			T::Registry::select_weight(count).saturating_mul(SELECTION_ROUNDS.into()),
		)
	}

	/// The most any step of a job with `replicas` replicas can weigh.
	pub fn worst_step_weight(replicas: u32) -> Weight {
		Self::draw_weight(T::WeightInfo::select_workers(replicas), replicas)
			.max(Self::draw_weight(T::WeightInfo::end_commit(replicas), replicas))
			.max(T::WeightInfo::resolve(replicas))
			.max(T::WeightInfo::prune())
	}

	/// The most the scheduled steps of one job with `replicas` replicas can weigh in all: its
	/// draw, a commit end per round, its resolution and its pruning. `submit_job` is charged
	/// it, so a job's fee pays for the hook work it causes.
	pub fn scheduled_weight(replicas: u32) -> Weight {
		Self::draw_weight(T::WeightInfo::select_workers(replicas), replicas)
			.saturating_add(
				Self::draw_weight(T::WeightInfo::end_commit(replicas), replicas)
					.saturating_mul(T::MaxRounds::get().into()),
			)
			.saturating_add(T::WeightInfo::resolve(replicas))
			.saturating_add(T::WeightInfo::prune())
	}

	/// Draw round 0's workers, or fail the job.
	fn select_workers(id: JobId, job: &mut Job<T>, now: BlockNumberFor<T>) {
		if !Self::round_fits(job, now) {
			// Only when the schedule ran this step late: the deadline leaves no round.
			return Self::fail_job(id, job, JobFailure::Expired, now);
		}
		Self::start_round(id, job, u32::from(job.replicas), now);
	}

	/// Draw `count` new workers (none that ever worked on the job) and start a commit
	/// phase for them; fail the job if too few can be drawn.
	fn start_round(id: JobId, job: &mut Job<T>, count: u32, now: BlockNumberFor<T>) {
		let mut chosen: Vec<T::AccountId> = Vec::new();
		let mut refused: Vec<T::AccountId> = Vec::new();
		for attempt in 0..SELECTION_ROUNDS {
			let missing = count - chosen.len() as u32;
			if missing == 0 {
				break;
			}
			let exclude: Vec<T::AccountId> = job
				.workers
				.iter()
				.map(|w| w.who.clone())
				.chain(chosen.iter().cloned())
				.chain(refused.iter().cloned())
				.collect();
			let extra = u32::from(job.round).saturating_mul(SELECTION_ROUNDS) + attempt;
			let seed = Self::random_seed(b"xmbl/compute/select", id, extra);
			let Ok(drawn) =
				T::Registry::select(ProviderRole::Compute, missing, seed, &exclude, job.share())
			else {
				break;
			};
			for who in drawn {
				if T::Registry::assign(&who, 0, 1).is_ok() {
					chosen.push(who);
				} else {
					refused.push(who);
				}
			}
		}
		if (chosen.len() as u32) < count {
			for who in &chosen {
				T::Registry::unassign(who, 0, 1);
			}
			return Self::fail_job(id, job, JobFailure::NotEnoughProviders, now);
		}
		for who in &chosen {
			// `MaxWorkersOf` holds `MaxReplicas` workers per round, and rounds stop at
			// `MaxRounds`.
			let _ = job.workers.try_push(Worker {
				who: who.clone(),
				round: job.round,
				state: WorkerState::Assigned,
			});
			WorkerJobs::<T>::insert(who, id, ());
		}
		job.status = JobStatus::Committing;
		let until = now.saturating_add(T::CommitWindow::get());
		Self::reschedule(id, job, until);
		Self::deposit_event(Event::WorkersAssigned {
			job: id,
			round: job.round,
			workers: chosen,
			until,
		});
	}

	/// The commit phase ended: slash and release the workers that did not commit; reveal
	/// if a majority committed, else replace them in a new round, or fail the job.
	fn end_commit(id: JobId, job: &mut Job<T>, now: BlockNumberFor<T>) {
		let share = job.share();
		for position in 0..job.workers.len() {
			if job.workers[position].state == WorkerState::Assigned {
				let who = job.workers[position].who.clone();
				Self::slash(id, job, &who, SlashReason::MissedCommit, share);
				job.workers[position].state = WorkerState::Missed;
				Self::release_seat(id, &who);
			}
		}
		let committed = job.seated().count() as u32;
		if committed >= job.majority() {
			return Self::start_reveal(id, job, now);
		}
		let next_round = job.round.saturating_add(1);
		if next_round >= T::MaxRounds::get() || !Self::round_fits(job, now) {
			return Self::fail_job(id, job, JobFailure::Expired, now);
		}
		job.round = next_round;
		Self::start_round(id, job, u32::from(job.replicas) - committed, now);
	}

	/// The reveal phase ended: make a majority's result final and settle every worker, or
	/// refund the client.
	fn resolve(id: JobId, job: &mut Job<T>, now: BlockNumberFor<T>) {
		let majority = job.majority();
		let winner =
			Reveals::<T>::iter_prefix(id).find(|(_, reveal)| u32::from(reveal.count) >= majority);
		let _ = Reveals::<T>::clear_prefix(id, u32::from(T::MaxReplicas::get()), None);
		let share = job.share();
		// Who missed the reveal is slashed whatever the outcome; who revealed another result
		// only when a final one shows it wrong.
		let mut paid = Vec::new();
		for position in 0..job.workers.len() {
			let who = job.workers[position].who.clone();
			let reason = match (job.workers[position].state, &winner) {
				(WorkerState::Committed(_), _) => SlashReason::MissedReveal,
				(WorkerState::Revealed(hash), Some((winning, _))) if hash == *winning => {
					if T::Escrow::release(&job.client, &who, share).is_ok() {
						job.escrow.saturating_reduce(share);
						T::Registry::record_success(&who);
						paid.push(who);
					}
					continue;
				},
				(WorkerState::Revealed(_), Some(_)) => SlashReason::WrongResult,
				_ => continue,
			};
			Self::slash(id, job, &who, reason, share);
		}
		let Some((result_hash, reveal)) = winner else {
			return Self::fail_job(id, job, JobFailure::NoMajority, now);
		};
		for worker in job.seated() {
			Self::release_seat(id, &worker.who);
		}
		let refund = Self::refund(id, job);
		let (kind, fuel_used) = (reveal.result.kind, reveal.result.fuel_used);
		Results::<T>::insert(id, FinalResult { result: reveal.result, at: now });
		job.status = JobStatus::Completed;
		Self::reschedule(id, job, now.saturating_add(T::OutputRetention::get()));
		Self::deposit_event(Event::JobCompleted {
			job: id,
			kind,
			fuel_used,
			result_hash,
			workers: paid,
			share,
			refund,
		});
	}

	/// Slash `who` for `reason`; the client is compensated up to `share`.
	fn slash(
		id: JobId,
		job: &Job<T>,
		who: &T::AccountId,
		reason: SlashReason,
		share: BalanceOf<T>,
	) {
		let amount = match reason {
			SlashReason::WrongResult => T::WrongResultSlash::get(),
			SlashReason::MissedCommit | SlashReason::MissedReveal => T::MissedJobSlash::get(),
		};
		if amount.is_zero() {
			return;
		}
		let outcome = T::Slashing::slash(who, amount, Some((job.client.clone(), share)));
		Self::deposit_event(Event::WorkerSlashed {
			job: id,
			worker: who.clone(),
			reason,
			slashed: outcome.slashed,
			to_client: outcome.to_harmed,
		});
	}
}
