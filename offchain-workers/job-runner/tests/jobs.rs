//! The example jobs in `jobs/`, real Rust programs built for wasm32-wasip1, run by the runner.

mod support;

use sha2::{Digest, Sha256};
use support::build_job;
use xmbl_job_runner::{JobLimits, Outcome, Run, Runner, TrapKind, DEFAULT_CACHE_BYTES};

fn output(run: &Run) -> &[u8] {
	match &run.outcome {
		Outcome::Success { output } => output,
		other => panic!(
			"expected success, got {other:?} (stderr {})",
			String::from_utf8_lossy(&run.stderr)
		),
	}
}

/// Fails if Rust's standard library does not find what it needs in the job's WASI context
/// (stdin to its end, stdout), or if the job's result varies: `word-count` of a known text
/// prints the counts `wc` gives, twice with the same fuel, the second time from the cache.
#[test]
fn word_count_counts_a_known_text() {
	let module = build_job("word-count");
	let text = "The quick brown fox\njumps over\tthe lazy dog.\n\n  Twice:  the end\n";
	let runner = Runner::new(DEFAULT_CACHE_BYTES).unwrap();
	let first = runner.run(&module, text.as_bytes(), &[], &JobLimits::default()).unwrap();
	assert_eq!(output(&first), b"4 12 64\n");
	let second = runner.run(&module, text.as_bytes(), &[], &JobLimits::default()).unwrap();
	assert!(second.cache_hit);
	assert_eq!((&second.outcome, second.fuel_used), (&first.outcome, first.fuel_used));
	println!(
		"word-count: {} module bytes, {} fuel, first run {:?}, cached run {:?}",
		module.len(),
		first.fuel_used,
		first.elapsed,
		second.elapsed
	);
}

/// Fails if the job computes anything but SHA-256 or loses input bytes: its digest of
/// 0, 1, 55, 64 and 1,000,003 bytes (padding edge cases and many stdin reads) equals the
/// `sha2` crate's computed natively.
#[test]
fn sha256_matches_native_sha2() {
	let module = build_job("sha256");
	let runner = Runner::new(DEFAULT_CACHE_BYTES).unwrap();
	for len in [0usize, 1, 55, 64, 1_000_003] {
		let input: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
		let job = runner.run(&module, &input, &[], &JobLimits::default()).unwrap();
		assert_eq!(output(&job), Sha256::digest(&input).as_slice(), "{len} bytes");
		println!("sha256 of {len} bytes: {} fuel, {:?}", job.fuel_used, job.elapsed);
	}
}

/// Fails if the job miscounts a line (the last one without a newline, an empty one, a match at
/// a line's start or end), matches across lines or reads its argument wrong: for each pattern
/// and text its count equals `str::lines` and `str::contains` computed natively, and without
/// exactly one argument it exits with code 2.
#[test]
fn grep_count_matches_a_native_count() {
	let module = build_job("grep-count");
	let runner = Runner::new(DEFAULT_CACHE_BYTES).unwrap();
	let generated: String = (0..20_000)
		.map(|i| format!("record {i} {}\n", if i % 7 == 0 { "ERROR disk" } else { "ok" }))
		.collect();
	let texts = [
		"The quick brown fox\njumps over\tthe lazy dog.\n\n  fox again, no newline",
		"fox\n",
		"\n",
		"",
		"a\nb\n\n",
		&generated,
	];
	for text in texts {
		for pattern in ["fox", "the", "", " ", "ERROR disk", "record 19998 ok", "o\nj", "zzz"] {
			let args = [pattern.to_owned()];
			let job = runner.run(&module, text.as_bytes(), &args, &JobLimits::default()).unwrap();
			let native = text.lines().filter(|line| line.contains(pattern)).count();
			assert_eq!(
				output(&job),
				format!("{native}\n").as_bytes(),
				"{pattern:?} in {} bytes",
				text.len()
			);
		}
	}
	for args in [vec![], vec!["a".to_owned(), "b".to_owned()]] {
		let job = runner.run(&module, b"a\n", &args, &JobLimits::default()).unwrap();
		assert_eq!(job.outcome, Outcome::Trap(TrapKind::Exit(2)), "{args:?}");
	}
}
