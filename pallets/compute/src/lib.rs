//! # XMBL compute market pallet
//!
//! People pay to have a WASM command run by several independent providers; a result is final
//! when more than half of them reveal it (see `DESIGN.md`).
//!
//! - **Job.** [`Pallet::submit_job`] takes the program and input (inline, or a storage deal
//!   of the caller's that is active), arguments, fuel and memory limits, the number of
//!   replicas, the whole reward and a deadline, and holds the reward in the client's escrow.
//! - **Selection.** `SelectionDelay` blocks later, `on_initialize` draws the replicas from
//!   the compute providers whose minimum price the per-replica share pays, from that block's
//!   randomness, and takes one compute slot of each.
//! - **Commit.** Each worker runs the job and publishes a commitment to its result
//!   ([`Pallet::commit_result`], [`xmbl_primitives::commitment`]), within `CommitWindow`
//!   blocks. A commit phase that ends short of a majority of commitments slashes the workers
//!   that missed it and draws new ones for their seats, for another round, while `MaxRounds`
//!   and the deadline allow; nothing has been revealed yet, so nobody can copy a result.
//! - **Reveal.** Once every worker committed, or the commit window ends with a majority of
//!   commitments, workers reveal result and salt ([`Pallet::reveal_result`]) within
//!   `RevealWindow` blocks.
//! - **Resolution.** At the end of the reveal phase (or the block after the last reveal), a
//!   result revealed by more than half of the replicas is final: it is kept in [`Results`],
//!   each agreeing worker is paid `reward / replicas` and the rest goes back to the client;
//!   workers that revealed another result are slashed `WrongResultSlash`, those that did not
//!   reveal `MissedJobSlash`. Without a majority the reward is refunded. Honest commits and
//!   reveals pay no fee.
//!
//! Outputs up to `MaxInlineOutput` bytes are revealed on chain; longer ones (up to
//! `MaxKeptOutput`) by their hash and length, the bytes kept by the workers for
//! `OutputRetention` blocks. A finished job and its result are pruned `OutputRetention`
//! blocks after it ended. Per-block work is bounded like the storage market's: jobs are
//! scheduled by the block of their next step ([`Due`]) and `on_initialize` runs at most
//! `MaxJobsPerBlock` of them within `MaxScheduleWeight`, carrying the rest over.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod jobs;
mod schedule;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use schedule::SELECTION_ROUNDS;
pub use types::*;
pub use weights::WeightInfo;
pub use xmbl_primitives::{DutyTask, JobId, JobOutcomeKind, JobOutput, JobResult, WorkerDuty};

use polkadot_sdk::frame_support;

