//! Round trips, rejected writes that leave nothing, the size limit, concurrency and recovery.

use std::{
	fs,
	io::{Read, Write},
	path::Path,
	sync::Barrier,
};

use rand::{rngs::StdRng, RngCore, SeedableRng};
use xmbl_merkle::{verify, GROUP_LEN, LEAF_LEN};
use xmbl_shard_store::{stored_size, PutOutcome, Root, ShardStore, StoreError};

const L: usize = LEAF_LEN as usize;
const G: usize = GROUP_LEN as usize;
const UNLIMITED: u64 = u64::MAX;

fn bytes(len: usize, seed: u64) -> Vec<u8> {
	let mut bytes = vec![0u8; len];
	StdRng::seed_from_u64(seed).fill_bytes(&mut bytes);
	bytes
}

fn root_of(data: &[u8]) -> Root {
	*blake3::hash(data).as_bytes()
}

fn dir_names(dir: &Path) -> Vec<String> {
	let mut names: Vec<String> = fs::read_dir(dir)
		.unwrap()
		.map(|e| e.unwrap().file_name().into_string().unwrap())
		.collect();
	names.sort();
	names
}

fn open(dir: &Path, limit: u64) -> ShardStore {
	ShardStore::open(dir, limit).unwrap().0
}

#[test]
fn round_trip_of_many_sizes() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let mut expected_usage = 0;
	for (i, len) in [0, 1, 1023, 1024, 1025, L - 1, L, L + 1, 5 * L + 7, 40 * L]
		.into_iter()
		.enumerate()
	{
		let data = bytes(len, i as u64);
		let root = root_of(&data);
		assert_eq!(store.put(root, len as u64, &data[..]).unwrap(), PutOutcome::Stored);
		expected_usage += stored_size(len as u64);
		let mut back = Vec::new();
		store.read(&root).unwrap().read_to_end(&mut back).unwrap();
		assert_eq!(back, data, "len {len}");
		assert_eq!(store.shard_len(&root), Some(len as u64));
		let leaf_count = xmbl_merkle::Layout::new(len as u64).leaf_count();
		let all: Vec<u64> = (0..leaf_count.min(64)).collect();
		let (leaves, proof) = store.prove(&root, &all).unwrap();
		let leaves: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
		assert_eq!(verify(&root, len as u64, &all, &leaves, &proof), Ok(()));
		let last = leaf_count - 1;
		let (start, _) = xmbl_merkle::Layout::new(len as u64).leaf_range(last).unwrap();
		assert_eq!(store.leaf(&root, last).unwrap(), &data[start as usize..]);
		store.verify(&root).unwrap();
	}
	assert_eq!(store.disk_usage(), expected_usage);
	assert_eq!(store.list().len(), 10);
	assert!(store.list().windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn streaming_writer_in_small_pieces() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let data = bytes(3 * L + 5, 1);
	let root = root_of(&data);
	let mut writer = store.begin_write(root, data.len() as u64).unwrap();
	for piece in data.chunks(777) {
		writer.write_all(piece).unwrap();
	}
	assert_eq!(writer.written(), data.len() as u64);
	assert_eq!(writer.finish().unwrap(), PutOutcome::Stored);
	let mut back = Vec::new();
	store.read(&root).unwrap().read_to_end(&mut back).unwrap();
	assert_eq!(back, data);
}

#[test]
fn writing_a_present_shard_is_idempotent() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let data = bytes(2 * L + 1, 2);
	let root = root_of(&data);
	assert_eq!(store.put(root, data.len() as u64, &data[..]).unwrap(), PutOutcome::Stored);
	let names = dir_names(dir.path());
	let usage = store.disk_usage();
	assert_eq!(store.put(root, data.len() as u64, &data[..]).unwrap(), PutOutcome::AlreadyPresent);
	// Two writers that both started before either finished.
	let mut writer = store.begin_write(root, data.len() as u64).unwrap();
	writer.write_chunk(&data).unwrap();
	assert_eq!(writer.finish().unwrap(), PutOutcome::AlreadyPresent);
	assert_eq!(dir_names(dir.path()), names);
	assert_eq!(store.disk_usage(), usage);
	assert_eq!(store.reserved(), 0);
}

