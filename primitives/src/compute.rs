//! The compute market's shared vocabulary: what a job runs on (a [`JobSource`]), the outcome
//! a worker reveals ([`JobResult`]), the commitment to it ([`commitment`]), the stored files
//! a job may read ([`StoredFiles`]) and what a worker's node has to do ([`WorkerDuty`]).
//!
//! The off-chain job runner produces these types and the pallet checks them, so their SCALE
//! encodings are part of the protocol: the variants and codec indices below must not change.

use crate::DealId;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
use scale_info::TypeInfo;

/// A compute job's number, assigned in order from 0.
pub type JobId = u64;

/// Why a WASM instance stopped before finishing (wasmtime's trap codes, plus a WASI exit).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum TrapKind {
	#[codec(index = 0)]
	Unreachable,
	#[codec(index = 1)]
	MemoryOutOfBounds,
	#[codec(index = 2)]
	StackOverflow,
	#[codec(index = 3)]
	IntegerDivisionByZero,
	#[codec(index = 4)]
	IntegerOverflow,
	#[codec(index = 5)]
	BadConversionToInteger,
	#[codec(index = 6)]
	IndirectCallTypeMismatch,
	#[codec(index = 7)]
	IndirectCallToNull,
	#[codec(index = 8)]
	TableOutOfBounds,
	#[codec(index = 9)]
	MemoryLimit,
	#[codec(index = 10)]
	TableLimit,
	/// The program called `proc_exit` with a non-zero code.
	#[codec(index = 11)]
	Exit(u32),
	#[codec(index = 12)]
	Other,
}

/// Why the runner refused to instantiate a module.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ModuleRejection {
	#[codec(index = 0)]
	TooLarge,
	#[codec(index = 1)]
	Malformed,
	#[codec(index = 2)]
	ForbiddenImport,
	#[codec(index = 3)]
	NotACommand,
	#[codec(index = 4)]
	TooManyTables,
}

/// How a run ended. Every kind is a result: workers that agree on a failure did honest work.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum JobOutcomeKind {
	/// The program returned normally (exit code 0).
	#[codec(index = 0)]
	Success,
	/// The fuel ran out.
	#[codec(index = 1)]
	OutOfFuel,
	/// The instance trapped.
	#[codec(index = 2)]
	Trap(TrapKind),
	/// The module was refused before it ran.
	#[codec(index = 3)]
	InvalidModule(ModuleRejection),
	/// The program wrote more output than the market keeps (`MaxKeptOutput`).
	#[codec(index = 4)]
	OutputTooLarge,
	/// The input is a stored file whose bytes, verified against the deal's root, do not open
	/// with the job's `input_key`: the program did not run (fuel used 0).
	#[codec(index = 5)]
	InputUnreadable,
}

/// Where a result's output is. `Output` is the pallet's bounded byte vector, which encodes as
/// a plain `Vec<u8>`, so the runner may build results with `Vec<u8>`.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum JobOutput<Output> {
	/// No output: exactly the outcomes other than `Success`.
	#[codec(index = 0)]
	None,
	/// Output of at most `MaxInlineOutput` bytes, on chain.
	#[codec(index = 1)]
	Inline(Output),
	/// Output longer than `MaxInlineOutput` (at most `MaxKeptOutput`), kept by the workers and
	/// served by hash at their endpoints for `OutputRetention` blocks.
	#[codec(index = 2)]
	Kept {
		/// `blake2_256` of the output bytes.
		hash: [u8; 32],
		/// The output's length in bytes.
		len: u64,
	},
}

/// What a worker reveals for a job.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct JobResult<Output> {
	/// How the run ended.
	pub kind: JobOutcomeKind,
	/// Fuel consumed, at most the job's fuel.
	pub fuel_used: u64,
	/// The output.
	pub output: JobOutput<Output>,
}

/// The commitment a worker publishes before revealing `result`:
/// `blake2_256(SCALE((result, salt, worker)))`. It binds the worker's account, so a copied
/// commitment does not open for anyone else, and the salt hides small result spaces.
pub fn commitment<R: Encode, AccountId: Encode>(
	result: &R,
	salt: &[u8; 32],
	worker: &AccountId,
) -> [u8; 32] {
	BlakeTwo256::hash_of(&(result, salt, worker)).0
}

/// Where a job's program or input is: inline in the job, or a storage deal of the client's.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum JobSource<Inline> {
	/// The bytes themselves.
	#[codec(index = 0)]
	Inline(Inline),
	/// The file of an active storage deal the job's client owns.
	#[codec(index = 1)]
	Deal(DealId),
}

