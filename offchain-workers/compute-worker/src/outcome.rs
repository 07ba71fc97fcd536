//! From a run of the job runner to the result a worker commits to and reveals.
//!
//! The runner's outcome types (`xmbl_job_runner::{Outcome, TrapKind, ModuleRejection}`) and
//! the chain's (`xmbl_primitives::{JobOutcomeKind, TrapKind, ModuleRejection}`) are defined
//! twice on purpose, so that the runner has no chain dependency; the conversions below match
//! every variant by name, with no wildcard, and the tests pin that each side encodes alike.

use polkadot_sdk::frame_support::traits::Get;
use xmbl_client::outputs::output_hash as blake2_256;
use xmbl_job_runner::{JobLimits, ModuleRejection, Outcome, TrapKind};
use xmbl_primitives::{JobOutcomeKind, JobOutput, JobResult, WorkerDuty};
use xmbl_runtime::{BlockNumber, Runtime};

/// A result as the worker keeps it: the chain's bounded output vector encodes as this one.
pub type RunResult = JobResult<Vec<u8>>;

/// The longest output revealed inline (`MaxInlineOutput` of the runtime).
pub fn max_inline_output() -> usize {
	<<Runtime as pallet_xmbl_compute::Config>::MaxInlineOutput as Get<u32>>::get() as usize
}

/// The longest output a job may have (`MaxKeptOutput` of the runtime).
pub fn max_kept_output() -> u64 {
	<<Runtime as pallet_xmbl_compute::Config>::MaxKeptOutput as Get<u64>>::get()
}

/// The runner's limits for `duty`: its fuel and memory, output up to what the market keeps,
/// and the runner's defaults for the rest (the same on every worker, so the outcome is).
pub fn limits(duty: &WorkerDuty<BlockNumber>) -> JobLimits {
	JobLimits {
		fuel: duty.fuel,
		memory_bytes: usize::try_from(duty.memory_bytes).unwrap_or(usize::MAX),
		max_output: usize::try_from(max_kept_output()).unwrap_or(usize::MAX),
		..JobLimits::default()
	}
}

/// The result of a run that ended in `outcome` having used `fuel_used`, and the output bytes
/// to keep when the output is longer than `max_inline` (revealed as `Kept`).
pub fn to_result(
	outcome: Outcome,
	fuel_used: u64,
	max_inline: usize,
) -> (RunResult, Option<Vec<u8>>) {
	let (kind, output, kept) = match outcome {
		Outcome::Success { output } if output.len() <= max_inline => {
			(JobOutcomeKind::Success, JobOutput::Inline(output), None)
		},
		Outcome::Success { output } => {
			let kept = JobOutput::Kept { hash: blake2_256(&output), len: output.len() as u64 };
			(JobOutcomeKind::Success, kept, Some(output))
		},
		Outcome::OutOfFuel => (JobOutcomeKind::OutOfFuel, JobOutput::None, None),
		Outcome::Trap(trap) => (JobOutcomeKind::Trap(trap_kind(trap)), JobOutput::None, None),
		Outcome::InvalidModule(rejection) => {
			(JobOutcomeKind::InvalidModule(module_rejection(rejection)), JobOutput::None, None)
		},
		Outcome::OutputTooLarge => (JobOutcomeKind::OutputTooLarge, JobOutput::None, None),
	};
	(JobResult { kind, fuel_used, output }, kept)
}

/// The result of a job whose stored input did not open with its key: the program did not run.
pub fn input_unreadable() -> RunResult {
	JobResult { kind: JobOutcomeKind::InputUnreadable, fuel_used: 0, output: JobOutput::None }
}

fn trap_kind(trap: TrapKind) -> xmbl_primitives::TrapKind {
	use xmbl_primitives::TrapKind as Chain;
	match trap {
		TrapKind::Unreachable => Chain::Unreachable,
		TrapKind::MemoryOutOfBounds => Chain::MemoryOutOfBounds,
		TrapKind::StackOverflow => Chain::StackOverflow,
		TrapKind::IntegerDivisionByZero => Chain::IntegerDivisionByZero,
		TrapKind::IntegerOverflow => Chain::IntegerOverflow,
		TrapKind::BadConversionToInteger => Chain::BadConversionToInteger,
		TrapKind::IndirectCallTypeMismatch => Chain::IndirectCallTypeMismatch,
		TrapKind::IndirectCallToNull => Chain::IndirectCallToNull,
		TrapKind::TableOutOfBounds => Chain::TableOutOfBounds,
		TrapKind::MemoryLimit => Chain::MemoryLimit,
		TrapKind::TableLimit => Chain::TableLimit,
		TrapKind::Exit(code) => Chain::Exit(code),
		TrapKind::Other => Chain::Other,
	}
}

