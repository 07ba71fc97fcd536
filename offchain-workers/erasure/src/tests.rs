use super::*;
use proptest::prelude::*;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::sync::atomic::{AtomicUsize, Ordering};

fn random_segment(rng: &mut StdRng, len: usize) -> Vec<u8> {
	let mut segment = vec![0u8; len];
	rng.fill(&mut segment[..]);
	segment
}

/// Decodes from the pieces not in `lost`, handed over in shuffled order, and checks the data.
fn decode_without(
	decoder: &mut Decoder,
	rng: &mut StdRng,
	pieces: &[u8],
	piece_len: usize,
	lost: &[usize],
	segment: &[u8],
) {
	let layout = decoder.layout();
	let mut given: Vec<(usize, &[u8])> = (0..layout.total())
		.filter(|index| !lost.contains(index))
		.map(|index| (index, &pieces[index * piece_len..][..piece_len]))
		.collect();
	given.shuffle(rng);
	let mut out = vec![0xAAu8; layout.data() * piece_len];
	decoder.decode(piece_len, &given, &mut out).unwrap_or_else(|error| {
		panic!("{}+{} lost {lost:?}: {error}", layout.data(), layout.parity())
	});
	assert_eq!(&out[..segment.len()], segment, "{layout:?} lost {lost:?}");
	assert!(out[segment.len()..].iter().all(|&byte| byte == 0), "padding comes back as zeros");

	// The same in place: present data pieces where they belong, lost ones garbage.
	let k = layout.data();
	let mut data = pieces[..k * piece_len].to_vec();
	let mut missing: Vec<usize> = lost.iter().copied().filter(|&index| index < k).collect();
	for &index in &missing {
		data[index * piece_len..][..piece_len].fill(0x55);
	}
	missing.shuffle(rng);
	let mut parity: Vec<(usize, &[u8])> =
		given.into_iter().filter(|&(index, _)| index >= k).collect();
	parity.shuffle(rng);
	decoder
		.restore(piece_len, &mut data, &missing, &parity)
		.unwrap_or_else(|error| {
			panic!("restore {}+{} lost {lost:?}: {error}", layout.data(), layout.parity())
		});
	assert_eq!(data, out, "restore {layout:?} lost {lost:?}");
}

/// One segment coded under one layout, with the buffers to decode it from any loss set without
/// allocating.
struct RoundTrip {
	decoder: Decoder,
	segment: Vec<u8>,
	piece_len: usize,
	/// All `k + m` pieces, piece `i` at `i * piece_len`.
	pieces: Vec<u8>,
	out: Vec<u8>,
	data: Vec<u8>,
}

impl RoundTrip {
	/// A segment of `len` random bytes, none of them zero (a decoder that writes zeros fails).
	fn new(layout: Layout, rng: &mut StdRng, len: usize) -> Self {
		let segment: Vec<u8> = (0..len).map(|_| rng.gen_range(1..=u8::MAX)).collect();
		let pieces = encode_segment(&mut Encoder::new(layout), &segment).unwrap();
		let piece_len = layout.piece_len(len);
		let data_len = layout.data() * piece_len;
		Self {
			decoder: Decoder::new(layout),
			segment,
			piece_len,
			pieces,
			out: vec![0; data_len],
			data: vec![0; data_len],
		}
	}

