//! Erasure coding throughput on one core: this crate's wrapper against the raw
//! `reed-solomon-simd` and `reed-solomon-erasure` crates on XMBL's parameters, in one run.
//! Throughput is segment (data) bytes per second. The columns are timed one after the other, so
//! under other processes' load their quotients are unreliable: `benches/ratio.rs` measures the
//! wrapper/raw ratios alternately.

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};
use xmbl_erasure::{Decoder, Encoder, Layout};

mod common;

const PARAMS: [(usize, usize); 3] = [(4, 2), (10, 4), (16, 8)];
const SEGMENTS: [usize; 2] = [256 << 10, 1 << 20];

fn segment(len: usize) -> Vec<u8> {
	(0..len).map(|i| (i * 31 + i / 7) as u8).collect()
}

fn encode(c: &mut Criterion) {
	let mut group = c.benchmark_group("encode");
	for (k, m) in PARAMS {
		for len in SEGMENTS {
			group.throughput(Throughput::Bytes(len as u64));
			let layout = Layout::new(k, m).unwrap();
			let piece_len = layout.piece_len(len);
			let mut data = segment(len);
			data.resize(k * piece_len, 0);
			let id = format!("{k}+{m}/{}KiB", len >> 10);

			let mut encoder = Encoder::new(layout);
			let mut parity = vec![0u8; m * piece_len];
			group.bench_function(BenchmarkId::new("xmbl-erasure", &id), |b| {
				b.iter(|| encoder.encode(piece_len, &data, &mut parity).unwrap())
			});

			let mut raw = ReedSolomonEncoder::new(k, m, piece_len).unwrap();
			group.bench_function(BenchmarkId::new("reed-solomon-simd", &id), |b| {
				b.iter(|| {
					raw.reset(k, m, piece_len).unwrap();
					for piece in data.chunks_exact(piece_len) {
						raw.add_original_shard(piece).unwrap();
					}
					raw.encode()
						.unwrap()
						.recovery_iter()
						.map(|piece| piece[0])
						.fold(0u8, |a, b| a ^ b)
				})
			});

			let rse = reed_solomon_erasure::galois_8::ReedSolomon::new(k, m).unwrap();
			let mut shards: Vec<Vec<u8>> = data
				.chunks_exact(piece_len)
				.map(<[u8]>::to_vec)
				.chain((0..m).map(|_| vec![0u8; piece_len]))
				.collect();
			group.bench_function(BenchmarkId::new("reed-solomon-erasure", &id), |b| {
				b.iter(|| rse.encode(&mut shards).unwrap())
			});
		}
	}
	group.finish();
}

/// Decoding with the first m data pieces lost (the worst case: m pieces to rebuild).
fn decode(c: &mut Criterion) {
	let mut group = c.benchmark_group("decode");
	for (k, m) in PARAMS {
		for len in SEGMENTS {
			group.throughput(Throughput::Bytes(len as u64));
			let layout = Layout::new(k, m).unwrap();
			let piece_len = layout.piece_len(len);
			let pieces =
				xmbl_erasure::encode_segment(&mut Encoder::new(layout), &segment(len)).unwrap();
			let kept: Vec<(usize, &[u8])> = (m..k + m)
				.map(|index| (index, &pieces[index * piece_len..][..piece_len]))
				.collect();
			let id = format!("{k}+{m}/{}KiB", len >> 10);

			let mut decoder = Decoder::new(layout);
			let mut out = vec![0u8; k * piece_len];
			group.bench_function(BenchmarkId::new("xmbl-erasure", &id), |b| {
				b.iter(|| decoder.decode(piece_len, &kept, &mut out).unwrap())
			});

			// In place: the present data pieces are already where they belong (as when the
			// pipeline reads data shards straight into the segment); only the m lost ones are
			// written.
			let mut data = pieces[..k * piece_len].to_vec();
			let missing: Vec<usize> = (0..m).collect();
			let parity: Vec<(usize, &[u8])> =
				kept.iter().copied().filter(|&(i, _)| i >= k).collect();
			group.bench_function(BenchmarkId::new("xmbl-erasure-restore", &id), |b| {
				b.iter(|| decoder.restore(piece_len, &mut data, &missing, &parity).unwrap())
			});

			let mut raw = ReedSolomonDecoder::new(k, m, piece_len).unwrap();
			group.bench_function(BenchmarkId::new("reed-solomon-simd", &id), |b| {
				b.iter(|| {
					raw.reset(k, m, piece_len).unwrap();
					for &(index, piece) in &kept {
						if index < k {
							raw.add_original_shard(index, piece).unwrap();
						} else {
							raw.add_recovery_shard(index - k, piece).unwrap();
						}
					}
					raw.decode()
						.unwrap()
						.restored_original_iter()
						.map(|(_, piece)| piece[0])
						.fold(0u8, |a, b| a ^ b)
				})
			});

			let rse = reed_solomon_erasure::galois_8::ReedSolomon::new(k, m).unwrap();
			// Its own parity: reed-solomon-erasure codes over GF(2^8), not GF(2^16).
			let mut full: Vec<Vec<u8>> =
				pieces.chunks_exact(piece_len).map(<[u8]>::to_vec).collect();
			rse.encode(&mut full).unwrap();
			let mut shards: Vec<Option<Vec<u8>>> = full.into_iter().map(Some).collect();
			group.bench_function(BenchmarkId::new("reed-solomon-erasure", &id), |b| {
				b.iter(|| {
					for (index, shard) in shards.iter_mut().enumerate() {
						if index < m {
							*shard = None;
						}
					}
					rse.reconstruct_data(&mut shards).unwrap()
				})
			});
		}
	}
	group.finish();
}

criterion_group! {
	name = benches;
	config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
	targets = encode, decode
}

fn main() {
	// The wrapper's and the raw crate's work buffers at the same offset in a cache line.
	common::rerun_with_fixed_mmap_threshold();
	benches();
	Criterion::default().configure_from_args().final_summary();
}