fn module_rejection(rejection: ModuleRejection) -> xmbl_primitives::ModuleRejection {
	use xmbl_primitives::ModuleRejection as Chain;
	match rejection {
		ModuleRejection::TooLarge => Chain::TooLarge,
		ModuleRejection::Malformed => Chain::Malformed,
		ModuleRejection::ForbiddenImport => Chain::ForbiddenImport,
		ModuleRejection::NotACommand => Chain::NotACommand,
		ModuleRejection::TooManyTables => Chain::TooManyTables,
	}
}

/// A wrong outcome for the test-only `--compute-corrupt-results`: a success's output with its
/// first byte flipped (an empty output becomes one byte), any other outcome replaced by a
/// success with one byte of output. Well formed either way, so the chain accepts its reveal
/// and the majority outvotes it.
#[cfg(any(debug_assertions, test))]
pub fn corrupt(outcome: Outcome) -> Outcome {
	match outcome {
		Outcome::Success { mut output } => {
			match output.first_mut() {
				Some(first) => *first ^= 0xff,
				None => output.push(1),
			}
			Outcome::Success { output }
		},
		Outcome::OutOfFuel
		| Outcome::Trap(_)
		| Outcome::InvalidModule(_)
		| Outcome::OutputTooLarge => Outcome::Success { output: vec![0] },
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Encode;

	/// Every runner trap kind, listed through a match so that a new variant fails to compile
	/// here until it is added to the list.
	fn all_traps() -> Vec<TrapKind> {
		let traps = vec![
			TrapKind::Unreachable,
			TrapKind::MemoryOutOfBounds,
			TrapKind::StackOverflow,
			TrapKind::IntegerDivisionByZero,
			TrapKind::IntegerOverflow,
			TrapKind::BadConversionToInteger,
			TrapKind::IndirectCallTypeMismatch,
			TrapKind::IndirectCallToNull,
			TrapKind::TableOutOfBounds,
			TrapKind::MemoryLimit,
			TrapKind::TableLimit,
			TrapKind::Exit(0x0102_0304),
			TrapKind::Other,
		];
		for trap in &traps {
			match trap {
				TrapKind::Unreachable
				| TrapKind::MemoryOutOfBounds
				| TrapKind::StackOverflow
				| TrapKind::IntegerDivisionByZero
				| TrapKind::IntegerOverflow
				| TrapKind::BadConversionToInteger
				| TrapKind::IndirectCallTypeMismatch
				| TrapKind::IndirectCallToNull
				| TrapKind::TableOutOfBounds
				| TrapKind::MemoryLimit
				| TrapKind::TableLimit
				| TrapKind::Exit(_)
				| TrapKind::Other => {},
			}
		}
		traps
	}

	fn all_rejections() -> Vec<ModuleRejection> {
		let rejections = vec![
			ModuleRejection::TooLarge,
			ModuleRejection::Malformed,
			ModuleRejection::ForbiddenImport,
			ModuleRejection::NotACommand,
			ModuleRejection::TooManyTables,
		];
		for rejection in &rejections {
			match rejection {
				ModuleRejection::TooLarge
				| ModuleRejection::Malformed
				| ModuleRejection::ForbiddenImport
				| ModuleRejection::NotACommand
				| ModuleRejection::TooManyTables => {},
			}
		}
		rejections
	}

	/// How it fails: a conversion that maps a variant to another one (the two enums have the
	/// same names but are separate types), or an index that changed on one side only: the
	/// chain would then read another outcome than the one the runner meant.
	#[test]
	fn each_runner_variant_encodes_as_the_chains() {
		for (index, trap) in all_traps().into_iter().enumerate() {
			assert_eq!(trap.encode(), trap_kind(trap).encode(), "{trap:?}");
			assert_eq!(trap.encode()[0], index as u8, "{trap:?}");
			let outcome = Outcome::Trap(trap);
			let kind = JobOutcomeKind::Trap(trap_kind(trap));
			assert_eq!(outcome.encode(), kind.encode(), "{outcome:?}");
		}
		assert_eq!(TrapKind::Exit(0x0102_0304).encode(), [11, 4, 3, 2, 1]);
		for (index, rejection) in all_rejections().into_iter().enumerate() {
			assert_eq!(rejection.encode(), module_rejection(rejection).encode(), "{rejection:?}");
			assert_eq!(rejection.encode(), [index as u8], "{rejection:?}");
			let outcome = Outcome::InvalidModule(rejection);
			let kind = JobOutcomeKind::InvalidModule(module_rejection(rejection));
			assert_eq!(outcome.encode(), kind.encode(), "{outcome:?}");
		}
		assert_eq!(Outcome::OutOfFuel.encode(), JobOutcomeKind::OutOfFuel.encode());
		assert_eq!(Outcome::OutputTooLarge.encode(), JobOutcomeKind::OutputTooLarge.encode());
		// A success's output is a field of the runner's variant and apart on the chain: the
		// variant's index is the same.
		let success = Outcome::Success { output: b"ok".to_vec() }.encode();
		assert_eq!(success[..1], JobOutcomeKind::Success.encode()[..]);
	}

	/// How it fails: an output at the inline bound revealed as kept (the chain refuses it
	/// with `OutputShouldBeInline`), one over it revealed inline (refused as too long), a
	/// kept output not hashed with blake2-256, or a result other than the outcome's.
	#[test]
	fn outputs_are_inline_up_to_the_bound_and_kept_by_hash_beyond() {
		let (result, kept) = to_result(Outcome::Success { output: vec![7; 16] }, 40, 16);
		assert_eq!(result.encode(), [[0].as_slice(), &40u64.encode(), &[1, 64], &[7; 16]].concat());
		assert_eq!(kept, None);

		let output = vec![8u8; 17];
		let (result, kept) = to_result(Outcome::Success { output: output.clone() }, 41, 16);
		let hash = blake2_256(&output);
		assert_eq!(
			result,
			JobResult {
				kind: JobOutcomeKind::Success,
				fuel_used: 41,
				output: JobOutput::Kept { hash, len: 17 }
			}
		);
		assert_eq!(kept, Some(output));

		let (result, kept) = to_result(Outcome::Trap(TrapKind::Exit(3)), 9, 16);
		assert_eq!(
			result.encode(),
			[[2, 11, 3, 0, 0, 0].as_slice(), &9u64.encode(), &[0]].concat()
		);
		assert_eq!(kept, None);
		let (result, _) = to_result(Outcome::Success { output: Vec::new() }, 1, 16);
		assert_eq!(result.output, JobOutput::Inline(Vec::new()));
	}

	/// How it fails: a corruption that leaves an outcome as it was (the worker would agree
	/// with the majority), or one whose result the chain refuses as malformed.
	#[test]
	fn corrupt_outcomes_differ_and_are_well_formed() {
		assert_eq!(
			corrupt(Outcome::Success { output: vec![0x0f, 2] }),
			Outcome::Success { output: vec![0xf0, 2] }
		);
		assert_eq!(
			corrupt(Outcome::Success { output: Vec::new() }),
			Outcome::Success { output: vec![1] }
		);
		for outcome in [
			Outcome::OutOfFuel,
			Outcome::Trap(TrapKind::Unreachable),
			Outcome::InvalidModule(ModuleRejection::Malformed),
			Outcome::OutputTooLarge,
		] {
			assert_eq!(corrupt(outcome), Outcome::Success { output: vec![0] });
		}
	}

	#[test]
	fn the_bounds_are_the_runtimes() {
		assert_eq!(max_inline_output(), 16 << 10);
		assert_eq!(max_kept_output(), 16 << 20);
		let duty = WorkerDuty {
			job: 1,
			task: xmbl_primitives::DutyTask::RunAndCommit { round: 0, until: 9 },
			program: xmbl_primitives::JobSource::Inline(Vec::new()),
			input: xmbl_primitives::JobSource::Inline(Vec::new()),
			args: Vec::new(),
			fuel: 1234,
			memory_bytes: 1 << 20,
			input_key: None,
		};
		assert_eq!(
			limits(&duty),
			JobLimits {
				fuel: 1234,
				memory_bytes: 1 << 20,
				max_output: 16 << 20,
				..JobLimits::default()
			}
		);
	}
}