	/// Decodes the segment from the pieces not in `lost` (bit `i` set: piece `i` lost) with
	/// `decode`, and with `restore` if asked, and checks that the segment and its zero padding
	/// come back. The pieces are handed over in an order that depends on `turn`: index order,
	/// reversed if `turn` is odd, rotated left by `turn / 2` (`restore` takes its parity pieces
	/// in that order and its missing indices rotated by `turn`). Every byte the decoder should write starts as the
	/// complement of its correct value, so a decoder that leaves any of it alone fails.
	fn check(&mut self, lost: u32, turn: usize, restore: bool) {
		let layout = self.decoder.layout();
		let (k, total, piece_len) = (layout.data(), layout.total(), self.piece_len);
		let data_len = k * piece_len;
		let fail = |what: &str, error: &dyn std::fmt::Display| -> ! {
			let lost: Vec<usize> = (0..total).filter(|index| lost & 1 << index != 0).collect();
			let len = self.segment.len();
			panic!("{what} {k}+{}, {len}-byte segment, lost {lost:?}: {error}", layout.parity())
		};

		let mut given = [(0, &[][..]); MAX_DATA_PIECES + MAX_PARITY_PIECES];
		let mut count = 0;
		for index in (0..total).filter(|index| lost & 1 << index == 0) {
			given[count] = (index, &self.pieces[index * piece_len..][..piece_len]);
			count += 1;
		}
		let given = &mut given[..count];
		if turn % 2 == 1 {
			given.reverse();
		}
		given.rotate_left(turn / 2 % count.max(1));

		for (out, byte) in self.out.iter_mut().zip(&self.pieces) {
			*out = !byte;
		}
		if let Err(error) = self.decoder.decode(piece_len, given, &mut self.out) {
			fail("decode", &error);
		}
		let (segment, padding) = self.out.split_at(self.segment.len());
		if segment != self.segment || padding.iter().any(|&byte| byte != 0) {
			fail(
				"decode",
				&format_args!("wrong bytes {:?}, expected {:?}", self.out, self.segment),
			);
		}
		if !restore {
			return;
		}

		// In place: present data pieces where they belong, lost ones garbage.
		let mut missing = [0; MAX_DATA_PIECES];
		let mut missing_count = 0;
		self.data.copy_from_slice(&self.pieces[..data_len]);
		for index in (0..k).filter(|index| lost & 1 << index != 0) {
			self.data[index * piece_len..][..piece_len]
				.iter_mut()
				.for_each(|byte| *byte = !*byte);
			missing[missing_count] = index;
			missing_count += 1;
		}
		let missing = &mut missing[..missing_count];
		missing.rotate_left(turn % missing_count.max(1));
		let mut parity = [(0, &[][..]); MAX_PARITY_PIECES];
		let mut parity_count = 0;
		for &(index, bytes) in given.iter().filter(|&&(index, _)| index >= k) {
			parity[parity_count] = (index, bytes);
			parity_count += 1;
		}
		if let Err(error) =
			self.decoder
				.restore(piece_len, &mut self.data, missing, &parity[..parity_count])
		{
			fail("restore", &error);
		}
		if self.data != self.out {
			fail("restore", &format_args!("wrong bytes {:?}, expected {:?}", self.data, self.out));
		}
	}
}

/// Calls `visit` with every subset of `0..n` (`n <= 31`) of at most `max` elements, as a bit set,
/// by size and within a size in increasing order.
fn for_each_loss_set(n: usize, max: usize, mut visit: impl FnMut(u32)) {
	visit(0);
	for size in 1..=max.min(n) {
		let mut set: u32 = (1 << size) - 1;
		while set < 1 << n {
			visit(set);
			// The next larger number with as many bits set (Gosper's hack).
			let lowest = set & set.wrapping_neg();
			let ripple = set + lowest;
			set = ripple | (((set ^ ripple) >> 2) / lowest);
		}
	}
}

/// A random subset of `0..n` of `size` elements.
fn random_loss_set(rng: &mut StdRng, n: usize, size: usize) -> u32 {
	let mut set = 0u32;
	while (set.count_ones() as usize) < size {
		set |= 1 << rng.gen_range(0..n);
	}
	set
}

fn binomial(n: usize, r: usize) -> u64 {
	(0..r).fold(1u64, |acc, i| acc * (n - i) as u64 / (i + 1) as u64)
}

/// Every loss set is tried for the (k, m) that have at most this many loss sets of 0..=m pieces.
/// A decode that rebuilds a data piece costs `reed-solomon-simd` about 1 ms whatever the piece
/// length (it evaluates the erasure locator over all of GF(2^16)), so the 5,657,514 loss sets
/// of the whole grid (5,648,836 of them rebuilding) take about two hours of CPU.
const EXHAUSTIVE_UP_TO: u64 = 1500;
/// Where there are more: every loss set of at most this many pieces ...
const EVERY_SET_UP_TO: usize = 1;
/// ... and, for every larger size up to m, the first pieces (data first), the last ones (parity
/// only) and this many random sets.
const RANDOM_SETS_PER_SIZE: usize = 10;
/// Every this many loss sets one is also restored in place with `restore` (it costs what a decode
/// costs). Odd, so that both segments of a layout get their share.
const RESTORE_EVERY: usize = 9;

