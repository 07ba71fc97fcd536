//! Outboard build against raw BLAKE3 for several group sizes, proof generation, proof size and
//! verification on a 64 MiB shard, for the standard leaf size and its neighbours.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use std::{hint::black_box, time::Instant};
use xmbl_merkle::{
	challenged_leaves_in, prove, verify_layout, Layout, OutboardBuilder, GROUP_LOG, LEAF_LOG,
};

const SHARD_LEN: usize = 64 << 20;
const LEAF_LOGS: [u8; 5] = [0, 2, 3, 4, 5];
const GROUP_LOGS: [u8; 4] = [2, 3, 4, 5];

fn shard() -> Vec<u8> {
	let mut shard = vec![0u8; SHARD_LEN];
	StdRng::seed_from_u64(0x2545_F491_4F6C_DD1D).fill_bytes(&mut shard);
	shard
}

fn build(shard: &[u8], group_log: u8) -> ([u8; 32], Vec<u8>) {
	let mut builder = OutboardBuilder::with_group_log(group_log).unwrap();
	builder.update(shard);
	let (root, nodes) = builder.finalize();
	(*root.as_bytes(), nodes)
}

/// Raw BLAKE3 and outboard builds timed alternately, so that both see the same machine load;
/// prints the median of the per-round throughput ratios.
fn interleaved_ratio(shard: &[u8]) {
	for group_log in GROUP_LOGS {
		let mut ratios: Vec<f64> = (0..15)
			.map(|_| {
				let start = Instant::now();
				black_box(blake3::hash(black_box(shard)));
				let raw = start.elapsed().as_secs_f64();
				let start = Instant::now();
				black_box(build(black_box(shard), group_log));
				raw / start.elapsed().as_secs_f64()
			})
			.collect();
		ratios.sort_by(f64::total_cmp);
		println!("group_log {group_log}: outboard build / raw blake3 throughput, median of 15 alternating rounds: {:.2}", ratios[7]);
	}
}

fn benches(c: &mut Criterion) {
	let shard = shard();
	interleaved_ratio(&shard);
	let mut group = c.benchmark_group("build_64MiB");
	group.sample_size(10).throughput(Throughput::Bytes(SHARD_LEN as u64));
	group.bench_function("blake3_hash", |b| b.iter(|| blake3::hash(black_box(&shard))));
	for group_log in GROUP_LOGS {
		group.bench_with_input(
			BenchmarkId::new("outboard_group_log", group_log),
			&group_log,
			|b, &g| b.iter(|| build(black_box(&shard), g)),
		);
	}
	group.finish();

	for leaf_log in LEAF_LOGS {
		let group_log = leaf_log.max(GROUP_LOG);
		let layout = Layout::with_logs(SHARD_LEN as u64, leaf_log, group_log).unwrap();
		let (root, outboard) = build(&shard, group_log);
		for count in [1u32, 8] {
			let indices = challenged_leaves_in(&layout, &[9; 32], count);
			let proof = prove(&layout, &shard, &outboard, &indices).unwrap();
			let leaves: Vec<&[u8]> = indices
				.iter()
				.map(|&i| {
					let (start, len) = layout.leaf_range(i).unwrap();
					&shard[start as usize..(start + len) as usize]
				})
				.collect();
			let leaf_bytes: usize = leaves.iter().map(|l| l.len()).sum();
			println!(
				"leaf_log {leaf_log} (group_log {group_log}) leaves {count}: outboard {} B, proof {} nodes = {} B, \
				 leaf bytes {leaf_bytes} B, total {} B",
				outboard.len(),
				proof.nodes().len(),
				proof.nodes().len() * 32,
				proof.nodes().len() * 32 + leaf_bytes
			);
			let id = format!("leaf_log_{leaf_log}/leaves_{count}");
			if leaf_log == LEAF_LOG {
				c.bench_function(&format!("prove/{id}"), |b| {
					b.iter(|| {
						prove(&layout, &shard, black_box(&outboard), black_box(&indices)).unwrap()
					})
				});
			}
			c.bench_function(&format!("verify/{id}"), |b| {
				b.iter(|| {
					verify_layout(&layout, &root, &indices, black_box(&leaves), &proof).unwrap()
				})
			});
		}
	}
}

criterion_group!(merkle, benches);
criterion_main!(merkle);
