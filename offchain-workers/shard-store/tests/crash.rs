//! Crash safety: a child process writing shards is killed with SIGKILL at random points; after
//! every kill the reopened store holds only whole shards that verify against their roots.
//!
//! The child is this test executable itself, re-run on the same test with `CHILD_DIR_VAR` and
//! `CHILD_SEED_VAR` set, which make it write shards until it is killed instead of checking.

use std::{
	fs,
	io::Read,
	path::Path,
	process::{Command, Stdio},
	time::Duration,
};

use rand::{rngs::StdRng, Rng, SeedableRng};
use xmbl_merkle::{verify, Layout, LEAF_LEN};
use xmbl_shard_store::ShardStore;

const CHILD_DIR_VAR: &str = "XMBL_SHARD_STORE_CRASH_CHILD_DIR";
const CHILD_SEED_VAR: &str = "XMBL_SHARD_STORE_CRASH_CHILD_SEED";

/// The child's work: writes, rejected writes and deletes drawn from `seed`, until killed.
fn write_shards_until_killed(dir: &str, seed: &str) -> ! {
	let (store, _) = ShardStore::open(dir, u64::MAX).unwrap();
	let mut rng = StdRng::seed_from_u64(seed.parse().unwrap());
	loop {
		let len = rng.gen_range(0..6 * LEAF_LEN as usize);
		let mut data = vec![0u8; len];
		rng.fill(&mut data[..]);
		let root = *blake3::hash(&data).as_bytes();
		match rng.gen_range(0..10) {
			// A rejected write: the wrong root.
			0 => {
				let mut wrong = root;
				wrong[31] ^= 0x80;
				store.put(wrong, len as u64, &data[..]).unwrap_err();
			},
			// Delete a stored shard.
			1 => {
				if let Some(victim) = store.list().first() {
					store.delete(victim).unwrap();
				}
			},
			// A streamed write in uneven pieces.
			_ => {
				let mut writer = store.begin_write(root, len as u64).unwrap();
				let mut rest = &data[..];
				while !rest.is_empty() {
					let n = rng.gen_range(1..=rest.len().min(20_000));
					writer.write_chunk(&rest[..n]).unwrap();
					rest = &rest[n..];
				}
				writer.finish().unwrap();
			},
		}
	}
}

fn check_store(dir: &Path) -> usize {
	let (store, _) = ShardStore::open(dir, u64::MAX).unwrap();
	for name in fs::read_dir(dir).unwrap() {
		let name = name.unwrap().file_name().into_string().unwrap();
		assert!(!name.ends_with(".tmp"), "temporary file {name} left after open");
	}
	let roots = store.list();
	for root in &roots {
		let mut data = Vec::new();
		store.read(root).unwrap().read_to_end(&mut data).unwrap();
		assert_eq!(
			blake3::hash(&data).as_bytes(),
			root,
			"shard {} is not whole",
			hex::encode(root)
		);
		let len = data.len() as u64;
		assert_eq!(store.shard_len(root), Some(len));
		let last = Layout::new(len).leaf_count() - 1;
		let indices: Vec<u64> = if last == 0 { vec![0] } else { vec![0, last] };
		let (leaves, proof) = store.prove(root, &indices).unwrap();
		let leaves: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
		assert_eq!(verify(root, len, &indices, &leaves, &proof), Ok(()));
		store.verify(root).unwrap();
	}
	roots.len()
}

/// Fails if a reopened store holds a temporary file, a shard that does not hash to its root
/// or whose proof does not verify, if a child stops before it is killed, or if no child ever
/// stored a shard (so the checks checked nothing).
#[test]
fn sigkill_during_writes_leaves_only_whole_verified_shards() {
	if let (Ok(dir), Ok(seed)) = (std::env::var(CHILD_DIR_VAR), std::env::var(CHILD_SEED_VAR)) {
		write_shards_until_killed(&dir, &seed);
	}
	let dir = tempfile::tempdir().unwrap();
	let exe = std::env::current_exe().unwrap();
	let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
	let mut seen_shards = 0;
	for iteration in 0..20u64 {
		let mut child = Command::new(&exe)
			.args([
				"--exact",
				"sigkill_during_writes_leaves_only_whole_verified_shards",
				"--nocapture",
				"--test-threads=1",
			])
			.env(CHILD_DIR_VAR, dir.path())
			.env(CHILD_SEED_VAR, (1000 + iteration).to_string())
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.unwrap();
		std::thread::sleep(Duration::from_millis(rng.gen_range(30..400)));
		assert!(child.try_wait().unwrap().is_none(), "the child stopped on its own");
		// `Child::kill` sends SIGKILL on Unix.
		child.kill().unwrap();
		let status = child.wait().unwrap();
		assert!(!status.success());
		seen_shards = seen_shards.max(check_store(dir.path()));
	}
	assert!(seen_shards > 0, "the children never stored a shard");
}