/// Loss sets of `n` pieces of at most `max` elements.
fn loss_sets_up_to(n: usize, max: usize) -> u64 {
	(0..=max).map(|size| binomial(n, size)).sum()
}

/// Every k in 1..=16 and m in 0..=8.
fn grid() -> impl Iterator<Item = (usize, usize)> {
	(1..=16).flat_map(|k| (0..=8).map(move |m| (k, m)))
}

/// Checks loss sets of every k in 1..=16 and m in 0..=8 on two threads: every loss set of
/// 0..=m pieces where there are at most `exhaustive_up_to`, the sample above otherwise. Loss
/// sets alternate between a segment of 2k bytes (2-byte pieces) and one of 2k + 1 (4-byte
/// pieces, padded); every [`RESTORE_EVERY`]th is also restored in place. Returns how many loss
/// sets were decoded.
fn check_grid(exhaustive_up_to: u64) -> u64 {
	let mut jobs: Vec<(usize, usize)> = grid().collect();
	// Largest first, so that the two threads finish together.
	jobs.sort_by_key(|&(k, m)| std::cmp::Reverse(pair_loss_sets(k, m, exhaustive_up_to)));
	let next = AtomicUsize::new(0);
	let worker = || {
		let mut checked = 0;
		while let Some(&(k, m)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
			let layout = Layout::new(k, m).unwrap();
			let mut rng = StdRng::seed_from_u64((k * 100 + m) as u64);
			let mut round_trips = [
				RoundTrip::new(layout, &mut rng, 2 * k),
				RoundTrip::new(layout, &mut rng, 2 * k + 1),
			];
			let mut turn = 0;
			let mut check = |lost: u32| {
				round_trips[turn % 2].check(lost, turn / 2, turn % RESTORE_EVERY == 0);
				turn += 1;
			};
			let n = k + m;
			if loss_sets_up_to(n, m) <= exhaustive_up_to {
				for_each_loss_set(n, m, &mut check);
			} else {
				for_each_loss_set(n, EVERY_SET_UP_TO.min(m), &mut check);
				for size in EVERY_SET_UP_TO + 1..=m {
					check((1 << size) - 1);
					check(((1 << size) - 1) << (n - size));
					for _ in 0..RANDOM_SETS_PER_SIZE {
						check(random_loss_set(&mut rng, n, size));
					}
				}
			}
			checked += turn as u64;
		}
		checked
	};
	std::thread::scope(|scope| {
		let other = scope.spawn(worker);
		worker() + other.join().unwrap()
	})
}

/// How many loss sets [`check_grid`] decodes for (k, m), counted without enumerating them.
fn pair_loss_sets(k: usize, m: usize, exhaustive_up_to: u64) -> u64 {
	let all = loss_sets_up_to(k + m, m);
	if all <= exhaustive_up_to {
		return all;
	}
	let larger = m.saturating_sub(EVERY_SET_UP_TO);
	loss_sets_up_to(k + m, EVERY_SET_UP_TO.min(m)) + (larger * (2 + RANDOM_SETS_PER_SIZE)) as u64
}

/// How many loss sets [`check_grid`] decodes, counted without enumerating them.
fn grid_loss_sets(exhaustive_up_to: u64) -> u64 {
	grid().map(|(k, m)| pair_loss_sets(k, m, exhaustive_up_to)).sum()
}

