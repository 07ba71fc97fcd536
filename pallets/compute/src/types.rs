//! The pallet's stored types.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::{
		traits::{fungible, Get},
		BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
	},
	frame_system::pallet_prelude::BlockNumberFor,
};
use scale_info::TypeInfo;
use xmbl_primitives::{JobResult, JobSource};

/// The balance type of the currency escrow is held in.
pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// A job's program: inline WASM of at most `MaxInlineProgram` bytes, or a stored file.
pub type ProgramOf<T> = JobSource<BoundedVec<u8, <T as Config>::MaxInlineProgram>>;
/// A job's input: inline bytes of at most `MaxInlineInput`, or a stored file.
pub type InputOf<T> = JobSource<BoundedVec<u8, <T as Config>::MaxInlineInput>>;
/// A job's arguments.
pub type ArgsOf<T> = BoundedVec<BoundedVec<u8, <T as Config>::MaxArgLen>, <T as Config>::MaxArgs>;
/// An inline output.
pub type OutputOf<T> = BoundedVec<u8, <T as Config>::MaxInlineOutput>;
/// A result as workers reveal it.
pub type JobResultOf<T> = JobResult<OutputOf<T>>;
/// A commitment or a result's hash.
pub type Hash32 = [u8; 32];

/// The most workers a job ever has: `MaxReplicas` in each of `MaxRounds` rounds.
pub struct MaxWorkersOf<T>(PhantomData<T>);

impl<T: Config> Get<u32> for MaxWorkersOf<T> {
	fn get() -> u32 {
		u32::from(T::MaxReplicas::get()).saturating_mul(u32::from(T::MaxRounds::get()))
	}
}

/// Where a job is; the job's `due` block is the end of the current phase.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum JobStatus {
	/// Waiting for the block that draws its workers.
	Selecting,
	/// Workers run the job and commit to their result, until `due`.
	Committing,
	/// Workers that committed reveal, until `due` (or the next block, once all revealed).
	Revealing,
	/// A majority agreed: the result is in `Results` until `due`, when the job is pruned.
	Completed,
	/// No final result; everything held was refunded. Pruned at `due`.
	Failed(JobFailure),
}

impl JobStatus {
	/// Whether the job still holds the client's reward and has workers at work.
	pub fn is_open(&self) -> bool {
		matches!(self, Self::Selecting | Self::Committing | Self::Revealing)
	}
}

/// Why a job ended without a final result.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum JobFailure {
	/// Fewer compute providers could be drawn than the job needed.
	NotEnoughProviders,
	/// A commit phase ended with fewer commitments than a majority, and no further round was
	/// allowed (`MaxRounds`) or fits before the deadline.
	Expired,
	/// The reveal phase ended without any result revealed by more than half of the replicas.
	NoMajority,
}

/// Where one worker of a job is.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum WorkerState {
	/// Drawn; runs the job and commits.
	Assigned,
	/// Committed to `blake2_256(SCALE((result, salt, worker)))`.
	Committed(Hash32),
	/// Revealed a result whose `blake2_256(SCALE(result))` is this.
	Revealed(Hash32),
	/// Missed its commitment; slashed and released, its seat given to a new worker.
	Missed,
}

/// One worker of a job.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Worker<T: Config> {
	/// The provider.
	pub who: T::AccountId,
	/// The round it was drawn in.
	pub round: u8,
	/// Where it is.
	pub state: WorkerState,
}

/// A job's state: what the hook and the calls read (its program and input are in
/// `JobSpecs`, so that the hook never reads them).
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Job<T: Config> {
	/// Who pays.
	pub client: T::AccountId,
	/// Workers whose result must agree: a result is final when more than half of them
	/// revealed it.
	pub replicas: u8,
	/// The whole reward; each agreeing worker is paid `reward / replicas`.
	pub reward: BalanceOf<T>,
	/// The job's fuel limit (also in its spec; here so a reveal checks it without reading
	/// the spec's inline program and input).
	pub fuel: u64,
	/// What is still held in the client's escrow for this job: the reward while the job is
	/// open, nothing once it is completed or failed.
	pub escrow: BalanceOf<T>,
	/// The block by which the job must be final: no round starts that could end after it.
	pub deadline: BlockNumberFor<T>,
	/// The commit round, from 0; a round replaces workers that missed their commitment.
	pub round: u8,
	/// Where the job is.
	pub status: JobStatus,
	/// The block of the job's next scheduled step: its selection, the end of its phase, or
	/// its pruning.
	pub due: BlockNumberFor<T>,
	/// Every worker drawn for the job, in the order drawn; those not `Missed` hold its seats.
	pub workers: BoundedVec<Worker<T>, MaxWorkersOf<T>>,
}

impl<T: Config> Job<T> {
	/// Revealed copies of one result that make it final: more than half of the replicas.
	pub fn majority(&self) -> u32 {
		u32::from(self.replicas) / 2 + 1
	}

	/// What each agreeing worker is paid.
	pub fn share(&self) -> BalanceOf<T> {
		self.reward / u32::from(self.replicas).into()
	}

	/// The workers that hold a seat (all but those that missed their commitment).
	pub fn seated(&self) -> impl Iterator<Item = &Worker<T>> {
		self.workers.iter().filter(|worker| worker.state != WorkerState::Missed)
	}

	/// The position of `who` among the workers.
	pub fn position(&self, who: &T::AccountId) -> Option<usize> {
		self.workers.iter().position(|worker| worker.who == *who)
	}
}

/// What a job runs: kept apart from [`Job`], read by workers' nodes, never by the hook.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct JobSpec<T: Config> {
	/// The WASM command module.
	pub program: ProgramOf<T>,
	/// The input, on stdin.
	pub input: InputOf<T>,
	/// The arguments.
	pub args: ArgsOf<T>,
	/// The fuel limit.
	pub fuel: u64,
	/// The linear memory limit in bytes.
	pub memory_bytes: u64,
	/// The key of an encrypted input file (public on chain).
	pub input_key: Option<Hash32>,
}

/// A revealed result and how many workers revealed it.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Reveal<T: Config> {
	/// The result.
	pub result: JobResultOf<T>,
	/// Workers that revealed it.
	pub count: u8,
}

/// A job's final result.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct FinalResult<T: Config> {
	/// The result the majority revealed (its fuel used included).
	pub result: JobResultOf<T>,
	/// The block it became final at.
	pub at: BlockNumberFor<T>,
}

/// Why a worker was slashed.
#[derive(
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum SlashReason {
	/// No commitment before the commit phase ended.
	MissedCommit,
	/// Committed but did not reveal before the reveal phase ended.
	MissedReveal,
	/// Revealed a result other than the final one.
	WrongResult,
}
