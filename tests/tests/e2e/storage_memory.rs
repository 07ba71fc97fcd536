//! Files never sit in memory: `xmbl put` of a 512 MiB random file (3 + 2, shards of 171 MiB)
//! and `xmbl get` of it back each peak under 128 MiB resident, on a dev node serving the five
//! genesis providers on ports of the test's own.
//!
//! How it fails: a client that holds the file, one whole shard or the decoded output in
//! memory peaks at 171 MiB or more and is over the bound; a `get` that returns other bytes
//! fails the comparison; a peak that was never sampled reads 0 and fails the lower bound.

use serde_json::Value;
use std::{
	fs::File,
	io::Write,
	path::Path,
	process::{Command, Stdio},
	thread,
	time::Duration,
};
use xmbl_e2e::{client_binary, random_bytes, start_dev_node_with_own_provider_ports, Node};

/// The file's owner: a funded dev account that is not a provider.
const OWNER: &str = "//Ferdie";
/// The size of the file.
const FILE_BYTES: usize = 512 << 20;
/// The peak resident memory `put` and `get` must each stay under.
const PEAK_BOUND: u64 = 128 << 20;
/// How often the client's peak is read while it runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The `VmHWM` (peak resident set) of process `pid` in bytes, while it runs.
fn peak_resident(pid: u32) -> Option<u64> {
	let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
	let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
	let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
	Some(kib << 10)
}

/// Runs `xmbl` as the owner until it exits: the JSON it printed, and its peak resident
/// memory, read every [`SAMPLE_EVERY`] (the kernel's high-water mark, so only growth in
/// its last interval goes unseen). Panics with its stderr if it fails.
fn xmbl_with_peak(node: &Node, logs: &Path, args: &[&str]) -> (Value, u64) {
	let (stdout, stderr) = (logs.join("stdout"), logs.join("stderr"));
	let mut child = Command::new(client_binary())
		.args(["--url", &node.ws_url()])
		.env("XMBL_SURI", OWNER)
		.args(args)
		.stdout(File::create(&stdout).unwrap())
		.stderr(File::create(&stderr).unwrap())
		.stdin(Stdio::null())
		.spawn()
		.expect("run xmbl");
	let mut peak = 0;
	let status = loop {
		if let Some(sample) = peak_resident(child.id()) {
			peak = peak.max(sample);
		}
		if let Some(status) = child.try_wait().unwrap() {
			break status;
		}
		thread::sleep(SAMPLE_EVERY);
	};
	let errors = std::fs::read_to_string(&stderr).unwrap();
	assert!(status.success(), "xmbl {args:?}: {status}\n{errors}\n{}", node.log_tail(40));
	let output = serde_json::from_slice(&std::fs::read(&stdout).unwrap())
		.unwrap_or_else(|error| panic!("xmbl {args:?} printed no JSON ({error})"));
	(output, peak)
}

fn blake3_of(path: &Path) -> blake3::Hash {
	let mut hasher = blake3::Hasher::new();
	hasher.update_reader(File::open(path).unwrap()).unwrap();
	hasher.finalize()
}

#[test]
fn put_and_get_of_a_large_file_stay_under_a_memory_bound() {
	let (node, _ports) = start_dev_node_with_own_provider_ports("memory", 0x5704);

	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("large.bin");
	let mut writer = File::create(&file).unwrap();
	const CHUNK: usize = 8 << 20;
	for seed in 0..(FILE_BYTES / CHUNK) as u64 {
		writer.write_all(&random_bytes(CHUNK, 0x3e3_0000 + seed)).unwrap();
	}
	writer.sync_all().unwrap();
	drop(writer);

	let (put, put_peak) =
		xmbl_with_peak(&node, dir.path(), &["put", file.to_str().unwrap(), "--blocks", "20"]);
	assert_eq!(put["bytes"], FILE_BYTES as u64, "{put}");
	let id = put["deal"].as_u64().expect("a deal id").to_string();
	let root = put["file_root"].as_str().expect("a file root").to_owned();

	let out = dir.path().join("large.back");
	let (got, get_peak) = xmbl_with_peak(
		&node,
		dir.path(),
		&["get", &id, "-o", out.to_str().unwrap(), "--root", &root],
	);
	assert_eq!(got["bytes"], FILE_BYTES as u64, "{got}");
	assert_eq!(blake3_of(&out), blake3_of(&file), "get returned other bytes");

	for (command, peak) in [("put", put_peak), ("get", get_peak)] {
		assert!(peak > 4 << 20, "{command}: a peak of {peak} bytes was not measured");
		assert!(
			peak < PEAK_BOUND,
			"{command} of a {FILE_BYTES}-byte file peaked at {} MiB, over {} MiB",
			peak >> 20,
			PEAK_BOUND >> 20
		);
	}
}
