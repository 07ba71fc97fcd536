//! The compute market's job runner: runs a `wasm32-wasip1` command module (its `_start`) in
//! wasmtime so that every provider running the same job gets the same result.
//!
//! - Deterministic by construction: the job sees its input on stdin, its arguments, fixed
//!   clocks and a fixed-seed random generator, and nothing else of the host (no environment,
//!   files, network or host stdio); floating point NaNs are canonicalised, relaxed SIMD is
//!   deterministic, threads are off, and code is generated for the architecture's baseline
//!   whatever the CPU.
//! - Bounded: fuel (counted per WebAssembly operator, so the same on every machine), memory
//!   bytes, table elements, output bytes and module bytes ([`JobLimits`]).
//! - Compiled once: [`Runner`] keeps each module's compiled code and resolved imports by the
//!   BLAKE3 hash of its bytes, so a later run of the module only instantiates it.
//!
//! A run ends in an [`Outcome`] that holds kinds only, never host error text, and reports the
//! fuel used. [`Runner::run`] blocks; call it from a thread that may block (a blocking pool,
//! not an async task: WASI's stdio drives its futures with `block_on`). DESIGN.md gives the
//! reason for each rule.

mod cache;
mod job;
mod stdio;

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use wasmtime::{Collector, Config, Engine, ExternType, InstancePre, Linker, Module, Store};

pub use cache::CacheStats;
pub use job::{MONOTONIC_CLOCK, RANDOM_SEED, WALL_CLOCK};

use cache::ModuleCache;
use job::{JobState, Stopped};

/// Native stack a job's WebAssembly may use. Engine-wide rather than per job: with the code
/// generated for a fixed target, the recursion depth at which a job overflows is then the same
/// on every machine.
pub const MAX_WASM_STACK: usize = 512 << 10;

/// Tables a module may define. Rust and C modules have one.
pub const MAX_TABLES: usize = 16;

/// The job's `argv[0]`; its arguments follow.
pub const ARGV0: &str = "job";

/// Default bound of the compiled code the cache keeps.
pub const DEFAULT_CACHE_BYTES: usize = 256 << 20;

/// The only module a job may import from: WASI preview 1.
const WASI_P1: &str = "wasi_snapshot_preview1";

/// What a job may use. Every limit is part of the job, so providers running it with the same
/// limits get the same outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobLimits {
	/// Fuel: one unit per WebAssembly operator, control flow, `nop` and `drop` free. Default
	/// 10¹⁰, 1–2 s of SHA-256 on a 2-core x86_64 (DESIGN.md).
	pub fuel: u64,
	/// Bytes of linear memory, the initial size included. Default 256 MiB.
	pub memory_bytes: usize,
	/// Elements of all tables together. Default 65,536.
	pub table_elements: usize,
	/// Bytes the job may write to stdout; one more ends it as [`Outcome::OutputTooLarge`].
	/// Default 1 MiB.
	pub max_output: usize,
	/// Bytes of stderr kept for [`Run::stderr`]; the rest is dropped. Default 4 KiB.
	pub max_stderr: usize,
	/// Bytes of the module itself. Default 8 MiB.
	pub max_module_bytes: usize,
}

impl Default for JobLimits {
	fn default() -> Self {
		Self {
			fuel: 10_000_000_000,
			memory_bytes: 256 << 20,
			table_elements: 1 << 16,
			max_output: 1 << 20,
			max_stderr: 4 << 10,
			max_module_bytes: 8 << 20,
		}
	}
}

/// How a job ended: the same for every provider that runs it with the same limits.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Outcome {
	/// `_start` returned, or the job called `proc_exit(0)`: its stdout.
	#[codec(index = 0)]
	Success { output: Vec<u8> },
	/// The job used all its fuel.
	#[codec(index = 1)]
	OutOfFuel,
	#[codec(index = 2)]
	Trap(TrapKind),
	/// The module was refused before it ran; no fuel was used.
	#[codec(index = 3)]
	InvalidModule(ModuleRejection),
	/// The job wrote more than [`JobLimits::max_output`] bytes to stdout; it was stopped at
	/// that write.
	#[codec(index = 4)]
	OutputTooLarge,
}

