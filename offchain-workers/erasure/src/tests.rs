use super::*;
use proptest::prelude::*;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

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

/// Calls `visit` with every subset of `0..n` of exactly `size` elements.
fn for_each_subset(n: usize, size: usize, visit: &mut impl FnMut(&[usize])) {
	fn walk(
		start: usize,
		n: usize,
		size: usize,
		chosen: &mut Vec<usize>,
		visit: &mut impl FnMut(&[usize]),
	) {
		if chosen.len() == size {
			visit(chosen);
			return;
		}
		for next in start..n {
			chosen.push(next);
			walk(next + 1, n, size, chosen, visit);
			chosen.pop();
		}
	}
	walk(0, n, size, &mut Vec::with_capacity(size), visit);
}

/// Loss sets of exactly m pieces decoded per (k, m): every one when there are at most this
/// many, otherwise this many drawn at random.
const EXHAUSTIVE_UP_TO: u64 = 100;

fn binomial(n: usize, r: usize) -> u64 {
	(0..r).fold(1u64, |acc, i| acc * (n - i) as u64 / (i + 1) as u64)
}

/// Every k in 1..=16 and m in 0..=8 with m pieces lost (each loss set leaves exactly k pieces,
/// the decoder's hardest case), shuffled order: every loss set where there are at most
/// [`EXHAUSTIVE_UP_TO`] (64 of the 144 pairs, among them every pair with k + m <= 8, m <= 1
/// or k <= 2), a random [`EXHAUSTIVE_UP_TO`] of them otherwise. Two segment lengths: one that
/// fills the pieces, one that pads. Each loss set is decoded with `decode` and with `restore`.
#[test]
fn m_losses_decode_for_every_k_and_m() {
	let mut rng = StdRng::seed_from_u64(1);
	for k in 1..=16 {
		for m in 0..=8 {
			let layout = Layout::new(k, m).unwrap();
			let mut encoder = Encoder::new(layout);
			let mut decoder = Decoder::new(layout);
			for len in [2 * k, 2 * k + 1] {
				let segment = random_segment(&mut rng, len);
				let pieces = encode_segment(&mut encoder, &segment).unwrap();
				let piece_len = layout.piece_len(len);
				if binomial(k + m, m) <= EXHAUSTIVE_UP_TO {
					for_each_subset(k + m, m, &mut |lost| {
						decode_without(&mut decoder, &mut rng, &pieces, piece_len, lost, &segment)
					});
				} else {
					for _ in 0..EXHAUSTIVE_UP_TO {
						let mut indices: Vec<usize> = (0..k + m).collect();
						indices.shuffle(&mut rng);
						let lost = &indices[..m];
						decode_without(&mut decoder, &mut rng, &pieces, piece_len, lost, &segment);
					}
				}
			}
		}
	}
}

/// Fewer than m losses: the decoder gets more than k pieces and must pick k of them.
#[test]
fn fewer_losses_than_parity_decode() {
	let mut rng = StdRng::seed_from_u64(2);
	for (k, m) in [(4, 2), (10, 4), (16, 8), (32, 32), (1, 3)] {
		let layout = Layout::new(k, m).unwrap();
		let mut encoder = Encoder::new(layout);
		let mut decoder = Decoder::new(layout);
		let segment = random_segment(&mut rng, 1000);
		let pieces = encode_segment(&mut encoder, &segment).unwrap();
		let piece_len = layout.piece_len(segment.len());
		for lost_count in 0..m {
			for _ in 0..20 {
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
