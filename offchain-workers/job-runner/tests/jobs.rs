//! The example jobs in `jobs/`, real Rust programs built for wasm32-wasip1, run by the runner.

mod support;

use sha2::{Digest, Sha256};
use support::build_job;
use xmbl_job_runner::{JobLimits, Outcome, Run, Runner, DEFAULT_CACHE_BYTES};

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