/// Every k in 1..=16 and m in 0..=8, pieces handed over in varying order, alternately a
/// segment that fills 2-byte pieces and one that pads 4-byte ones, each loss set decoded with
/// `decode` and every ninth also restored in place with `restore`:
/// - every loss set of 0..=m pieces for the 90 pairs that have at most 1500
///   ([`EXHAUSTIVE_UP_TO`]): m <= 3 with any k, k <= 10 with m = 4, k <= 6 with m = 5,
///   k <= 5 with m = 6, k <= 3 with m = 7, k <= 2 with m = 8 (every pair with k + m <= 10
///   among them), 21,297 sets;
/// - for the other 54 pairs, no loss, every single loss, and for each size 2..=m the first
///   pieces, the last pieces and 10 random sets, 4,445 sets.
///
/// [`every_loss_set_decodes_for_every_k_and_m`] (ignored) is the whole grid.
#[test]
fn loss_sets_decode_for_every_k_and_m() {
	assert_eq!(grid_loss_sets(EXHAUSTIVE_UP_TO), 21_297 + 4_445);
	assert_eq!(check_grid(EXHAUSTIVE_UP_TO), 21_297 + 4_445);
}

/// The whole grid: every loss set of 0..=m pieces for every k in 1..=16 and m in 0..=8,
/// 5,657,514 sets (1,271,626 at 16 + 8), every ninth also restored. About two hours of CPU (an
/// hour on two cores): run it by hand, `cargo test -p xmbl-erasure -- --ignored`.
#[test]
#[ignore = "over an hour"]
fn every_loss_set_decodes_for_every_k_and_m() {
	assert_eq!(grid_loss_sets(u64::MAX), 5_657_514);
	assert_eq!(check_grid(u64::MAX), 5_657_514);
}

/// The enumeration [`every_loss_set_decodes_for_every_k_and_m`] relies on, at its largest:
/// every subset of at most 8 of 24 pieces, each once.
#[test]
fn loss_sets_are_enumerated_once_each() {
	let mut seen = vec![0u64; (1 << 24) / 64];
	let mut count = 0;
	for_each_loss_set(24, 8, |set| {
		assert!(set < 1 << 24 && set.count_ones() <= 8, "{set:#x}");
		let (word, bit) = (set as usize / 64, set % 64);
		assert_eq!(seen[word] & 1 << bit, 0, "{set:#x} twice");
		seen[word] |= 1 << bit;
		count += 1;
	});
	assert_eq!(count, loss_sets_up_to(24, 8));
	assert_eq!(count, 1_271_626);
}

/// What [`loss_sets_decode_for_every_k_and_m`] does not reach: 32 + 32 and pieces longer
/// than `reed-solomon-simd`'s 64-byte blocks (a 1000-byte segment: 100-byte pieces at 10 + 4,
/// 32-byte ones at 32 + 32). 10 random loss sets of each size 0..=m, shuffled order, each
/// decoded with `decode` and `restore`.
#[test]
fn long_pieces_and_32_plus_32_decode() {
	let mut rng = StdRng::seed_from_u64(2);
	for (k, m) in [(10, 4), (32, 32)] {
		let layout = Layout::new(k, m).unwrap();
		let mut encoder = Encoder::new(layout);
		let mut decoder = Decoder::new(layout);
		let segment = random_segment(&mut rng, 1000);
		let pieces = encode_segment(&mut encoder, &segment).unwrap();
		let piece_len = layout.piece_len(segment.len());
		for lost_count in 0..=m {
			for _ in 0..10 {
				let mut indices: Vec<usize> = (0..k + m).collect();
				indices.shuffle(&mut rng);
				decode_without(
					&mut decoder,
					&mut rng,
					&pieces,
					piece_len,
					&indices[..lost_count],
					&segment,
				);
			}
		}
	}
}

#[test]
fn piece_len_is_even_and_covers_the_segment() {
	let layout = Layout::new(4, 2).unwrap();
	assert_eq!(layout.piece_len(0), 2);
	assert_eq!(layout.piece_len(1), 2);
	assert_eq!(layout.piece_len(8), 2);
	assert_eq!(layout.piece_len(9), 4);
	assert_eq!(layout.piece_len(1 << 20), 1 << 18);
	assert_eq!(Layout::new(3, 0).unwrap().piece_len(10), 4);
}

#[test]
fn k_1_parity_pieces_are_copies_and_m_0_has_no_parity() {
	let mut encoder = Encoder::new(Layout::new(1, 3).unwrap());
	let pieces = encode_segment(&mut encoder, b"abcd").unwrap();
	assert_eq!(pieces, b"abcdabcdabcdabcd");
	let mut encoder = Encoder::new(Layout::new(3, 0).unwrap());
	let pieces = encode_segment(&mut encoder, b"abcdefg").unwrap();
	assert_eq!(pieces, b"abcdefg\0\0\0\0\0");
}