#[test]
fn rejected_writes_leave_nothing_behind() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let kept = bytes(100, 9);
	store.put(root_of(&kept), 100, &kept[..]).unwrap();
	let before = dir_names(dir.path());
	let data = bytes(3 * L + 3, 3);
	let root = root_of(&data);
	let len = data.len() as u64;

	let mut wrong_root = root;
	wrong_root[0] ^= 1;
	match store.put(wrong_root, len, &data[..]) {
		Err(StoreError::RootMismatch { expected, actual }) => {
			assert_eq!((expected, actual), (wrong_root, root));
		},
		other => panic!("{other:?}"),
	}
	assert!(matches!(
		store.put(root, len + 1, &data[..]),
		Err(StoreError::TooShort { expected_len, actual_len }) if expected_len == len + 1 && actual_len == len
	));
	assert!(matches!(
		store.put(root, len - 1, &data[..]),
		Err(StoreError::TooLong { expected_len }) if expected_len == len - 1
	));
	let mut writer = store.begin_write(root, len).unwrap();
	assert!(matches!(
		writer.write_chunk(&[data.clone(), vec![0]].concat()),
		Err(StoreError::TooLong { .. })
	));
	assert!(matches!(writer.write_chunk(&[1]), Err(StoreError::WriteAborted)));
	assert!(matches!(writer.finish(), Err(StoreError::WriteAborted)));
	// A writer dropped halfway.
	let mut writer = store.begin_write(root, len).unwrap();
	writer.write_chunk(&data[..L]).unwrap();
	assert_eq!(dir_names(dir.path()).len(), before.len() + 2, "temporary files while writing");
	drop(writer);
	// A source that fails.
	struct Failing;
	impl Read for Failing {
		fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
			Err(std::io::Error::other("connection reset"))
		}
	}
	assert!(matches!(store.put(root, len, Failing), Err(StoreError::Source(_))));

	assert_eq!(dir_names(dir.path()), before);
	assert!(!store.contains(&root));
	assert_eq!(store.reserved(), 0);
	assert_eq!(store.disk_usage(), stored_size(100));
}

#[test]
fn missing_shards_are_not_found() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let root = [7; 32];
	assert!(matches!(store.read(&root), Err(StoreError::NotFound { root: r }) if r == root));
	assert!(matches!(store.leaf(&root, 0), Err(StoreError::NotFound { .. })));
	assert!(matches!(store.prove(&root, &[0]), Err(StoreError::NotFound { .. })));
	assert!(matches!(store.delete(&root), Err(StoreError::NotFound { .. })));
	let data = bytes(2 * L, 4);
	let present = root_of(&data);
	store.put(present, data.len() as u64, &data[..]).unwrap();
	assert!(matches!(store.leaf(&present, 2), Err(StoreError::Prove { .. })));
	assert!(matches!(store.prove(&present, &[1, 0]), Err(StoreError::Prove { .. })));
	assert!(matches!(store.prove(&present, &[]), Err(StoreError::Prove { .. })));
}

#[test]
fn delete_frees_space_and_files() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let data = bytes(5 * L, 5);
	let root = root_of(&data);
	store.put(root, data.len() as u64, &data[..]).unwrap();
	let reader = store.read(&root).unwrap();
	store.delete(&root).unwrap();
	assert!(dir_names(dir.path()).is_empty());
	assert_eq!(store.disk_usage(), 0);
	assert!(!store.contains(&root));
	// A reader opened before the delete still reads the whole shard.
	let mut back = Vec::new();
	{ reader }.read_to_end(&mut back).unwrap();
	assert_eq!(back, data);
}

