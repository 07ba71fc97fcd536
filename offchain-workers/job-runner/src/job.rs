//! One job's store: its WASI preview 1 context with nothing of the host in it, its resource
//! limiter, and how the way it ended becomes an [`Outcome`].

use std::time::Duration;

use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use wasmtime::{Linker, ResourceLimiter, Trap};
use wasmtime_wasi::{
	p2::pipe::MemoryInputPipe,
	preview1::{self, WasiP1Ctx},
	HostMonotonicClock, HostWallClock, WasiCtxBuilder,
};

use crate::{
	stdio::{Capture, Overflow},
	HostError, JobLimits, Outcome, TrapKind, ARGV0, WASI_P1,
};

/// What `clock_time_get(realtime)` returns: 2000-01-01T00:00:00Z.
pub const WALL_CLOCK: Duration = Duration::from_secs(946_684_800);
/// What `clock_time_get(monotonic)` returns, in nanoseconds: time does not pass for a job.
pub const MONOTONIC_CLOCK: u64 = 0;
/// The ChaCha20 seed of the bytes `random_get` returns, the same for every job.
pub const RANDOM_SEED: [u8; 32] = *b"XMBL job runner: random_get seed";
/// Seeds of WASI's insecure generators, which preview 1 cannot reach; fixed anyway, so that no
/// host randomness is in a job's context at all.
const INSECURE_RANDOM_SEED: [u8; 32] = *b"XMBL job runner: insecure random";
const INSECURE_SEED: u128 = u128::from_le_bytes(*b"XMBL insecure 16");

/// WASI preview 1's `errno::notsup`.
const ERRNO_NOTSUP: i32 = 58;

struct FixedWallClock;

impl HostWallClock for FixedWallClock {
	fn resolution(&self) -> Duration {
		Duration::from_nanos(1)
	}

	fn now(&self) -> Duration {
		WALL_CLOCK
	}
}

struct FixedMonotonicClock;

impl HostMonotonicClock for FixedMonotonicClock {
	fn resolution(&self) -> u64 {
		1
	}

	fn now(&self) -> u64 {
		MONOTONIC_CLOCK
	}
}

/// `proc_exit(code)`: ends the job; code 0 is a success.
#[derive(Debug, thiserror::Error)]
#[error("proc_exit({0})")]
struct ProcExit(u32);

/// Which of the job's limits refused an allocation.
#[derive(Clone, Copy)]
enum Refused {
	Memory,
	Table,
}

#[derive(Debug, thiserror::Error)]
#[error("the job's {0} limit refused to grow")]
struct LimitRefused(&'static str);

/// Caps the memory bytes and table elements of all a job's memories and tables together, and
/// records why it refused, so the outcome never depends on an error's text.
struct JobLimiter {
	memory_limit: usize,
	table_limit: usize,
	memory_bytes: usize,
	table_elements: usize,
	refused: Option<Refused>,
	/// The host could not allocate what the limits allowed: not the job's doing.
	host_failed: bool,
}

impl JobLimiter {
	/// The new total of `used` after one memory or table goes from `current` to `desired`,
	/// if it stays within `limit`.
	fn grow(used: usize, current: usize, desired: usize, limit: usize) -> Option<usize> {
		(used - current).checked_add(desired).filter(|total| *total <= limit)
	}
}

impl ResourceLimiter for JobLimiter {
	fn memory_growing(
		&mut self,
		current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		// Past the module's own declared maximum `memory.grow` returns -1, as the spec says;
		// only the job's limit ends the job.
		if maximum.is_some_and(|maximum| desired > maximum) {
			return Ok(false);
		}
		match Self::grow(self.memory_bytes, current, desired, self.memory_limit) {
			Some(total) => {
				self.memory_bytes = total;
				Ok(true)
			},
			None => {
				self.refused = Some(Refused::Memory);
				Err(LimitRefused("memory").into())
			},
		}
	}

	fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
		self.host_failed = true;
		Err(error)
	}

	fn table_growing(
		&mut self,
		current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		if maximum.is_some_and(|maximum| desired > maximum) {
			return Ok(false);
		}
		match Self::grow(self.table_elements, current, desired, self.table_limit) {
			Some(total) => {
				self.table_elements = total;
				Ok(true)
			},
			None => {
				self.refused = Some(Refused::Table);
				Err(LimitRefused("table").into())
			},
		}
	}

	fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
		self.host_failed = true;
		Err(error)
	}

	fn tables(&self) -> usize {
		crate::MAX_TABLES
	}
}

/// Where a job stopped with an error.
pub(crate) enum Stopped {
	/// Instantiating: the memory and tables are allocated and the start function, if any, runs.
	Instantiating(wasmtime::Error),
	/// Running `_start`.
	Running(wasmtime::Error),
}

/// A job's store data.
pub(crate) struct JobState {
	wasi: WasiP1Ctx,
	limiter: JobLimiter,
	stdout: Capture,
	stderr: Capture,
}

