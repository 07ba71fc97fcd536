//! AEAD throughput on one core: this crate (ring AES-256-GCM) against RustCrypto's AES-256-GCM
//! and XChaCha20-Poly1305 on the same segments, to keep the choice of cipher measured.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use xmbl_cipher::{FileKey, SegmentCipher, TAG_LEN};

const SIZES: [usize; 2] = [64 << 10, 1 << 20];

fn aead(c: &mut Criterion) {
	let mut group = c.benchmark_group("aead");
	for size in SIZES {
		group.throughput(Throughput::Bytes(size as u64));
		let key = FileKey::from_bytes([7; 32]);
		let cipher = SegmentCipher::new(&key, [1; 7]);
		let mut buffer = vec![3u8; size + TAG_LEN];
		group.bench_with_input(
			BenchmarkId::new("xmbl-cipher ring aes-256-gcm seal", size),
			&size,
			|b, _| b.iter(|| cipher.seal_in_place(5, false, &mut buffer).unwrap()),
		);
		let mut sealed = vec![3u8; size + TAG_LEN];
		cipher.seal_in_place(5, false, &mut sealed).unwrap();
		group.bench_with_input(
			BenchmarkId::new("xmbl-cipher ring aes-256-gcm open", size),
			&size,
			|b, _| {
				b.iter(|| {
					buffer.copy_from_slice(&sealed);
					cipher.open_in_place(5, false, &mut buffer).unwrap().len()
				})
			},
		);

		{
			use aes_gcm::{aead::AeadInPlace, Aes256Gcm, KeyInit};
			let cipher = Aes256Gcm::new_from_slice(&[7; 32]).unwrap();
			let mut plain = vec![3u8; size];
			group.bench_with_input(
				BenchmarkId::new("rustcrypto aes-gcm seal", size),
				&size,
				|b, _| {
					b.iter(|| {
						cipher
							.encrypt_in_place_detached((&[1u8; 12]).into(), b"", &mut plain)
							.unwrap()
					})
				},
			);
		}
		{
			use chacha20poly1305::{aead::AeadInPlace, KeyInit, XChaCha20Poly1305};
			let cipher = XChaCha20Poly1305::new_from_slice(&[7; 32]).unwrap();
			let mut plain = vec![3u8; size];
			group.bench_with_input(
				BenchmarkId::new("rustcrypto xchacha20-poly1305 seal", size),
				&size,
				|b, _| {
					b.iter(|| {
						cipher
							.encrypt_in_place_detached((&[1u8; 24]).into(), b"", &mut plain)
							.unwrap()
					})
				},
			);
		}
	}
	group.finish();
}

criterion_group!(benches, aead);
criterion_main!(benches);