/// How it fails: a store that reserved whole shards at `begin_write` lets the idle writer
/// block `c`; one that reserved nothing refuses nothing mid-write and exceeds the limit.
#[test]
fn size_limit_counts_the_bytes_writes_in_flight_have_written() {
	let dir = tempfile::tempdir().unwrap();
	let shard_len = 4 * L as u64;
	let limit = 2 * stored_size(shard_len) + 10;
	let store = open(dir.path(), limit);
	let a = bytes(shard_len as usize, 10);
	let b = bytes(shard_len as usize, 11);
	let c = bytes(shard_len as usize, 12);
	store.put(root_of(&a), shard_len, &a[..]).unwrap();
	// `b` has begun but written nothing: it holds no space, and `c` may begin.
	let mut writer_b = store.begin_write(root_of(&b), shard_len).unwrap();
	assert_eq!(store.reserved(), 0);
	let mut writer_c = store.begin_write(root_of(&c), shard_len).unwrap();
	writer_b.write_chunk(&b).unwrap();
	assert_eq!(store.reserved(), stored_size(shard_len));
	// `c` runs out of space at its first byte, and is aborted.
	match writer_c.write_chunk(&c[..L]) {
		Err(StoreError::OverLimit { used, reserved, limit: l, .. }) => {
			assert_eq!(
				(used, reserved, l),
				(stored_size(shard_len), stored_size(shard_len), limit)
			);
		},
		other => panic!("{other:?}"),
	}
	assert!(matches!(writer_c.write_chunk(&c[L..]), Err(StoreError::WriteAborted)));
	// A shard that cannot fit beside what is written is refused before any byte.
	assert!(matches!(
		store.begin_write(root_of(&c), shard_len),
		Err(StoreError::OverLimit { needed, .. }) if needed == stored_size(shard_len)
	));
	writer_b.finish().unwrap();
	assert!(matches!(store.put(root_of(&c), shard_len, &c[..]), Err(StoreError::OverLimit { .. })));
	assert!(store.disk_usage() <= limit);
	assert_eq!(store.reserved(), 0);
	store.delete(&root_of(&a)).unwrap();
	store.put(root_of(&c), shard_len, &c[..]).unwrap();
	assert_eq!(store.disk_usage(), 2 * stored_size(shard_len));
	assert!(!dir
		.path()
		.read_dir()
		.unwrap()
		.any(|entry| { entry.unwrap().file_name().to_string_lossy().contains(".tmp") }));
}

#[test]
fn a_reservation_holds_space_until_dropped() {
	let dir = tempfile::tempdir().unwrap();
	let shard_len = 4 * L as u64;
	let store = open(dir.path(), stored_size(shard_len) + 10);
	let scratch = store.reserve(20).unwrap();
	assert_eq!(store.reserved(), 20);
	let a = bytes(shard_len as usize, 13);
	assert!(matches!(store.put(root_of(&a), shard_len, &a[..]), Err(StoreError::OverLimit { .. })));
	assert!(matches!(store.reserve(stored_size(shard_len)), Err(StoreError::OverLimit { .. })));
	drop(scratch);
	assert_eq!(store.reserved(), 0);
	store.put(root_of(&a), shard_len, &a[..]).unwrap();
}

#[test]
fn concurrent_writes_never_exceed_the_limit() {
	let dir = tempfile::tempdir().unwrap();
	let shard_len = 2 * L as u64;
	let limit = 5 * stored_size(shard_len);
	let store = open(dir.path(), limit);
	let threads = 12;
	let barrier = Barrier::new(threads);
	let stored: usize = std::thread::scope(|scope| {
		let handles: Vec<_> = (0..threads)
			.map(|t| {
				let (store, barrier) = (store.clone(), &barrier);
				scope.spawn(move || {
					let data = bytes(shard_len as usize, 100 + t as u64);
					barrier.wait();
					match store.put(root_of(&data), shard_len, &data[..]) {
						Ok(PutOutcome::Stored) => 1,
						Err(StoreError::OverLimit { .. }) => 0,
						other => panic!("{other:?}"),
					}
				})
			})
			.collect();
		handles.into_iter().map(|h| h.join().unwrap()).sum()
	});
	// Writers that run out of space midway free what they held, so between one and five
	// finish; never more than fit.
	assert!((1..=5).contains(&stored), "{stored} stored");
	assert_eq!(store.disk_usage(), stored as u64 * stored_size(shard_len));
	assert_eq!(store.reserved(), 0);
	assert_eq!(store.list().len(), stored);
}