/// A file kept by the storage market, as the compute market reads it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct StoredFile<AccountId> {
	/// The deal's owner.
	pub owner: AccountId,
	/// The file root (BLAKE3, as the storage market keeps it).
	pub root: [u8; 32],
	/// The file's length in bytes.
	pub size: u64,
	/// Whether the file is encrypted: reading it needs the file's key.
	pub encrypted: bool,
	/// Whether every shard is stored and proven from now on (the deal is active): a worker can
	/// read it back.
	pub readable: bool,
}

/// The files kept by the storage market.
pub trait StoredFiles<AccountId> {
	/// The file of live deal `deal`, or `None`.
	fn file(deal: DealId) -> Option<StoredFile<AccountId>>;
}

/// No storage market: no file exists.
impl<AccountId> StoredFiles<AccountId> for () {
	fn file(_deal: DealId) -> Option<StoredFile<AccountId>> {
		None
	}
}

/// What is due from a worker for one job now.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum DutyTask<BlockNumber> {
	/// Run the job and `commit_result` before block `until`.
	RunAndCommit { round: u8, until: BlockNumber },
	/// `reveal_result` (the result and salt committed to) before block `until`.
	Reveal { round: u8, until: BlockNumber },
}

/// One job a worker's node has to act on, with everything needed to run it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct WorkerDuty<BlockNumber> {
	/// The job.
	pub job: JobId,
	/// What is due.
	pub task: DutyTask<BlockNumber>,
	/// The WASM command module.
	pub program: JobSource<Vec<u8>>,
	/// The input, given to the program on stdin.
	pub input: JobSource<Vec<u8>>,
	/// The program's arguments.
	pub args: Vec<Vec<u8>>,
	/// The fuel limit.
	pub fuel: u64,
	/// The linear memory limit in bytes.
	pub memory_bytes: u64,
	/// The key that opens the input file, if it is encrypted (public on chain).
	pub input_key: Option<[u8; 32]>,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn codec_indices_are_the_documented_ones() {
		assert_eq!(TrapKind::Unreachable.encode(), vec![0]);
		assert_eq!(TrapKind::TableLimit.encode(), vec![10]);
		assert_eq!(TrapKind::Exit(7).encode(), vec![11, 7, 0, 0, 0]);
		assert_eq!(TrapKind::Other.encode(), vec![12]);
		assert_eq!(ModuleRejection::TooLarge.encode(), vec![0]);
		assert_eq!(ModuleRejection::TooManyTables.encode(), vec![4]);
		assert_eq!(JobOutcomeKind::Success.encode(), vec![0]);
		assert_eq!(JobOutcomeKind::Trap(TrapKind::StackOverflow).encode(), vec![2, 2]);
		assert_eq!(
			JobOutcomeKind::InvalidModule(ModuleRejection::ForbiddenImport).encode(),
			vec![3, 2]
		);
		assert_eq!(JobOutcomeKind::OutputTooLarge.encode(), vec![4]);
		assert_eq!(JobOutcomeKind::InputUnreadable.encode(), vec![5]);
		assert_eq!(JobOutput::<Vec<u8>>::None.encode(), vec![0]);
		assert_eq!(JobOutput::Inline(vec![9u8]).encode(), vec![1, 4, 9]);
		let kept = JobOutput::<Vec<u8>>::Kept { hash: [1; 32], len: 2 }.encode();
		assert_eq!((kept[0], kept.len()), (2, 1 + 32 + 8));
		assert_eq!(JobSource::<Vec<u8>>::Deal(3).encode(), vec![1, 3, 0, 0, 0, 0, 0, 0, 0]);
	}

	#[test]
	fn the_commitment_is_blake2_of_result_salt_and_worker() {
		let result = JobResult {
			kind: JobOutcomeKind::Success,
			fuel_used: 5,
			output: JobOutput::Inline(vec![1u8, 2]),
		};
		let salt = [7u8; 32];
		let mut bytes = result.encode();
		bytes.extend_from_slice(&salt);
		bytes.extend(42u64.encode());
		assert_eq!(commitment(&result, &salt, &42u64), BlakeTwo256::hash(&bytes).0);
		assert_ne!(commitment(&result, &salt, &42u64), commitment(&result, &salt, &43u64));
		assert_ne!(commitment(&result, &salt, &42u64), commitment(&result, &[8; 32], &42u64));
	}
}
