//! The runner on modules written in WebAssembly text: determinism, fuel, limits, refusals, traps,
//! WASI's fixed clocks and random bytes, and the module cache.

use std::{
	process::Command,
	sync::Arc,
	thread,
	time::{Duration, Instant},
};

use codec::Encode;
use xmbl_job_runner::{
	JobLimits, ModuleRejection, Outcome, Run, Runner, TrapKind, DEFAULT_CACHE_BYTES, MAX_TABLES,
	MONOTONIC_CLOCK, WALL_CLOCK,
};

/// Set in the child of `same_result_in_another_process`: print the result instead of checking.
const CHILD_VAR: &str = "XMBL_JOB_RUNNER_DETERMINISM_CHILD";
const CHILD_LINE: &str = "XMBL_JOB_RESULT";

/// A module importing `fd_write` and `extra_imports`, with one page of exported memory (unless
/// `body` declares its own) and `$write (ptr, len)`, which writes to stdout or traps.
fn module(extra_imports: &str, body: &str) -> Vec<u8> {
	let memory =
		if body.contains("(memory (export") { "" } else { r#"(memory (export "memory") 1)"# };
	let text = format!(
		r#"(module
			(import "wasi_snapshot_preview1" "fd_write"
				(func $fd_write (param i32 i32 i32 i32) (result i32)))
			{extra_imports}
			{memory}
			(func $write (param $ptr i32) (param $len i32)
				(i32.store (i32.const 0) (local.get $ptr))
				(i32.store (i32.const 4) (local.get $len))
				(if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
					(then unreachable)))
			{body})"#
	);
	wat::parse_str(text).unwrap()
}

/// A module of `body` alone, for refusals that `module`'s imports would hide.
fn bare_module(body: &str) -> Vec<u8> {
	wat::parse_str(format!("(module {body})")).unwrap()
}