#[test]
fn reopen_keeps_shards_and_repairs_what_a_crash_or_damage_left() {
	let dir = tempfile::tempdir().unwrap();
	let store = open(dir.path(), UNLIMITED);
	let shards: Vec<Vec<u8>> = (0..4).map(|i| bytes(3 * G + i, 20 + i as u64)).collect();
	for s in &shards {
		store.put(root_of(s), s.len() as u64, &s[..]).unwrap();
	}
	let usage = store.disk_usage();
	drop(store);
	let hex = |s: &[u8]| hex::encode(root_of(s));
	let path = |name: String| dir.path().join(name);
	// 0: outboard missing; 1: outboard truncated; 2: shard bytes damaged and outboard gone;
	// plus a leftover temporary file, an orphan outboard and an unrelated file.
	fs::remove_file(path(format!("{}.outboard", hex(&shards[0])))).unwrap();
	let truncated = path(format!("{}.outboard", hex(&shards[1])));
	fs::write(&truncated, &fs::read(&truncated).unwrap()[..64]).unwrap();
	let damaged = path(format!("{}.shard", hex(&shards[2])));
	let mut bytes2 = fs::read(&damaged).unwrap();
	bytes2[5] ^= 1;
	fs::write(&damaged, bytes2).unwrap();
	fs::remove_file(path(format!("{}.outboard", hex(&shards[2])))).unwrap();
	fs::write(path(format!("{}.shard.1-1.tmp", hex(&shards[3]))), b"partial").unwrap();
	fs::write(path(format!("{}.outboard", hex::encode([9u8; 32]))), [0u8; 64]).unwrap();
	fs::write(path("README".into()), b"not a shard").unwrap();

	let (store, recovery) = ShardStore::open(dir.path(), UNLIMITED).unwrap();
	assert_eq!(recovery.shards, 3);
	assert_eq!(recovery.temp_files_removed, 1);
	assert_eq!(recovery.outboards_rebuilt, 2);
	assert_eq!(recovery.corrupt_shards_removed, 1);
	assert_eq!(recovery.orphan_outboards_removed, 1);
	let mut expected: Vec<Root> = [0, 1, 3].iter().map(|&i| root_of(&shards[i])).collect();
	expected.sort();
	assert_eq!(store.list(), expected);
	assert_eq!(store.disk_usage(), usage - stored_size(shards[2].len() as u64));
	for root in expected {
		store.verify(&root).unwrap();
		let (leaves, proof) = store.prove(&root, &[0, 2]).unwrap();
		let leaves: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
		assert_eq!(
			verify(&root, store.shard_len(&root).unwrap(), &[0, 2], &leaves, &proof),
			Ok(())
		);
	}
	assert_eq!(dir_names(dir.path()).len(), 3 * 2 + 1);

	// A scrub finds an outboard whose content (not length) was damaged.
	let outboard = path(format!("{}.outboard", hex(&shards[3])));
	let mut nodes = fs::read(&outboard).unwrap();
	nodes[0] ^= 1;
	fs::write(&outboard, nodes).unwrap();
	let root3 = root_of(&shards[3]);
	assert!(
		matches!(store.verify(&root3), Err(StoreError::OutboardMismatch { root }) if root == root3)
	);
}

#[test]
fn store_is_send_sync_and_errors_name_the_problem() {
	fn assert_send_sync<T: Send + Sync>() {}
	assert_send_sync::<ShardStore>();
	assert_send_sync::<xmbl_shard_store::ShardWriter>();
	let e = StoreError::RootMismatch { expected: [0xab; 32], actual: [0xcd; 32] };
	assert_eq!(
		e.to_string(),
		format!("shard bytes hash to {}, expected {}", "cd".repeat(32), "ab".repeat(32))
	);
	let e = StoreError::OverLimit { needed: 5, used: 6, reserved: 7, limit: 10 };
	assert!(e.to_string().contains("limit of 10 bytes (6 stored, 7 reserved"));
}
