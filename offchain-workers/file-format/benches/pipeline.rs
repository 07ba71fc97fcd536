//! The whole pipeline, file bytes per second: encode (encrypt + erasure-code + hash shard
//! roots) from memory to sink writers, decode (verify roots + erasure-decode + decrypt) with
//! the first m data shards lost, and rebuild of one shard (data shard 0 from shards 1..=k:
//! verify roots + erasure-decode + hash, no key) into memory, each on one rayon thread and on
//! every core.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::io::{self, Cursor};
use xmbl_file_format::{decode, encode, rebuild, EncodeParams, FileSecret};

const FILE_LEN: usize = 64 << 20;
const PARAMS: [(u8, u8); 3] = [(4, 2), (10, 4), (16, 8)];
const OWNER: &[u8] = b"benchmark owner seed";

fn pipeline(c: &mut Criterion) {
	let file: Vec<u8> = (0..FILE_LEN).map(|i| (i * 31 + i / 4099) as u8).collect();
	let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
	let mut group = c.benchmark_group("pipeline");
	group.throughput(Throughput::Bytes(FILE_LEN as u64));
	for threads in [1, cores] {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		for (k, m) in PARAMS {
			let params = EncodeParams::new(k, m);
			let id = format!("{k}+{m}/{threads}-thread");
			group.bench_function(BenchmarkId::new("encode 64MiB", &id), |b| {
				b.iter(|| {
					let mut sinks: Vec<io::Sink> = (0..k + m).map(|_| io::sink()).collect();
					pool.install(|| {
						encode(&file[..], &params, FileSecret::Owner(OWNER), &mut sinks).unwrap()
					})
				})
			});

			let mut shards = vec![Vec::new(); usize::from(k + m)];
			let manifest =
				encode(&file[..], &params, FileSecret::Owner(OWNER), &mut shards).unwrap();
			let mut out = Vec::with_capacity(FILE_LEN);
			group.bench_function(BenchmarkId::new("decode 64MiB, m data shards lost", &id), |b| {
				b.iter(|| {
					let offered: Vec<(usize, Cursor<&[u8]>)> = (usize::from(m)..shards.len())
						.map(|index| (index, Cursor::new(&shards[index][..])))
						.collect();
					out.clear();
					pool.install(|| {
						decode(&manifest, offered, FileSecret::Owner(OWNER), &mut out).unwrap()
					})
				})
			});

			let mut rebuilt = [Vec::with_capacity(shards[0].len())];
			group.bench_function(BenchmarkId::new("rebuild one shard", &id), |b| {
				b.iter(|| {
					let offered: Vec<(usize, Cursor<&[u8]>)> = (1..=usize::from(k))
						.map(|index| (index, Cursor::new(&shards[index][..])))
						.collect();
					rebuilt[0].clear();
					pool.install(|| rebuild(&manifest, offered, &[0], &mut rebuilt).unwrap())
				})
			});
		}
	}
	group.finish();
}

criterion_group! {
	name = benches;
	config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
	targets = pipeline
}
criterion_main!(benches);
