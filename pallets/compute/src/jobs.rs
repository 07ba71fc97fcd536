//! The calls: submission, commitments and reveals, and the helpers the hook shares.

use crate::*;
use polkadot_sdk::{
	frame_support::{ensure, pallet_prelude::*, traits::Randomness},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_io::hashing::blake2_256,
	sp_runtime::{traits::Zero, ArithmeticError, Saturating},
};
use xmbl_primitives::{
	commitment, Escrow, JobSource, ProviderRegistry, ProviderRole, StoredFile, StoredFiles,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_submit_job(
		client: T::AccountId,
		spec: JobSpec<T>,
		replicas: u8,
		reward: BalanceOf<T>,
		deadline: BlockNumberFor<T>,
	) -> Result<JobId, DispatchError> {
		if let JobSource::Inline(program) = &spec.program {
			ensure!(!program.is_empty(), Error::<T>::EmptyProgram);
		}
		ensure!(spec.fuel >= 1 && spec.fuel <= T::MaxFuel::get(), Error::<T>::BadFuel);
		ensure!(
			spec.memory_bytes >= 1 && spec.memory_bytes <= T::MaxMemory::get(),
			Error::<T>::BadMemory
		);
		ensure!(replicas >= 1 && replicas <= T::MaxReplicas::get(), Error::<T>::BadReplicas);
		let least = T::MinJobReward::get()
			.checked_mul(&u32::from(replicas).into())
			.ok_or(ArithmeticError::Overflow)?;
		ensure!(reward >= least, Error::<T>::RewardTooLow);
		ensure!(
			deadline >= Self::min_deadline() && deadline <= T::MaxDeadline::get(),
			Error::<T>::BadDeadline
		);
		if let Some(program) = Self::stored_file(&client, &spec.program)? {
			ensure!(program.size <= T::MaxStoredProgram::get(), Error::<T>::StoredFileTooLarge);
			ensure!(!program.encrypted, Error::<T>::ProgramEncrypted);
		}
		if let Some(input) = Self::stored_file(&client, &spec.input)? {
			ensure!(input.size <= T::MaxStoredInput::get(), Error::<T>::StoredFileTooLarge);
			ensure!(!input.encrypted || spec.input_key.is_some(), Error::<T>::InputKeyMissing);
		}
		ensure!(
			T::Registry::selectable(ProviderRole::Compute) >= u32::from(replicas),
			Error::<T>::NotEnoughProviders
		);
		let id = NextJobId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		T::Escrow::hold(&client, reward)?;

		NextJobId::<T>::put(next_id);
		let now = frame_system::Pallet::<T>::block_number();
		let due = now.saturating_add(T::SelectionDelay::get());
		let deadline = now.saturating_add(deadline);
		let job = Job::<T> {
			client: client.clone(),
			replicas,
			reward,
			fuel: spec.fuel,
			escrow: reward,
			deadline,
			round: 0,
			status: JobStatus::Selecting,
			due,
			workers: BoundedVec::new(),
		};
		Self::deposit_event(Event::JobSubmitted {
			job: id,
			client: client.clone(),
			replicas,
			reward,
			deadline,
			selection_at: due,
		});
		Jobs::<T>::insert(id, job);
		JobSpecs::<T>::insert(id, spec);
		JobsByClient::<T>::insert(&client, id, ());
		Due::<T>::insert(due, id, ());
		Ok(id)
	}

	/// The file of a stored source, which must be an active deal of the client's; `None` for
	/// an inline source.
	fn stored_file<I>(
		client: &T::AccountId,
		source: &JobSource<I>,
	) -> Result<Option<StoredFile<T::AccountId>>, DispatchError> {
		let JobSource::Deal(deal) = source else { return Ok(None) };
		let file = T::StoredFiles::file(*deal).ok_or(Error::<T>::DealNotFound)?;
		ensure!(file.owner == *client, Error::<T>::NotDealOwner);
		ensure!(file.readable, Error::<T>::DealNotActive);
		Ok(Some(file))
	}

	pub(crate) fn do_commit(worker: T::AccountId, id: JobId, hash: Hash32) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let now = frame_system::Pallet::<T>::block_number();
		// `now < due` too: a phase whose end was carried over to a later block is over.
		ensure!(job.status == JobStatus::Committing && now < job.due, Error::<T>::NotCommitPhase);
		let position = job.position(&worker).ok_or(Error::<T>::NotAssigned)?;
		match job.workers[position].state {
			WorkerState::Assigned => {},
			WorkerState::Missed => return Err(Error::<T>::NotAssigned.into()),
			_ => return Err(Error::<T>::AlreadyCommitted.into()),
		}
		ensure!(
			!job.workers.iter().any(|w| w.state == WorkerState::Committed(hash)),
			Error::<T>::CopiedCommitment
		);
		job.workers[position].state = WorkerState::Committed(hash);
		Self::deposit_event(Event::Committed { job: id, worker });
		if job.seated().all(|w| matches!(w.state, WorkerState::Committed(_))) {
			Self::start_reveal(id, &mut job, now);
		}
		Jobs::<T>::insert(id, job);
		Ok(())
	}

	pub(crate) fn do_reveal(
		worker: T::AccountId,
		id: JobId,
		result: JobResultOf<T>,
		salt: Hash32,
	) -> DispatchResult {
		let mut job = Jobs::<T>::get(id).ok_or(Error::<T>::UnknownJob)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(job.status == JobStatus::Revealing && now < job.due, Error::<T>::NotRevealPhase);
		let position = job.position(&worker).ok_or(Error::<T>::NotAssigned)?;
		let committed = match job.workers[position].state {
			WorkerState::Committed(hash) => hash,
			WorkerState::Revealed(_) => return Err(Error::<T>::AlreadyRevealed.into()),
			WorkerState::Assigned | WorkerState::Missed => {
				return Err(Error::<T>::NotCommitted.into())
			},
		};
		Self::ensure_well_formed(&result, job.fuel)?;
		ensure!(commitment(&result, &salt, &worker) == committed, Error::<T>::RevealMismatch);

		let result_hash = blake2_256(&result.encode());
		Reveals::<T>::mutate(id, result_hash, |reveal| match reveal {
			Some(reveal) => reveal.count = reveal.count.saturating_add(1),
			None => *reveal = Some(Reveal { result, count: 1 }),
		});
		job.workers[position].state = WorkerState::Revealed(result_hash);
		Self::deposit_event(Event::Revealed { job: id, worker, result_hash });
		// Every committed worker revealed: nothing is left to wait for.
		if !job.seated().any(|w| matches!(w.state, WorkerState::Committed(_))) {
			Self::reschedule(id, &mut job, now.saturating_add(1u32.into()));
		}
		Jobs::<T>::insert(id, job);
		Ok(())
	}

	/// Output exactly for `Success`, of the right size; fuel within the job's, and none for an
	/// input that did not open (the program never ran).
	fn ensure_well_formed(result: &JobResultOf<T>, fuel: u64) -> DispatchResult {
		ensure!(result.fuel_used <= fuel, Error::<T>::MalformedResult);
		if result.kind == JobOutcomeKind::InputUnreadable {
			ensure!(result.fuel_used == 0, Error::<T>::MalformedResult);
		}
		match (&result.kind, &result.output) {
			(JobOutcomeKind::Success, JobOutput::Inline(_)) => Ok(()),
			(JobOutcomeKind::Success, JobOutput::Kept { len, .. }) => {
				ensure!(
					*len > u64::from(T::MaxInlineOutput::get()),
					Error::<T>::OutputShouldBeInline
				);
				ensure!(*len <= T::MaxKeptOutput::get(), Error::<T>::KeptOutputTooLarge);
				Ok(())
			},
			(JobOutcomeKind::Success, JobOutput::None) => Err(Error::<T>::MalformedResult.into()),
			(_, JobOutput::None) => Ok(()),
			(_, _) => Err(Error::<T>::MalformedResult.into()),
		}
	}

	/// Start the reveal phase at `now`.
	pub(crate) fn start_reveal(id: JobId, job: &mut Job<T>, now: BlockNumberFor<T>) {
		job.status = JobStatus::Revealing;
		let until = now.saturating_add(T::RevealWindow::get());
		Self::reschedule(id, job, until);
		Self::deposit_event(Event::RevealPhase { job: id, until });
	}

	/// A seed for `id` (and `extra`) from the current block's randomness.
	pub(crate) fn random_seed(context: &[u8], id: JobId, extra: u32) -> [u8; 32] {
		let subject = (context, id, extra).encode();
		let (random, _) = T::Randomness::random(&subject);
		blake2_256(&(subject, random).encode())
	}

	/// Move the job's next step to block `at`.
	pub(crate) fn reschedule(id: JobId, job: &mut Job<T>, at: BlockNumberFor<T>) {
		Due::<T>::remove(job.due, id);
		job.due = at;
		Due::<T>::insert(at, id, ());
	}

	/// Refund what the job still holds.
	pub(crate) fn refund(id: JobId, job: &mut Job<T>) -> BalanceOf<T> {
		let amount = job.escrow;
		if amount.is_zero() || T::Escrow::refund(&job.client, amount).is_err() {
			return Zero::zero();
		}
		job.escrow = Zero::zero();
		Self::deposit_event(Event::JobRefunded { job: id, amount });
		amount
	}

	/// Release worker `who`'s seat of job `id`: its compute slot and its duty.
	pub(crate) fn release_seat(id: JobId, who: &T::AccountId) {
		T::Registry::unassign(who, 0, 1);
		WorkerJobs::<T>::remove(who, id);
	}

	/// End the job without a final result: release every seat, refund, keep the record
	/// until `OutputRetention` blocks from now.
	pub(crate) fn fail_job(
		id: JobId,
		job: &mut Job<T>,
		reason: JobFailure,
		now: BlockNumberFor<T>,
	) {
		for worker in job.workers.iter().filter(|w| w.state != WorkerState::Missed) {
			Self::release_seat(id, &worker.who);
		}
		let _ = Reveals::<T>::clear_prefix(id, u32::from(T::MaxReplicas::get()), None);
		Self::refund(id, job);
		job.status = JobStatus::Failed(reason);
		Self::reschedule(id, job, now.saturating_add(T::OutputRetention::get()));
		Self::deposit_event(Event::JobFailed { job: id, reason });
	}

	/// Remove a finished job and everything indexed by it.
	pub(crate) fn prune(id: JobId, job: &Job<T>) {
		Due::<T>::remove(job.due, id);
		Jobs::<T>::remove(id);
		JobSpecs::<T>::remove(id);
		Results::<T>::remove(id);
		JobsByClient::<T>::remove(&job.client, id);
		Self::deposit_event(Event::JobPruned { job: id });
	}

	/// `true` if a round started at `now` ends (commit and reveal) by the deadline.
	pub(crate) fn round_fits(job: &Job<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_add(T::CommitWindow::get())
			.saturating_add(T::RevealWindow::get())
			<= job.deadline
	}
}
