//! Builds the example jobs in `offchain-workers/job-runner/jobs/` for wasm32-wasip1, shared by
//! the runner's tests and benchmark and, through `#[path]`, by the end-to-end tests.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

/// Where the example jobs are, relative to the repository's root.
const JOBS: &str = "offchain-workers/job-runner/jobs";

/// The folder of the example jobs, found above the manifest folder of the package that compiles
/// this file (the runner, two levels down, or the end-to-end tests, one level down).
fn jobs_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR"))
		.ancestors()
		.map(|dir| dir.join(JOBS))
		.find(|dir| dir.is_dir())
		.unwrap_or_else(|| panic!("no {JOBS} above {}", env!("CARGO_MANIFEST_DIR")))
}

/// The release build of the example job `name`, built with the pinned toolchain into the
/// target directory's `tmp/jobs` (Cargo does nothing when it is up to date), so every package
/// that builds a job shares one build of it.
pub fn build_job(name: &str) -> Vec<u8> {
	let dir = jobs_dir().join(name);
	let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jobs");
	let status = Command::new(env!("CARGO"))
		.current_dir(&dir)
		.args(["build", "--release", "--locked", "--target", "wasm32-wasip1", "--target-dir"])
		.arg(&target_dir)
		.status()
		.unwrap_or_else(|error| panic!("cannot run cargo for job {name}: {error}"));
	assert!(status.success(), "building job {name} failed");
	let wasm = target_dir.join("wasm32-wasip1/release").join(format!("{name}.wasm"));
	std::fs::read(&wasm).unwrap_or_else(|error| panic!("{}: {error}", wasm.display()))
}