// `submit_job` takes a job's ten parameters as they are, and the call enum FRAME generates
// from it carries the lint out of reach of an attribute on the function.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::Randomness},
		frame_system::pallet_prelude::*,
		sp_runtime::Saturating,
	};
	use xmbl_primitives::{Escrow, ProviderRegistry, Slashing, StoredFiles};

	/// The storage layout version.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency rewards and escrow are in (its balance type is all this pallet uses).
		type Currency: polkadot_sdk::frame_support::traits::fungible::Inspect<Self::AccountId>;

		/// The provider registry: selection and compute slots.
		type Registry: ProviderRegistry<Self::AccountId, BalanceOf<Self>>;

		/// The clients' escrow (shared with the storage market).
		type Escrow: Escrow<Self::AccountId, BalanceOf<Self>>;

		/// Slashing of workers that miss their part or reveal a wrong result.
		type Slashing: Slashing<Self::AccountId, BalanceOf<Self>>;

		/// The randomness workers are drawn from. Its output for a block must not be known
		/// before that block.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// The storage market's files, which a job's program and input may be.
		type StoredFiles: StoredFiles<Self::AccountId>;

		/// The largest inline program in bytes; larger ones are stored first.
		#[pallet::constant]
		type MaxInlineProgram: Get<u32>;

		/// The largest inline input in bytes; larger ones are stored first.
		#[pallet::constant]
		type MaxInlineInput: Get<u32>;

		/// The largest stored program in bytes (the workers' runner refuses larger modules).
		#[pallet::constant]
		type MaxStoredProgram: Get<u64>;

		/// The largest stored input in bytes: what every worker can fetch and hold.
		#[pallet::constant]
		type MaxStoredInput: Get<u64>;

		/// The most arguments a job may have.
		#[pallet::constant]
		type MaxArgs: Get<u32>;

		/// The longest argument in bytes.
		#[pallet::constant]
		type MaxArgLen: Get<u32>;

		/// The most fuel a job may ask for.
		#[pallet::constant]
		type MaxFuel: Get<u64>;

		/// The most linear memory a job may ask for, in bytes.
		#[pallet::constant]
		type MaxMemory: Get<u64>;

		/// The most replicas a job may ask for; at most 127 (a job's workers fit a `u8`
		/// count per round).
		#[pallet::constant]
		type MaxReplicas: Get<u8>;

		/// Commit rounds a job may take (each replaces the workers that missed their
		/// commitment); at least 1.
		#[pallet::constant]
		type MaxRounds: Get<u8>;

		/// The lowest reward per replica; at least 1.
		#[pallet::constant]
		type MinJobReward: Get<BalanceOf<Self>>;

		/// Blocks between a job's submission and the draw of its workers; at least 1, so the
		/// randomness used did not exist when the job was submitted.
		#[pallet::constant]
		type SelectionDelay: Get<BlockNumberFor<Self>>;

		/// Blocks a round's workers have to run the job and commit; at least 1.
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;

		/// Blocks workers have to reveal; at least 1.
		#[pallet::constant]
		type RevealWindow: Get<BlockNumberFor<Self>>;

		/// The latest deadline a job may set, in blocks from its submission; at least
		/// `SelectionDelay + CommitWindow + RevealWindow`, the earliest.
		#[pallet::constant]
		type MaxDeadline: Get<BlockNumberFor<Self>>;

		/// Taken from the stake of a worker that revealed a result other than the final one;
		/// the client is compensated up to the per-replica share, the treasury takes the rest.
		#[pallet::constant]
		type WrongResultSlash: Get<BalanceOf<Self>>;

		/// Taken from the stake of a worker that missed its commitment or its reveal; split
		/// like `WrongResultSlash`.
		#[pallet::constant]
		type MissedJobSlash: Get<BalanceOf<Self>>;

		/// The longest output revealed inline, in bytes.
		#[pallet::constant]
		type MaxInlineOutput: Get<u32>;

		/// The longest output a job may have, in bytes: longer than `MaxInlineOutput`, it is
		/// kept by the workers and revealed by hash and length.
		#[pallet::constant]
		type MaxKeptOutput: Get<u64>;

		/// Blocks a finished job's result stays on chain, and its kept output at the workers'
		/// endpoints, after the job ended.
		#[pallet::constant]
		type OutputRetention: Get<BlockNumberFor<Self>>;

		/// The most jobs whose scheduled step `on_initialize` runs in one block.
		#[pallet::constant]
		type MaxJobsPerBlock: Get<u32>;

		/// The most weight `on_initialize` spends on scheduled steps in one block; a step
		/// starts only while its worst case fits. Must hold the base and one worst-case step
		/// (checked by `integrity_test`).
		#[pallet::constant]
		type MaxScheduleWeight: Get<Weight>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Funds accounts and registers providers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Jobs not yet pruned: open, or finished less than `OutputRetention` blocks ago.
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, Job<T>, OptionQuery>;

	/// What each job in `Jobs` runs.
	#[pallet::storage]
	pub type JobSpecs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobSpec<T>, OptionQuery>;

	/// The results revealed for a job in its reveal phase, by `blake2_256(SCALE(result))`:
	/// each distinct result once, with the number of workers that revealed it.
	#[pallet::storage]
	pub type Reveals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, JobId, Identity, Hash32, Reveal<T>, OptionQuery>;

	/// The final result of each completed job in `Jobs`.
	#[pallet::storage]
	pub type Results<T: Config> = StorageMap<_, Twox64Concat, JobId, FinalResult<T>, OptionQuery>;

	/// Jobs in `Jobs` by client.
	#[pallet::storage]
	pub type JobsByClient<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	/// Open jobs by the workers holding one of their seats (a compute slot each).
	#[pallet::storage]
	pub type WorkerJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, (), OptionQuery>;

	/// Jobs by the block of their next scheduled step (`Job::due`).
	#[pallet::storage]
	pub type Due<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, JobId, (), OptionQuery>;

	/// The oldest block whose scheduled jobs may not all have run yet.
	#[pallet::storage]
	pub type DueCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A job was submitted; its workers are drawn at block `selection_at`.
		JobSubmitted {
			job: JobId,
			client: T::AccountId,
			replicas: u8,
			reward: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			selection_at: BlockNumberFor<T>,
		},
		/// Workers were drawn for round `round` (all seats in round 0, the seats of workers
		/// that missed their commitment later); they commit before `until`.
		WorkersAssigned {
			job: JobId,
			round: u8,
			workers: Vec<T::AccountId>,
			until: BlockNumberFor<T>,
		},
		/// A worker committed to its result.
		Committed { job: JobId, worker: T::AccountId },
		/// Workers that committed reveal before `until`.
		RevealPhase { job: JobId, until: BlockNumberFor<T> },
		/// A worker revealed a result whose `blake2_256(SCALE(result))` is `result_hash`.
		Revealed { job: JobId, worker: T::AccountId, result_hash: Hash32 },
		/// A result is final: `workers` revealed it and were paid `share` each; `refund` went
		/// back to the client.
		JobCompleted {
			job: JobId,
			kind: JobOutcomeKind,
			fuel_used: u64,
			result_hash: Hash32,
			workers: Vec<T::AccountId>,
			share: BalanceOf<T>,
			refund: BalanceOf<T>,
		},
		/// A worker was slashed `slashed`, of which `to_client` compensated the client.
		WorkerSlashed {
			job: JobId,
			worker: T::AccountId,
			reason: SlashReason,
			slashed: BalanceOf<T>,
			to_client: BalanceOf<T>,
		},
		/// What the job held went back to the client.
		JobRefunded { job: JobId, amount: BalanceOf<T> },
		/// The job ended without a final result.
		JobFailed { job: JobId, reason: JobFailure },
		/// A finished job and its result were removed, `OutputRetention` blocks after its end.
		JobPruned { job: JobId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The inline program is empty.
		EmptyProgram,
		/// The fuel is 0 or above `MaxFuel`.
		BadFuel,
		/// The memory limit is 0 or above `MaxMemory`.
		BadMemory,
		/// The replicas are 0 or above `MaxReplicas`.
		BadReplicas,
		/// The reward is below `MinJobReward` per replica.
		RewardTooLow,
		/// The deadline is below `SelectionDelay + CommitWindow + RevealWindow` or above
		/// `MaxDeadline`.
		BadDeadline,
		/// A source names a storage deal that does not exist.
		DealNotFound,
		/// A source names a storage deal of someone else's.
		NotDealOwner,
		/// A source names a storage deal that is not active (its file cannot be read yet).
		DealNotActive,
		/// Fewer compute providers can be drawn than the job has replicas.
		NotEnoughProviders,
		/// No job has this id.
		UnknownJob,
		/// The caller holds no seat of the job.
		NotAssigned,
		/// The job is not in its commit phase.
		NotCommitPhase,
		/// The caller committed already.
		AlreadyCommitted,
		/// Another worker of the job committed to exactly this.
		CopiedCommitment,
		/// The job is not in its reveal phase.
		NotRevealPhase,
		/// The caller did not commit in this job's commit phase.
		NotCommitted,
		/// The caller revealed already.
		AlreadyRevealed,
		/// The result and salt do not open the caller's commitment.
		RevealMismatch,
		/// The output does not fit the outcome (success without output, or output without
		/// success), or more fuel was used than the job had.
		MalformedResult,
		/// A kept output short enough to be inline.
		OutputShouldBeInline,
		/// A kept output longer than `MaxKeptOutput`.
		KeptOutputTooLarge,
		/// An amount or id overflowed.
		Overflow,
		/// A stored program is longer than `MaxStoredProgram`, or a stored input than
		/// `MaxStoredInput`.
		StoredFileTooLarge,
		/// A stored program is encrypted: programs are read by every worker, so they are public.
		ProgramEncrypted,
		/// A stored input is encrypted and no `input_key` opens it for the workers.
		InputKeyMissing,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::run_due(now)
		}

		fn integrity_test() {
			let replicas = T::MaxReplicas::get();
			assert!((1..=127).contains(&replicas), "MaxReplicas must be in 1..=127");
			assert!(T::MaxRounds::get() >= 1, "MaxRounds must be at least 1");
			assert!(!T::MinJobReward::get().is_zero(), "MinJobReward must be at least 1");
			assert!(!T::SelectionDelay::get().is_zero(), "SelectionDelay must be at least 1");
			assert!(!T::CommitWindow::get().is_zero(), "CommitWindow must be at least 1");
			assert!(!T::RevealWindow::get().is_zero(), "RevealWindow must be at least 1");
			assert!(
				T::MaxDeadline::get() >= Self::min_deadline(),
				"MaxDeadline must hold SelectionDelay + CommitWindow + RevealWindow"
			);
			assert!(
				u64::from(T::MaxInlineOutput::get()) < T::MaxKeptOutput::get(),
				"MaxKeptOutput must be above MaxInlineOutput"
			);
			assert!(T::MaxFuel::get() >= 1 && T::MaxMemory::get() >= 1);
			assert!(T::MaxJobsPerBlock::get() >= 1);
			assert!(
				T::WeightInfo::on_initialize_base()
					.saturating_add(Self::worst_step_weight(u32::from(replicas)))
					.all_lte(T::MaxScheduleWeight::get()),
				"MaxScheduleWeight must hold on_initialize's base and one worst-case step"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit a job.
		///
		/// - Origin: signed by the client, who pays.
		/// - `program`, `input`: inline (at most `MaxInlineProgram` / `MaxInlineInput` bytes;
		///   the program not empty) or a storage deal the client owns that is active.
		/// - `args`: at most `MaxArgs` arguments of at most `MaxArgLen` bytes.
		/// - `fuel` in `1..=MaxFuel`, `memory_bytes` in `1..=MaxMemory`.
		/// - `replicas` in `1..=MaxReplicas`: a result is final when more than half of them
		///   reveal it.
		/// - `reward`: the whole reward, at least `MinJobReward × replicas`, held in escrow;
		///   each agreeing worker is paid `reward / replicas`, the rest is refunded. Providers
		///   whose minimum price is above `reward / replicas` are not drawn.
		/// - `deadline`: blocks from now by which the job must be final, from
		///   `SelectionDelay + CommitWindow + RevealWindow` to `MaxDeadline`.
		/// - `input_key`: the key of an encrypted input file, given to the workers (public).
		/// - Emits [`Event::JobSubmitted`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::submit_job().saturating_add(Pallet::<T>::scheduled_weight(u32::from(*replicas))))]
		pub fn submit_job(
			origin: OriginFor<T>,
			program: ProgramOf<T>,
			input: InputOf<T>,
			args: ArgsOf<T>,
			fuel: u64,
			memory_bytes: u64,
			replicas: u8,
			reward: BalanceOf<T>,
			deadline: BlockNumberFor<T>,
			input_key: Option<Hash32>,
		) -> DispatchResult {
			let client = ensure_signed(origin)?;
			let spec = JobSpec { program, input, args, fuel, memory_bytes, input_key };
			Self::do_submit_job(client, spec, replicas, reward, deadline).map(|_| ())
		}

		/// Commit to a job's result: `xmbl_primitives::commitment(result, salt, caller)`.
		///
		/// - Origin: signed by a worker holding a seat of the job, once per job.
		/// - Only in the commit phase; a commitment another worker made already is refused
		///   (it could not be opened by the caller anyway).
		/// - When every seated worker committed, the reveal phase starts.
		/// - Free when accepted.
		/// - Emits [`Event::Committed`], and [`Event::RevealPhase`] with the last commitment.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::commit_result())]
		pub fn commit_result(
			origin: OriginFor<T>,
			job: JobId,
			commitment: Hash32,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_commit(worker, job, commitment)?;
			Ok(Pays::No.into())
		}

		/// Reveal the result and salt committed to.
		///
		/// - Origin: signed by a worker that committed in the job's commit phase, once.
		/// - Only in the reveal phase. The result must open the commitment, and be well
		///   formed: output inline (at most `MaxInlineOutput` bytes) or kept (longer, at most
		///   `MaxKeptOutput`) exactly when the outcome is `Success`, fuel used within the
		///   job's.
		/// - When every committed worker revealed, the job is resolved at the next block.
		/// - Free when accepted.
		/// - Emits [`Event::Revealed`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reveal_result())]
		pub fn reveal_result(
			origin: OriginFor<T>,
			job: JobId,
			result: JobResultOf<T>,
			salt: Hash32,
		) -> DispatchResultWithPostInfo {
			let worker = ensure_signed(origin)?;
			Self::do_reveal(worker, job, result, salt)?;
			Ok(Pays::No.into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// What `who` has to do now for each job it holds a seat of, in job order: run and
		/// commit, or reveal. Seats with nothing due (committed and waiting for the reveal
		/// phase, or revealed) are left out.
		pub fn worker_duties(who: &T::AccountId) -> Vec<WorkerDuty<BlockNumberFor<T>>> {
			let mut ids: Vec<JobId> = WorkerJobs::<T>::iter_key_prefix(who).collect();
			ids.sort_unstable();
			ids.into_iter()
				.filter_map(|id| {
					let job = Jobs::<T>::get(id)?;
					let worker = job.workers.iter().find(|w| w.who == *who)?;
					let task = match (job.status, worker.state) {
						(JobStatus::Committing, WorkerState::Assigned) => {
							DutyTask::RunAndCommit { round: job.round, until: job.due }
						},
						(JobStatus::Revealing, WorkerState::Committed(_)) => {
							DutyTask::Reveal { round: job.round, until: job.due }
						},
						_ => return None,
					};
					let spec = JobSpecs::<T>::get(id)?;
					Some(WorkerDuty {
						job: id,
						task,
						program: Self::plain_source(spec.program),
						input: Self::plain_source(spec.input),
						args: spec.args.into_iter().map(|arg| arg.into_inner()).collect(),
						fuel: spec.fuel,
						memory_bytes: spec.memory_bytes,
						input_key: spec.input_key,
					})
				})
				.collect()
		}

		/// Job `id` as stored, while it is open or retained.
		pub fn job(id: JobId) -> Option<Job<T>> {
			Jobs::<T>::get(id)
		}

		/// What job `id` runs, while it is open or retained.
		pub fn job_spec(id: JobId) -> Option<JobSpec<T>> {
			JobSpecs::<T>::get(id)
		}

		/// Job `id`'s final result, for `OutputRetention` blocks after it became final.
		pub fn job_result(id: JobId) -> Option<FinalResult<T>> {
			Results::<T>::get(id)
		}

		/// The jobs `client` submitted that are open or retained, in id order.
		pub fn jobs_of(client: &T::AccountId) -> Vec<JobId> {
			let mut jobs: Vec<JobId> = JobsByClient::<T>::iter_key_prefix(client).collect();
			jobs.sort_unstable();
			jobs
		}

		/// The earliest deadline a job may set: one selection, commit and reveal phase.
		pub fn min_deadline() -> BlockNumberFor<T> {
			T::SelectionDelay::get()
				.saturating_add(T::CommitWindow::get())
				.saturating_add(T::RevealWindow::get())
		}

		fn plain_source<S: Get<u32>>(
			source: xmbl_primitives::JobSource<BoundedVec<u8, S>>,
		) -> xmbl_primitives::JobSource<Vec<u8>> {
			match source {
				xmbl_primitives::JobSource::Inline(bytes) => {
					xmbl_primitives::JobSource::Inline(bytes.into_inner())
				},
				xmbl_primitives::JobSource::Deal(deal) => xmbl_primitives::JobSource::Deal(deal),
			}
		}
	}
}