/// Reads stdin, then writes 48 bytes: the FNV-1a 64 hash of stdin, the bits of 0.0 / 0.0, 16
/// bytes of `random_get`, and `clock_time_get` of the realtime and of the monotonic clock.
fn mixer() -> Vec<u8> {
	module(
		r#"(import "wasi_snapshot_preview1" "fd_read"
			(func $fd_read (param i32 i32 i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "random_get"
			(func $random_get (param i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "clock_time_get"
			(func $clock_time_get (param i32 i64 i32) (result i32)))"#,
		r#"(memory (export "memory") 2)
		;; Reads stdin to 4096.., at most 64 KiB; returns its length.
		(func $read_all (result i32) (local $len i32)
			(loop $more
				(i32.store (i32.const 16) (i32.add (i32.const 4096) (local.get $len)))
				(i32.store (i32.const 20) (i32.sub (i32.const 65536) (local.get $len)))
				(if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
					(then unreachable))
				(if (i32.load (i32.const 24))
					(then
						(local.set $len (i32.add (local.get $len) (i32.load (i32.const 24))))
						(br $more))))
			(local.get $len))
		(func (export "_start") (local $len i32) (local $i i32) (local $h i64)
			(local.set $len (call $read_all))
			(local.set $h (i64.const 0xcbf29ce484222325))
			(block $done
				(loop $byte
					(br_if $done (i32.ge_u (local.get $i) (local.get $len)))
					(local.set $h
						(i64.mul
							(i64.xor (local.get $h) (i64.load8_u offset=4096 (local.get $i)))
							(i64.const 0x100000001b3)))
					(local.set $i (i32.add (local.get $i) (i32.const 1)))
					(br $byte)))
			(i64.store (i32.const 32) (local.get $h))
			;; 0.0 / 0.0 from a run-time zero, so no compiler folds it.
			(i64.store (i32.const 40)
				(i64.reinterpret_f64
					(f64.div
						(f64.convert_i64_u (i64.sub (local.get $h) (local.get $h)))
						(f64.convert_i64_u (i64.sub (local.get $h) (local.get $h))))))
			(if (call $random_get (i32.const 48) (i32.const 16)) (then unreachable))
			(if (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 64))
				(then unreachable))
			(if (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 72))
				(then unreachable))
			(call $write (i32.const 32) (i32.const 48)))"#,
	)
}

fn mixer_input() -> Vec<u8> {
	(0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
	bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
		(hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
	})
}

/// A trivial command: `_start` returns at once.
fn trivial() -> Vec<u8> {
	bare_module(r#"(memory (export "memory") 1) (func (export "_start"))"#)
}

fn runner() -> Runner {
	Runner::new(DEFAULT_CACHE_BYTES).unwrap()
}

fn run(runner: &Runner, module: &[u8], input: &[u8], limits: &JobLimits) -> Run {
	runner.run(module, input, &[], limits).unwrap()
}

fn output(run: &Run) -> &[u8] {
	match &run.outcome {
		Outcome::Success { output } => output,
		other => panic!("expected success, got {other:?} (stderr {:?})", run.stderr),
	}
}

fn result_line(run: &Run) -> String {
	format!("{CHILD_LINE} {} {}", hex::encode(run.outcome.encode()), run.fuel_used)
}

/// Fails if anything of the host reaches a run: 100 runs of a module that hashes its input and
/// reads NaN bits, random bytes and both clocks must give the same output and fuel, from the
/// cache and freshly compiled alike.
#[test]
fn same_job_same_result_over_100_runs() {
	let (module, input) = (mixer(), mixer_input());
	let limits = JobLimits::default();
	let runner = runner();
	let first = run(&runner, &module, &input, &limits);
	assert_eq!(output(&first).len(), 48);
	for _ in 1..100 {
		let again = run(&runner, &module, &input, &limits);
		assert!(again.cache_hit);
		assert_eq!((&again.outcome, again.fuel_used), (&first.outcome, first.fuel_used));
	}
	let fresh = run(&self::runner(), &module, &input, &limits);
	assert!(!fresh.cache_hit);
	assert_eq!((&fresh.outcome, fresh.fuel_used), (&first.outcome, first.fuel_used));
}

/// Fails if the result depends on the process, e.g. on addresses, on the time the process
/// started or on its random state: a child process (this test executable, re-run on this
/// test with `CHILD_VAR` set) runs the same job and prints its encoded outcome and fuel, which
/// must equal this process's.
#[test]
fn same_result_in_another_process() {
	let job = run(&runner(), &mixer(), &mixer_input(), &JobLimits::default());
	if std::env::var_os(CHILD_VAR).is_some() {
		println!("{}", result_line(&job));
		return;
	}
	let child = Command::new(std::env::current_exe().unwrap())
		.args(["--exact", "same_result_in_another_process", "--nocapture", "--test-threads=1"])
		.env(CHILD_VAR, "1")
		.output()
		.unwrap();
	assert!(child.status.success(), "child failed: {}", String::from_utf8_lossy(&child.stderr));
	let stdout = String::from_utf8(child.stdout).unwrap();
	// The harness prints the test's name on the same line first.
	let line = stdout.lines().find_map(|line| Some(&line[line.find(CHILD_LINE)?..]));
	assert_eq!(line.expect("child result"), result_line(&job));
}

/// Fails if the fixed values change or the host's leak in: the realtime clock reads
/// 2000-01-01T00:00:00Z, the monotonic clock 0, `random_get` ChaCha20 under the runner's seed
/// (nonce and counter 0; wasmtime-wasi takes each byte as the low byte of the next 32-bit
/// keystream word, checked against an independent ChaCha20), and 0.0 / 0.0 the canonical NaN
/// (x86's own is negative); the module also got stdin whole (its FNV-1a hash).
#[test]
fn clocks_random_and_nan_are_fixed() {
	let input = mixer_input();
	let job = run(&runner(), &mixer(), &input, &JobLimits::default());
	let output = output(&job);
	assert_eq!(output[..8], fnv1a(&input).to_le_bytes());
	assert_eq!(output[8..16], 0x7ff8_0000_0000_0000u64.to_le_bytes());
	assert_eq!(hex::encode(&output[16..32]), "fbf67e0aad38768c288017c1faf870c5");
	assert_eq!(output[32..40], (WALL_CLOCK.as_nanos() as u64).to_le_bytes());
	assert_eq!(output[32..40], 946_684_800_000_000_000u64.to_le_bytes());
	assert_eq!(output[40..48], MONOTONIC_CLOCK.to_le_bytes());
}

/// Fails if the host's environment or a different `argv[0]` reaches the job: it sees no
/// environment variables and `argv` = "job" followed by its arguments.
#[test]
fn arguments_and_no_environment() {
	let module = module(
		r#"(import "wasi_snapshot_preview1" "environ_sizes_get"
			(func $environ_sizes_get (param i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "args_sizes_get"
			(func $args_sizes_get (param i32 i32) (result i32)))
		(import "wasi_snapshot_preview1" "args_get"
			(func $args_get (param i32 i32) (result i32)))"#,
		r#"(func (export "_start")
			(if (call $environ_sizes_get (i32.const 16) (i32.const 20)) (then unreachable))
			(call $write (i32.const 16) (i32.const 8))
			(if (call $args_sizes_get (i32.const 24) (i32.const 28)) (then unreachable))
			(if (call $args_get (i32.const 1024) (i32.const 2048)) (then unreachable))
			(call $write (i32.const 24) (i32.const 4))
			(call $write (i32.const 2048) (i32.load (i32.const 28))))"#,
	);
	let args = ["first".to_string(), "sec ond".to_string()];
	let job = runner().run(&module, b"", &args, &JobLimits::default()).unwrap();
	let mut expected = vec![0; 8];
	expected.extend_from_slice(&3u32.to_le_bytes());
	expected.extend_from_slice(b"job\0first\0sec ond\0");
	assert_eq!(output(&job), expected);
}

/// Fails if a job can sleep (in real time, on no fuel) or wait on real-time events:
/// `poll_oneoff` answers `notsup` (58) even to a one-second clock subscription.
#[test]
fn poll_oneoff_is_not_supported() {
	let module = module(
		r#"(import "wasi_snapshot_preview1" "poll_oneoff"
			(func $poll_oneoff (param i32 i32 i32 i32) (result i32)))"#,
		r#"(func (export "_start")
			;; A relative clock subscription at 64: tag 0 (clock), timeout 1 s.
			(i32.store8 (i32.const 72) (i32.const 0))
			(i64.store (i32.const 88) (i64.const 1000000000))
			(i32.store (i32.const 16)
				(call $poll_oneoff (i32.const 64) (i32.const 256) (i32.const 1) (i32.const 20)))
			(call $write (i32.const 16) (i32.const 4)))"#,
	);
	let started = Instant::now();
	let job = run(&runner(), &module, b"", &JobLimits::default());
	assert_eq!(output(&job), 58u32.to_le_bytes());
	assert!(started.elapsed() < Duration::from_millis(900));
}

