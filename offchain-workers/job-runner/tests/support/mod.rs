//! Builds the example jobs in `jobs/` for wasm32-wasip1, shared by the tests and the benchmark.

use std::{path::Path, process::Command};

/// The release build of `jobs/<name>`, built with the pinned toolchain into the target
/// directory's `tmp/jobs` (Cargo does nothing when it is up to date).
pub fn build_job(name: &str) -> Vec<u8> {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs").join(name);
	let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jobs");
	let status = Command::new(env!("CARGO"))
		.current_dir(&dir)
		.args(["build", "--release", "--locked", "--target", "wasm32-wasip1", "--target-dir"])
		.arg(&target_dir)
		.status()
		.unwrap();
	assert!(status.success(), "building job {name} failed");
	let wasm = target_dir.join("wasm32-wasip1/release").join(format!("{name}.wasm"));
	std::fs::read(&wasm).unwrap_or_else(|error| panic!("{}: {error}", wasm.display()))
}
