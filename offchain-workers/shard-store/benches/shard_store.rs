//! Write (hash, outboard, fsync, rename, directory fsync) and read throughput of 64 MiB
//! shards, and proofs of 8 leaves read from disk.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use std::{
	io::Read,
	time::{Duration, Instant},
};
use xmbl_merkle::challenged_leaves;
use xmbl_shard_store::ShardStore;

const SHARD_LEN: usize = 64 << 20;

fn shard() -> Vec<u8> {
	let mut shard = vec![0u8; SHARD_LEN];
	StdRng::seed_from_u64(0x2545_F491_4F6C_DD1D).fill_bytes(&mut shard);
	shard
}

fn benches(c: &mut Criterion) {
	let data = shard();
	let root = *blake3::hash(&data).as_bytes();
	// In the target directory's file system, not a RAM-backed /tmp: fsync must reach a disk.
	let base = std::env::var_os("CARGO_TARGET_DIR")
		.map(Into::into)
		.unwrap_or_else(std::env::temp_dir);
	let dir = tempfile::tempdir_in(base).unwrap();
	let (store, _) = ShardStore::open(dir.path(), u64::MAX).unwrap();

	let mut group = c.benchmark_group("shard_64MiB");
	group.sample_size(10).throughput(Throughput::Bytes(SHARD_LEN as u64));
	group.bench_function("write_with_fsync", |b| {
		b.iter_custom(|iterations| {
			let mut total = Duration::ZERO;
			for _ in 0..iterations {
				let start = Instant::now();
				store.put(root, SHARD_LEN as u64, &data[..]).unwrap();
				total += start.elapsed();
				store.delete(&root).unwrap();
			}
			total
		})
	});
	store.put(root, SHARD_LEN as u64, &data[..]).unwrap();
	let mut buf = Vec::with_capacity(SHARD_LEN);
	group.bench_function("read_whole", |b| {
		b.iter(|| {
			buf.clear();
			store.read(&root).unwrap().read_to_end(&mut buf).unwrap();
		})
	});
	group.finish();

	let indices = challenged_leaves(&[3; 32], SHARD_LEN as u64, 8);
	c.bench_function("prove_8_leaves_from_disk", |b| {
		b.iter(|| store.prove(&root, &indices).unwrap())
	});
}

criterion_group!(shard_store, benches);
criterion_main!(shard_store);