/// Why a job stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TrapKind {
	/// `unreachable`: also how a Rust job that panics ends.
	#[codec(index = 0)]
	Unreachable,
	#[codec(index = 1)]
	MemoryOutOfBounds,
	#[codec(index = 2)]
	StackOverflow,
	#[codec(index = 3)]
	IntegerDivisionByZero,
	/// `i32.div_s` of the minimum by -1, and the like.
	#[codec(index = 4)]
	IntegerOverflow,
	/// A float to integer conversion of NaN or out of range.
	#[codec(index = 5)]
	BadConversionToInteger,
	#[codec(index = 6)]
	IndirectCallTypeMismatch,
	#[codec(index = 7)]
	IndirectCallToNull,
	#[codec(index = 8)]
	TableOutOfBounds,
	/// Memory (initial or grown) over [`JobLimits::memory_bytes`].
	#[codec(index = 9)]
	MemoryLimit,
	/// Table elements (initial or grown) over [`JobLimits::table_elements`].
	#[codec(index = 10)]
	TableLimit,
	/// `proc_exit` with a non-zero code.
	#[codec(index = 11)]
	Exit(u32),
	/// Anything else, e.g. a WASI call refused for asking too much of the host.
	#[codec(index = 12)]
	Other,
}

/// Why a module was not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ModuleRejection {
	/// Over [`JobLimits::max_module_bytes`].
	#[codec(index = 0)]
	TooLarge,
	/// Not a WebAssembly module that validates with the runner's features (threads, memory64
	/// and multiple memories are off); WebAssembly text is not accepted either.
	#[codec(index = 1)]
	Malformed,
	/// Imports something other than a WASI preview 1 function.
	#[codec(index = 2)]
	ForbiddenImport,
	/// Does not export `_start` as a function of no parameters and no results.
	#[codec(index = 3)]
	NotACommand,
	/// Defines more than [`MAX_TABLES`] tables.
	#[codec(index = 4)]
	TooManyTables,
}

/// One run of a job. `outcome` and `fuel_used` are its result, the same on every machine; the
/// other fields describe this run on this host.
#[derive(Clone, Debug)]
pub struct Run {
	pub outcome: Outcome,
	/// The fuel limit minus the fuel left: the limit itself for [`Outcome::OutOfFuel`] and for
	/// a stack overflow (see DESIGN.md), 0 for [`Outcome::InvalidModule`].
	pub fuel_used: u64,
	/// Whether the module's compiled code was in the cache.
	pub cache_hit: bool,
	/// Wall time of the whole run, compiling included.
	pub elapsed: Duration,
	/// The first [`JobLimits::max_stderr`] bytes the job wrote to stderr.
	pub stderr: Vec<u8>,
}

/// The host, not the job, failed: there is no outcome to report.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
	#[error("cannot set up wasmtime: {0:#}")]
	Engine(wasmtime::Error),
	#[error("the host could not allocate what the job's limits allow: {0:#}")]
	Resources(wasmtime::Error),
}

/// Runs jobs. `Send + Sync`: share one (e.g. in an `Arc`) between the threads that run jobs,
/// so that they share its compiled modules.
pub struct Runner {
	engine: Engine,
	linker: Linker<JobState>,
	cache: ModuleCache<InstancePre<JobState>>,
}

impl Runner {
	/// A runner whose cache keeps at most `cache_bytes` of compiled code.
	pub fn new(cache_bytes: usize) -> Result<Self, HostError> {
		let engine = Engine::new(&engine_config()?).map_err(HostError::Engine)?;
		let linker = job::linker(&engine).map_err(HostError::Engine)?;
		Ok(Self { engine, linker, cache: ModuleCache::new(cache_bytes) })
	}

	/// Runs `module` with `input` on stdin and `args` after [`ARGV0`], within `limits`.
	pub fn run(
		&self,
		module: &[u8],
		input: &[u8],
		args: &[String],
		limits: &JobLimits,
	) -> Result<Run, HostError> {
		let start = Instant::now();
		let (pre, cache_hit) = match self.prepare(module, limits) {
			Ok(prepared) => prepared,
			Err(rejection) => {
				return Ok(Run {
					outcome: Outcome::InvalidModule(rejection),
					fuel_used: 0,
					cache_hit: false,
					elapsed: start.elapsed(),
					stderr: Vec::new(),
				})
			},
		};

		let mut store = Store::new(&self.engine, JobState::new(input, args, limits));
		store.limiter(JobState::limiter);
		store.set_fuel(limits.fuel).map_err(HostError::Engine)?;
		let ended = match pre.instantiate(&mut store) {
			Ok(instance) => instance
				.get_typed_func::<(), ()>(&mut store, "_start")
				.map_err(HostError::Engine)?
				.call(&mut store, ())
				.map_err(Stopped::Running),
			Err(error) => Err(Stopped::Instantiating(error)),
		};
		let fuel_left = store.get_fuel().map_err(HostError::Engine)?;
		let outcome = store.data().outcome(ended)?;
		let fuel_used = match outcome {
			// The stack limit is measured from where wasmtime's host code stands when it enters
			// the job, a few hundred bytes that depend on how the node binary was compiled; so
			// the depth of an overflow, and the fuel left then, may differ by a few frames
			// between providers. Charging all the fuel, as for running out, makes them agree.
			Outcome::Trap(TrapKind::StackOverflow) => limits.fuel,
			_ => limits.fuel - fuel_left,
		};
		Ok(Run {
			outcome,
			fuel_used,
			cache_hit,
			elapsed: start.elapsed(),
			stderr: store.data().take_stderr(),
		})
	}

