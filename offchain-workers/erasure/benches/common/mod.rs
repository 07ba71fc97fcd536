//! Shared by the benchmarks: equal memory placement for the coders being compared.

/// Runs this benchmark again with glibc's mmap threshold fixed and exits with its status, unless
/// that is already the case.
///
/// `reed-solomon-simd` keeps its work buffer in a `Vec<[u8; 64]>` (byte alignment), and its AVX2
/// kernels run up to ~25 % slower when that buffer starts 16 or 48 bytes into a cache line
/// (every other 32-byte access then splits a line). glibc places large blocks by a threshold
/// that moves as blocks are freed, so two coders created at different moments can land at
/// different offsets, and a wrapper/raw comparison drifts by ±25 % for no reason in the code.
/// With the threshold fixed every work buffer is a fresh mapping at the same offset.
pub fn rerun_with_fixed_mmap_threshold() {
	const VAR: &str = "MALLOC_MMAP_THRESHOLD_";
	if std::env::var_os(VAR).is_some() {
		return;
	}
	let status = std::process::Command::new(std::env::current_exe().unwrap())
		.args(std::env::args_os().skip(1))
		.env(VAR, "65536")
		.status()
		.unwrap();
	std::process::exit(status.code().unwrap_or(1));
}