/// Fails if fuel is not the bound of an endless loop or is not counted the same way every
/// time: each run ends as `OutOfFuel` having used exactly its limit, for several limits.
#[test]
fn infinite_loop_uses_exactly_its_fuel() {
	let module = bare_module(r#"(func (export "_start") (loop $forever (br $forever)))"#);
	let runner = runner();
	for fuel in [0, 1, 1_000, 1_000_000, 50_000_000] {
		let limits = JobLimits { fuel, ..JobLimits::default() };
		for _ in 0..5 {
			let job = run(&runner, &module, b"", &limits);
			assert_eq!(job.outcome, Outcome::OutOfFuel);
			assert_eq!(job.fuel_used, fuel);
		}
	}
}

/// Fails if a memory bomb is not stopped at the job's limit, or if its memory is not given
/// back: a module growing and filling memory 1 MiB at a time ends as a `MemoryLimit` trap
/// (rather than growing on, or `memory.grow` returning -1 and the job ending normally), five
/// times over, and the process's resident memory afterwards is less than one run's limit above
/// where it started.
#[test]
fn memory_bomb_is_stopped_at_the_limit() {
	let module = bare_module(
		r#"(memory (export "memory") 1)
		(func (export "_start") (local $page i32)
			(loop $grow
				(local.set $page (memory.grow (i32.const 16)))
				(if (i32.eq (local.get $page) (i32.const -1)) (then (return)))
				(memory.fill
					(i32.shl (local.get $page) (i32.const 16))
					(i32.const 1)
					(i32.const 1048576))
				(br $grow)))"#,
	);
	let limits = JobLimits { memory_bytes: 64 << 20, ..JobLimits::default() };
	let runner = runner();
	let before = resident_bytes();
	for _ in 0..5 {
		let job = run(&runner, &module, b"", &limits);
		assert_eq!(job.outcome, Outcome::Trap(TrapKind::MemoryLimit));
	}
	let after = resident_bytes();
	assert!(
		after < before + limits.memory_bytes as u64,
		"resident memory grew from {before} to {after} bytes"
	);
}

/// The process's resident set, from `/proc/self/status`.
fn resident_bytes() -> u64 {
	let status = std::fs::read_to_string("/proc/self/status").unwrap();
	let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
	let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
	kib << 10
}

/// Fails if a module's initial memory is allocated beyond the job's limit: 4 GiB of initial
/// memory is refused at instantiation, before any fuel is used.
#[test]
fn huge_initial_memory_is_refused() {
	let module = bare_module(r#"(memory (export "memory") 65536) (func (export "_start"))"#);
	let job = run(&runner(), &module, b"", &JobLimits::default());
	assert_eq!(job.outcome, Outcome::Trap(TrapKind::MemoryLimit));
	assert_eq!(job.fuel_used, 0);
}

/// Fails if the module's own maximum is enforced as a trap rather than as the spec says:
/// growing a memory or a table past its declared maximum returns -1 and the job goes on.
#[test]
fn growing_past_a_declared_maximum_returns_minus_one() {
	let module = module(
		"",
		r#"(memory (export "memory") 1 2)
		(table 1 2 funcref)
		(func (export "_start")
			(i32.store (i32.const 16) (memory.grow (i32.const 5)))
			(i32.store (i32.const 20) (memory.grow (i32.const 1)))
			(i32.store (i32.const 24) (table.grow (ref.null func) (i32.const 5)))
			(call $write (i32.const 16) (i32.const 12)))"#,
	);
	let job = run(&runner(), &module, b"", &JobLimits::default());
	let expected: Vec<u8> = [-1i32, 1, -1].iter().flat_map(|n| n.to_le_bytes()).collect();
	assert_eq!(output(&job), expected);
}

/// Fails if deep recursion crashes the process or ends any other way than as a stack
/// overflow charged all its fuel (the depth of an overflow may differ by a few frames between
/// node binaries, the fuel charged must not).
#[test]
fn deep_recursion_overflows_the_stack() {
	let module = bare_module(
		r#"(func $down (param $n i64) (result i64)
			(i64.add (call $down (i64.add (local.get $n) (i64.const 1))) (local.get $n)))
		(func (export "_start") (drop (call $down (i64.const 0))))"#,
	);
	let runner = runner();
	for fuel in [1_000_000, JobLimits::default().fuel] {
		let limits = JobLimits { fuel, ..JobLimits::default() };
		for _ in 0..5 {
			let job = run(&runner, &module, b"", &limits);
			assert_eq!(job.outcome, Outcome::Trap(TrapKind::StackOverflow));
			assert_eq!(job.fuel_used, fuel);
		}
	}
}

/// Fails if a table is allocated beyond the job's limit: 10⁶ initial elements are refused at
/// instantiation, and growing a table in a loop ends as a `TableLimit` trap, not as
/// `table.grow` returning -1.
#[test]
fn huge_table_is_refused() {
	let runner = runner();
	let initial = bare_module("(table 1000000 funcref) (func (export \"_start\"))");
	let job = run(&runner, &initial, b"", &JobLimits::default());
	assert_eq!(job.outcome, Outcome::Trap(TrapKind::TableLimit));
	assert_eq!(job.fuel_used, 0);

	let growing = bare_module(
		r#"(table 1 funcref)
		(func (export "_start")
			(loop $grow
				(br_if $grow
					(i32.ne (table.grow (ref.null func) (i32.const 1000)) (i32.const -1)))))"#,
	);
	let job = run(&runner, &growing, b"", &JobLimits::default());
	assert_eq!(job.outcome, Outcome::Trap(TrapKind::TableLimit));
}

/// Fails if a module that is not a plain WASI preview 1 command runs, or is refused for the
/// wrong reason. None of them uses fuel or enters the cache.
#[test]
fn invalid_modules_are_refused() {
	use ModuleRejection::*;
	let start = r#"(memory (export "memory") 1) (func (export "_start"))"#;
	let tables = "(table 0 funcref)".repeat(MAX_TABLES + 1);
	let cases = [
		(
			"env.foo",
			bare_module(&format!(r#"(import "env" "foo" (func)) {start}"#)),
			ForbiddenImport,
		),
		(
			"preview 0",
			bare_module(&format!(
				r#"(import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
				{start}"#
			)),
			ForbiddenImport,
		),
		(
			"no such WASI function",
			bare_module(&format!(r#"(import "wasi_snapshot_preview1" "fork" (func)) {start}"#)),
			ForbiddenImport,
		),
		(
			"WASI function of the wrong type",
			bare_module(&format!(
				r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32))) {start}"#
			)),
			ForbiddenImport,
		),
		(
			"imported memory",
			bare_module(
				r#"(import "wasi_snapshot_preview1" "memory" (memory 1)) (func (export "_start"))"#,
			),
			ForbiddenImport,
		),
		("garbage", b"\x00asm garbage that is no module".to_vec(), Malformed),
		("empty", Vec::new(), Malformed),
		("text", start.as_bytes().to_vec(), Malformed),
		(
			"shared memory (threads are off)",
			bare_module(r#"(memory (export "memory") 1 1 shared) (func (export "_start"))"#),
			Malformed,
		),
		(
			"no _start",
			bare_module(r#"(memory (export "memory") 1) (func (export "main"))"#),
			NotACommand,
		),
		(
			"_start with a parameter",
			bare_module(r#"(func (export "_start") (param i32))"#),
			NotACommand,
		),
		("_start a memory", bare_module(r#"(memory (export "_start") 1)"#), NotACommand),
		(
			"too many tables",
			bare_module(&format!(r#"{tables} (func (export "_start"))"#)),
			TooManyTables,
		),
	];
	let runner = runner();
	for (case, module, rejection) in cases {
		let job = run(&runner, &module, b"", &JobLimits::default());
		assert_eq!(job.outcome, Outcome::InvalidModule(rejection), "{case}");
		assert_eq!(job.fuel_used, 0, "{case}");
		assert!(!job.cache_hit, "{case}");
	}
	assert_eq!(runner.cache_stats().modules, 0);
}

/// Fails if the module size bound is off by one or bypassed by the cache: a module one byte
/// over the bound is refused even after it ran (and was cached) under a larger bound.
#[test]
fn module_over_the_byte_bound_is_refused() {
	let module = trivial();
	let runner = runner();
	let exact = JobLimits { max_module_bytes: module.len(), ..JobLimits::default() };
	assert!(matches!(run(&runner, &module, b"", &exact).outcome, Outcome::Success { .. }));
	let under = JobLimits { max_module_bytes: module.len() - 1, ..JobLimits::default() };
	let job = run(&runner, &module, b"", &under);
	assert_eq!(job.outcome, Outcome::InvalidModule(ModuleRejection::TooLarge));
}

/// Fails if the output bound is off by one, or if output past it is cut and passed off as a
/// success: 1000 bytes in 10 writes succeed under a bound of 1000 and are `OutputTooLarge`
/// under 999 or 0; writes to stderr past its bound are dropped without failing the job.
#[test]
fn output_over_the_bound_is_output_too_large() {
	let module = module(
		"",
		r#"(func (export "_start") (local $i i32)
			(memory.fill (i32.const 1024) (i32.const 0x61) (i32.const 100))
			(loop $ten
				(call $write (i32.const 1024) (i32.const 100))
				(local.set $i (i32.add (local.get $i) (i32.const 1)))
				(br_if $ten (i32.lt_u (local.get $i) (i32.const 10))))
			;; 100 bytes to stderr (fd 2).
			(if (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))
				(then unreachable)))"#,
	);
	let runner = runner();
	let fits = JobLimits { max_output: 1000, max_stderr: 10, ..JobLimits::default() };
	let job = run(&runner, &module, b"", &fits);
	assert_eq!(output(&job), [b'a'; 1000]);
	assert_eq!(job.stderr, [b'a'; 10]);
	for max_output in [999, 0] {
		let limits = JobLimits { max_output, ..JobLimits::default() };
		let job = run(&runner, &module, b"", &limits);
		assert_eq!(job.outcome, Outcome::OutputTooLarge, "bound {max_output}");
		assert!(job.fuel_used < run(&runner, &module, b"", &fits).fuel_used);
	}
}

/// Fails if `proc_exit` is mapped wrongly: code 0 is a success with the output written before
/// it, any other code (also those from 126, which wasmtime-wasi refuses) is `Exit(code)`.
#[test]
fn proc_exit_codes() {
	let runner = runner();
	for (code, expected) in [
		(0, Outcome::Success { output: b"bye".to_vec() }),
		(3, Outcome::Trap(TrapKind::Exit(3))),
		(200, Outcome::Trap(TrapKind::Exit(200))),
		(-1, Outcome::Trap(TrapKind::Exit(u32::MAX))),
	] {
		let module = module(
			r#"(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))"#,
			&format!(
				r#"(data (i32.const 64) "bye")
				(func (export "_start")
					(call $write (i32.const 64) (i32.const 3))
					(call $proc_exit (i32.const {code}))
					unreachable)"#
			),
		);
		assert_eq!(run(&runner, &module, b"", &JobLimits::default()).outcome, expected, "{code}");
	}
}

/// Fails if a trap is reported as another kind (or as a host error).
#[test]
fn traps_have_stable_kinds() {
	use TrapKind::*;
	// Memory is zero at 200, so these operands are only known when the job runs.
	let zero = "(i32.load (i32.const 200))";
	let indirect = r#"(type $void (func)) (type $takes_i32 (func (param i32)))
		(table 2 funcref) (elem (i32.const 0) $nothing) (func $nothing)"#;
	let cases = [
		("unreachable".to_string(), Unreachable),
		(format!("(drop (i32.div_u (i32.const 1) {zero}))"), IntegerDivisionByZero),
		(
			format!("(drop (i32.div_s (i32.const 0x80000000) (i32.sub {zero} (i32.const 1))))"),
			IntegerOverflow,
		),
		(
			"(drop (i32.trunc_f32_s (f32.div (f32.load (i32.const 200)) (f32.load (i32.const 200)))))"
				.to_string(),
			BadConversionToInteger,
		),
		("(drop (i32.load (i32.const 65536)))".to_string(), MemoryOutOfBounds),
		("(call_indirect (type $takes_i32) (i32.const 7) (i32.const 0))".to_string(), IndirectCallTypeMismatch),
		("(call_indirect (type $void) (i32.const 1))".to_string(), IndirectCallToNull),
		("(call_indirect (type $void) (i32.const 5))".to_string(), TableOutOfBounds),
	];
	let runner = runner();
	for (code, kind) in cases {
		let module = bare_module(&format!(
			r#"(memory (export "memory") 1) {indirect} (func (export "_start") {code})"#
		));
		let job = run(&runner, &module, b"", &JobLimits::default());
		assert_eq!(job.outcome, Outcome::Trap(kind), "{code}");
	}
}

/// Fails if the cache does not hold a compiled module, or holds a refused one: the second run
/// of a module hits the cache and compiles nothing more; a module that fails to compile is
/// compiled again each time; a runner whose cache is too small for a module compiles it on
/// every run.
#[test]
fn second_run_hits_the_cache() {
	let runner = runner();
	let module = trivial();
	let limits = JobLimits::default();
	let first = run(&runner, &module, b"", &limits);
	assert!(!first.cache_hit);
	let mut hit = Duration::MAX;
	for _ in 0..10 {
		let again = run(&runner, &module, b"", &limits);
		assert!(again.cache_hit);
		hit = hit.min(again.elapsed);
	}
	let stats = runner.cache_stats();
	assert_eq!((stats.modules, stats.hits, stats.misses), (1, 10, 1));
	assert!(stats.bytes > 0);
	println!("trivial module: first run (compile) {:?}, fastest cached run {hit:?}", first.elapsed);

	assert!(!run(&runner, &mixer(), b"", &limits).cache_hit);
	for _ in 0..2 {
		let job = run(&runner, b"\0asm\x01\0\0\0\x99", b"", &limits);
		assert_eq!(job.outcome, Outcome::InvalidModule(ModuleRejection::Malformed));
	}
	let stats = runner.cache_stats();
	assert_eq!((stats.modules, stats.hits, stats.misses), (2, 10, 4));

	let uncached = Runner::new(0).unwrap();
	for _ in 0..2 {
		assert!(!run(&uncached, &module, b"", &limits).cache_hit);
	}
	assert_eq!(uncached.cache_stats().misses, 2);
}

/// Fails if a shared runner is not safe to use from several threads at once, or if
/// concurrency changes a result: 4 threads × 25 runs of the same job agree.
#[test]
fn threads_share_one_runner() {
	let runner = Arc::new(runner());
	let (module, input) = (Arc::new(mixer()), Arc::new(mixer_input()));
	let expected = run(&runner, &module, &input, &JobLimits::default());
	let threads: Vec<_> = (0..4)
		.map(|_| {
			let (runner, module, input) = (runner.clone(), module.clone(), input.clone());
			thread::spawn(move || {
				(0..25)
					.map(|_| {
						let job = run(&runner, &module, &input, &JobLimits::default());
						(job.outcome, job.fuel_used)
					})
					.collect::<Vec<_>>()
			})
		})
		.collect();
	for thread in threads {
		for result in thread.join().unwrap() {
			assert_eq!(result, (expected.outcome.clone(), expected.fuel_used));
		}
	}
}