#[test]
fn invalid_parameters_are_refused() {
	for (data, parity) in [(0, 0), (0, 2), (33, 0), (4, 33)] {
		assert_eq!(
			Layout::new(data, parity),
			Err(ErasureError::InvalidParameters { data, parity })
		);
	}
	assert!(Layout::new(32, 32).is_ok());
}

#[test]
fn bad_buffers_and_pieces_are_refused() {
	let layout = Layout::new(4, 2).unwrap();
	let mut encoder = Encoder::new(layout);
	let mut decoder = Decoder::new(layout);
	let segment = [7u8; 16];
	let pieces = encode_segment(&mut encoder, &segment).unwrap();
	let piece = |index: usize| &pieces[index * 4..][..4];
	let mut out = vec![0u8; 16];

	assert_eq!(encoder.encode(3, &[0; 12], &mut [0; 6]), Err(ErasureError::InvalidPieceLength(3)));
	assert_eq!(encoder.encode(0, &[], &mut []), Err(ErasureError::InvalidPieceLength(0)));
	assert_eq!(
		encoder.encode(4, &[0; 15], &mut [0; 8]),
		Err(ErasureError::BufferLength { what: "data", expected: 16, got: 15 })
	);
	assert_eq!(
		encoder.encode(4, &[0; 16], &mut [0; 4]),
		Err(ErasureError::BufferLength { what: "parity", expected: 8, got: 4 })
	);
	assert_eq!(
		decoder.decode(4, &[(0, piece(0)), (1, piece(1)), (6, piece(2)), (3, piece(3))], &mut out),
		Err(ErasureError::PieceIndexOutOfRange { index: 6, total: 6 })
	);
	assert_eq!(
		decoder.decode(4, &[(0, piece(0)), (1, piece(1)), (1, piece(1)), (3, piece(3))], &mut out),
		Err(ErasureError::DuplicatePiece(1))
	);
	assert_eq!(
		decoder.decode(
			4,
			&[(0, piece(0)), (1, &piece(1)[..2]), (2, piece(2)), (3, piece(3))],
			&mut out
		),
		Err(ErasureError::PieceLength { index: 1, expected: 4, got: 2 })
	);
	assert_eq!(
		decoder.decode(4, &[(0, piece(0)), (5, piece(5)), (3, piece(3))], &mut out),
		Err(ErasureError::NotEnoughPieces { needed: 4, got: 3 })
	);
	assert_eq!(
		decoder.decode(
			4,
			&[(0, piece(0)), (1, piece(1)), (2, piece(2)), (3, piece(3))],
			&mut out[..8]
		),
		Err(ErasureError::BufferLength { what: "output", expected: 16, got: 8 })
	);
	// After every refusal the same decoder still decodes.
	decoder
		.decode(4, &[(5, piece(5)), (1, piece(1)), (4, piece(4)), (3, piece(3))], &mut out)
		.unwrap();
	assert_eq!(out, segment);
}