	/// What the module cache holds and how often it was hit.
	pub fn cache_stats(&self) -> CacheStats {
		self.cache.stats()
	}

	/// The module ready to instantiate, and whether it came from the cache.
	fn prepare(
		&self,
		module: &[u8],
		limits: &JobLimits,
	) -> Result<(InstancePre<JobState>, bool), ModuleRejection> {
		// Before the cache: the limit is the job's, and a module cached for a job with a
		// larger limit is still too large for this one.
		if module.len() > limits.max_module_bytes {
			return Err(ModuleRejection::TooLarge);
		}
		let hash = *blake3::hash(module).as_bytes();
		if let Some(pre) = self.cache.get(&hash) {
			return Ok((pre, true));
		}
		let pre = self.compile(module)?;
		let range = pre.module().image_range();
		self.cache.insert(hash, pre.clone(), range.end as usize - range.start as usize);
		Ok((pre, false))
	}

	fn compile(&self, bytes: &[u8]) -> Result<InstancePre<JobState>, ModuleRejection> {
		// `from_binary`, not `new`: WebAssembly text is no module.
		let module =
			Module::from_binary(&self.engine, bytes).map_err(|_| ModuleRejection::Malformed)?;
		let imports_wasi_functions_only = module
			.imports()
			.all(|import| import.module() == WASI_P1 && matches!(import.ty(), ExternType::Func(_)));
		if !imports_wasi_functions_only {
			return Err(ModuleRejection::ForbiddenImport);
		}
		match module.get_export("_start") {
			Some(ExternType::Func(start))
				if start.params().len() == 0 && start.results().len() == 0 => {},
			_ => return Err(ModuleRejection::NotACommand),
		}
		if module.resources_required().num_tables as usize > MAX_TABLES {
			return Err(ModuleRejection::TooManyTables);
		}
		// Fails for a function WASI preview 1 does not have, or one imported with the wrong type.
		self.linker
			.instantiate_pre(&module)
			.map_err(|_| ModuleRejection::ForbiddenImport)
	}
}

/// The engine every job runs on; DESIGN.md explains each setting.
fn engine_config() -> Result<Config, HostError> {
	let mut config = Config::new();
	// An explicit target turns off the detection of the host's CPU features, so the code (and
	// with it each function's stack frame) is the same on every machine of the architecture.
	config.target(&target_lexicon::HOST.to_string()).map_err(HostError::Engine)?;
	config
		.consume_fuel(true)
		.cranelift_nan_canonicalization(true)
		.wasm_relaxed_simd(true)
		.relaxed_simd_deterministic(true)
		.wasm_threads(false)
		.wasm_multi_memory(false)
		.wasm_memory64(false)
		.collector(Collector::Null)
		.max_wasm_stack(MAX_WASM_STACK)
		// Traps are classified by their code; a backtrace would only cost time.
		.wasm_backtrace(false);
	Ok(config)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn runner_is_send_and_sync() {
		fn shareable<T: Send + Sync>() {}
		shareable::<Runner>();
	}

	/// The encoding is what providers compare; it must not change by accident.
	#[test]
	fn outcome_encoding_is_stable() {
		assert_eq!(Outcome::Success { output: b"ok".to_vec() }.encode(), [0, 8, b'o', b'k']);
		assert_eq!(Outcome::OutOfFuel.encode(), [1]);
		assert_eq!(Outcome::Trap(TrapKind::Exit(3)).encode(), [2, 11, 3, 0, 0, 0]);
		assert_eq!(Outcome::Trap(TrapKind::StackOverflow).encode(), [2, 2]);
		assert_eq!(Outcome::InvalidModule(ModuleRejection::NotACommand).encode(), [3, 3]);
		assert_eq!(Outcome::OutputTooLarge.encode(), [4]);
		let outcome = Outcome::Trap(TrapKind::TableLimit);
		assert_eq!(Outcome::decode(&mut &outcome.encode()[..]).unwrap(), outcome);
	}
}