impl JobState {
	pub fn new(input: &[u8], args: &[String], limits: &JobLimits) -> Self {
		let stdout = Capture::new(limits.max_output, Overflow::Trap);
		let stderr = Capture::new(limits.max_stderr, Overflow::Truncate);
		// The builder's defaults already give no environment variables, no preopened
		// directories, no arguments and no host stdio; the rest is set here.
		let wasi = WasiCtxBuilder::new()
			.stdin(MemoryInputPipe::new(input.to_vec()))
			.stdout(stdout.clone())
			.stderr(stderr.clone())
			.arg(ARGV0)
			.args(args)
			.wall_clock(FixedWallClock)
			.monotonic_clock(FixedMonotonicClock)
			.secure_random(ChaCha20Rng::from_seed(RANDOM_SEED))
			.insecure_random(ChaCha20Rng::from_seed(INSECURE_RANDOM_SEED))
			.insecure_random_seed(INSECURE_SEED)
			// A job cannot take more random bytes than its memory holds; this also bounds
			// what the host allocates for one `random_get`.
			.max_random_size(limits.memory_bytes as u64)
			.allow_tcp(false)
			.allow_udp(false)
			.allow_ip_name_lookup(false)
			.build_p1();
		let limiter = JobLimiter {
			memory_limit: limits.memory_bytes,
			table_limit: limits.table_elements,
			memory_bytes: 0,
			table_elements: 0,
			refused: None,
			host_failed: false,
		};
		Self { wasi, limiter, stdout, stderr }
	}

	pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
		&mut self.limiter
	}

	pub fn take_stderr(&self) -> Vec<u8> {
		self.stderr.take()
	}

	/// The outcome of a job that returned from `_start` (`Ok`) or stopped.
	pub fn outcome(&self, ended: Result<(), Stopped>) -> Result<Outcome, HostError> {
		let (error, running) = match ended {
			Ok(()) => return Ok(Outcome::Success { output: self.stdout.take() }),
			Err(Stopped::Instantiating(error)) => (error, false),
			Err(Stopped::Running(error)) => (error, true),
		};
		if self.limiter.host_failed {
			return Err(HostError::Resources(error));
		}
		if self.stdout.overflowed() {
			return Ok(Outcome::OutputTooLarge);
		}
		if let Some(refused) = self.limiter.refused {
			return Ok(Outcome::Trap(match refused {
				Refused::Memory => TrapKind::MemoryLimit,
				Refused::Table => TrapKind::TableLimit,
			}));
		}
		if let Some(ProcExit(code)) = error.downcast_ref() {
			return Ok(match code {
				0 => Outcome::Success { output: self.stdout.take() },
				code => Outcome::Trap(TrapKind::Exit(*code)),
			});
		}
		if let Some(trap) = error.downcast_ref::<Trap>() {
			return Ok(match trap {
				Trap::OutOfFuel => Outcome::OutOfFuel,
				trap => Outcome::Trap(trap_kind(*trap)),
			});
		}
		// Instantiation fails otherwise only when the host cannot allocate; a running job
		// otherwise stopped in WASI, on a condition of its own making (e.g. asking
		// `random_get` for more bytes than its memory limit).
		if running {
			Ok(Outcome::Trap(TrapKind::Other))
		} else {
			Err(HostError::Resources(error))
		}
	}
}

fn trap_kind(trap: Trap) -> TrapKind {
	match trap {
		Trap::UnreachableCodeReached => TrapKind::Unreachable,
		Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
		Trap::StackOverflow => TrapKind::StackOverflow,
		Trap::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
		Trap::IntegerOverflow => TrapKind::IntegerOverflow,
		Trap::BadConversionToInteger => TrapKind::BadConversionToInteger,
		Trap::BadSignature => TrapKind::IndirectCallTypeMismatch,
		Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
		Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
		_ => TrapKind::Other,
	}
}

/// A linker with WASI preview 1 and nothing else, where two functions are replaced:
/// - `poll_oneoff` returns `notsup`: wasmtime-wasi would sleep in real time (a job could hold
///   a thread for years on no fuel) and would order events by real time;
/// - `proc_exit` accepts every code (wasmtime-wasi traps with a message on codes from 126).
pub(crate) fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<JobState>> {
	let mut linker = Linker::new(engine);
	preview1::add_to_linker_sync(&mut linker, |state: &mut JobState| &mut state.wasi)?;
	linker.allow_shadowing(true);
	linker.func_wrap(WASI_P1, "poll_oneoff", |_: i32, _: i32, _: i32, _: i32| ERRNO_NOTSUP)?;
	linker.func_wrap(WASI_P1, "proc_exit", |code: i32| -> wasmtime::Result<()> {
		Err(ProcExit(code as u32).into())
	})?;
	linker.allow_shadowing(false);
	Ok(linker)
}