#[test]
fn bad_restore_arguments_are_refused() {
	let layout = Layout::new(4, 2).unwrap();
	let mut decoder = Decoder::new(layout);
	let segment: Vec<u8> = (0..16).collect();
	let pieces = encode_segment(&mut Encoder::new(layout), &segment).unwrap();
	let piece = |index: usize| &pieces[index * 4..][..4];
	let mut data = pieces[..16].to_vec();

	assert_eq!(
		decoder.restore(3, &mut data[..12], &[0], &[(4, &piece(4)[..3])]),
		Err(ErasureError::InvalidPieceLength(3))
	);
	assert_eq!(
		decoder.restore(4, &mut data[..12], &[0], &[(4, piece(4))]),
		Err(ErasureError::BufferLength { what: "data", expected: 16, got: 12 })
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[4], &[(4, piece(4))]),
		Err(ErasureError::NotADataPiece { index: 4, data: 4 })
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[1, 1], &[(4, piece(4)), (5, piece(5))]),
		Err(ErasureError::DuplicatePiece(1))
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[1], &[(2, piece(2))]),
		Err(ErasureError::NotAParityPiece { index: 2, data: 4 })
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[1], &[(6, piece(5))]),
		Err(ErasureError::PieceIndexOutOfRange { index: 6, total: 6 })
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[1], &[(4, piece(4)), (4, piece(4))]),
		Err(ErasureError::DuplicatePiece(4))
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[1], &[(5, &piece(5)[..2])]),
		Err(ErasureError::PieceLength { index: 5, expected: 4, got: 2 })
	);
	assert_eq!(
		decoder.restore(4, &mut data, &[0, 1, 2], &[(4, piece(4)), (5, piece(5))]),
		Err(ErasureError::NotEnoughPieces { needed: 4, got: 3 })
	);
	// Nothing missing: no parity needed, nothing written.
	decoder.restore(4, &mut data, &[], &[]).unwrap();
	assert_eq!(data, segment);
	// After every refusal the same decoder still restores.
	data[4..12].fill(0);
	decoder.restore(4, &mut data, &[2, 1], &[(5, piece(5)), (4, piece(4))]).unwrap();
	assert_eq!(data, segment);
	// m = 0 cannot restore anything; k = 1 restores from any copy.
	let mut single = pieces[..4].to_vec();
	assert_eq!(
		Decoder::new(Layout::new(1, 0).unwrap()).restore(4, &mut single, &[0], &[]),
		Err(ErasureError::NotEnoughPieces { needed: 1, got: 0 })
	);
	let copies =
		encode_segment(&mut Encoder::new(Layout::new(1, 2).unwrap()), &segment[..4]).unwrap();
	single.fill(0);
	Decoder::new(Layout::new(1, 2).unwrap())
		.restore(4, &mut single, &[0], &[(2, &copies[8..12])])
		.unwrap();
	assert_eq!(single, &segment[..4]);
}

/// Encoder and decoder state is reused across segments of different piece lengths.
#[test]
fn reused_coders_follow_changing_piece_lengths() {
	let mut rng = StdRng::seed_from_u64(3);
	let layout = Layout::new(10, 4).unwrap();
	let mut encoder = Encoder::new(layout);
	let mut decoder = Decoder::new(layout);
	for len in [5000, 64, 0, 70_000, 3] {
		let segment = random_segment(&mut rng, len);
		let pieces = encode_segment(&mut encoder, &segment).unwrap();
		decode_without(
			&mut decoder,
			&mut rng,
			&pieces,
			layout.piece_len(len),
			&[0, 3, 7, 9],
			&segment,
		);
	}
}

proptest! {
	#[test]
	fn random_layouts_lengths_and_losses(
		k in 1usize..=32,
		m in 0usize..=32,
		len in 0usize..5000,
		seed: u64,
	) {
		let mut rng = StdRng::seed_from_u64(seed);
		let layout = Layout::new(k, m).unwrap();
		let segment = random_segment(&mut rng, len);
		let pieces = encode_segment(&mut Encoder::new(layout), &segment).unwrap();
		let mut indices: Vec<usize> = (0..k + m).collect();
		indices.shuffle(&mut rng);
		let lost = rng.gen_range(0..=m);
		decode_without(&mut Decoder::new(layout), &mut rng, &pieces, layout.piece_len(len), &indices[..lost], &segment);
	}

	/// Arbitrary piece lists never panic the decoder: they decode or are refused.
	#[test]
	fn decoder_never_panics(
		k in 1usize..=8,
		m in 0usize..=8,
		piece_len in 0usize..12,
		pieces in proptest::collection::vec((0usize..20, proptest::collection::vec(any::<u8>(), 0..12)), 0..20),
	) {
		let layout = Layout::new(k, m).unwrap();
		let given: Vec<(usize, &[u8])> = pieces.iter().map(|(index, bytes)| (*index, &bytes[..])).collect();
		let mut out = vec![0u8; k * piece_len];
		let _ = Decoder::new(layout).decode(piece_len, &given, &mut out);
		let missing: Vec<usize> = pieces.iter().map(|(index, _)| *index).filter(|index| index % 3 == 0).collect();
		let _ = Decoder::new(layout).restore(piece_len, &mut out, &missing, &given);
	}
}
