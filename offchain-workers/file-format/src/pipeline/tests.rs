use super::*;
use crate::manifest::{piece_len, MAX_SHARDS, TAG_LEN};
use codec::{Decode, Encode, MaxEncodedLen};
use proptest::prelude::*;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::io::Cursor;

mod rebuild;

const OWNER: &[u8] = b"owner secret seed";
/// Small segments so that thousands of round trips run in seconds.
const SEGMENT: u32 = 16;

fn params(k: u8, m: u8) -> EncodeParams {
	// Batches of 3 segments: files of several segments cross batch boundaries.
	EncodeParams { segment_size: SEGMENT, data_shards: k, parity_shards: m, batch_segments: 3 }
}

fn random_file(rng: &mut StdRng, len: usize) -> Vec<u8> {
	let mut file = vec![0u8; len];
	rng.fill(&mut file[..]);
	file
}

fn encode_to_vecs(
	file: &[u8],
	params: &EncodeParams,
	secret: FileSecret<'_>,
) -> (Manifest, Vec<Vec<u8>>) {
	let mut shards = vec![Vec::new(); usize::from(params.data_shards + params.parity_shards)];
	let manifest = encode(file, params, secret, &mut shards).unwrap();
	(manifest, shards)
}

/// Offers every shard except `lost`, in shuffled order.
fn offer(rng: &mut StdRng, shards: &[Vec<u8>], lost: &[usize]) -> Vec<(usize, Cursor<Vec<u8>>)> {
	let mut offered: Vec<_> = (0..shards.len())
		.filter(|index| !lost.contains(index))
		.map(|index| (index, Cursor::new(shards[index].clone())))
		.collect();
	offered.shuffle(rng);
	offered
}

fn decode_to_vec(
	manifest: &Manifest,
	offered: Vec<(usize, Cursor<Vec<u8>>)>,
	secret: FileSecret<'_>,
) -> Result<(Vec<u8>, DecodeReport), DecodeError> {
	let mut out = Vec::new();
	let report = decode(manifest, offered, secret, &mut out)?;
	Ok((out, report))
}

/// Every subset of `0..n` with at most `max` elements.
fn subsets_up_to(n: usize, max: usize) -> Vec<Vec<usize>> {
	let mut all = vec![Vec::new()];
	for element in 0..n {
		let extended: Vec<Vec<usize>> = all
			.iter()
			.filter(|subset| subset.len() < max)
			.map(|subset| subset.iter().copied().chain([element]).collect())
			.collect();
		all.extend(extended);
	}
	all
}

/// Loss sets tried per (k, m, size): all of them when there are at most this many, otherwise
/// this many drawn at random plus the extremes (all parity lost, the first m data shards lost).
/// The loss sets themselves are the erasure crate's subject: it decodes every set of up to m
/// lost pieces where there are at most 1,500 per (k, m), and all of them in an ignored test.
const LOSS_SETS: usize = 12;

fn loss_sets(rng: &mut StdRng, k: usize, m: usize) -> Vec<Vec<usize>> {
	let total = k + m;
	let count: u64 = (0..=m).map(|lost| binomial(total, lost)).sum();
	if count <= LOSS_SETS as u64 {
		return subsets_up_to(total, m);
	}
	let mut sets = vec![Vec::new(), (k..total).collect(), (0..m.min(k)).collect()];
	while sets.len() < LOSS_SETS {
		let mut indices: Vec<usize> = (0..total).collect();
		indices.shuffle(rng);
		indices.truncate(rng.gen_range(0..=m));
		sets.push(indices);
	}
	sets
}

fn binomial(n: usize, r: usize) -> u64 {
	(0..r).fold(1u64, |acc, i| acc * (n - i) as u64 / (i + 1) as u64)
}

#[test]
fn round_trips_for_every_k_m_size_and_loss() {
	let mut rng = StdRng::seed_from_u64(10);
	let s = SEGMENT as usize;
	let mut decodes = 0;
	for k in 1..=16u8 {
		for m in 0..=8u8 {
			for size in [0, 1, s - 1, s, s + 1, 7 * s + 3] {
				let file = random_file(&mut rng, size);
				let secret =
					if (k + m) % 3 == 0 { FileSecret::Public } else { FileSecret::Owner(OWNER) };
				let (manifest, shards) = encode_to_vecs(&file, &params(k, m), secret);
				assert_eq!(manifest.plaintext_size, size as u64);
				assert!(shards.iter().all(|shard| shard.len() as u64 == manifest.shard_size()));
				for lost in loss_sets(&mut rng, k.into(), m.into()) {
					let (out, report) =
						decode_to_vec(&manifest, offer(&mut rng, &shards, &lost), secret)
							.unwrap_or_else(|error| {
								panic!("{k}+{m} size {size} lost {lost:?}: {error}")
							});
					assert_eq!(out, file, "{k}+{m} size {size} lost {lost:?}");
					assert_eq!(report.used.len(), usize::from(k));
					assert!(report.used.iter().all(|index| !lost.contains(index)));
					assert!(report.rejected.is_empty());
					decodes += 1;
				}
			}
		}
	}
	assert!(decodes > 16 * 9 * 6);
}

#[test]
fn losing_more_than_m_shards_names_the_good_ones() {
	let mut rng = StdRng::seed_from_u64(11);
	let file = random_file(&mut rng, 100);
	let (manifest, shards) = encode_to_vecs(&file, &params(4, 2), FileSecret::Owner(OWNER));
	let error =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[0, 2, 5]), FileSecret::Owner(OWNER))
			.unwrap_err();
	match &error {
		DecodeError::NotEnoughShards { needed: 4, good, rejected } => {
			assert_eq!(good, &[1, 3, 4]);
			assert!(rejected.is_empty());
		},
		other => panic!("unexpected {other}"),
	}
	assert_eq!(error.to_string(), "3 good shards, 4 needed: good [1, 3, 4]; rejected: none");
}

#[test]
fn a_corrupted_byte_in_any_shard_is_caught_and_that_shard_skipped() {
	let mut rng = StdRng::seed_from_u64(12);
	let file = random_file(&mut rng, 5 * SEGMENT as usize + 7);
	let (manifest, shards) = encode_to_vecs(&file, &params(4, 2), FileSecret::Owner(OWNER));
	for bad in 0..shards.len() {
		for position in [0, shards[bad].len() / 2, shards[bad].len() - 1] {
			let mut corrupted = shards.clone();
			corrupted[bad][position] ^= 0x40;
			let (out, report) = decode_to_vec(
				&manifest,
				offer(&mut rng, &corrupted, &[]),
				FileSecret::Owner(OWNER),
			)
			.unwrap();
			assert_eq!(out, file);
			assert_eq!(report.rejected, vec![(bad, ShardProblem::RootMismatch)]);
			assert!(!report.used.contains(&bad));
		}
	}
	// With m + 1 bad shards the error names each.
	let mut corrupted = shards.clone();
	for bad in [1, 3, 4] {
		corrupted[bad][0] ^= 1;
	}
	let error =
		decode_to_vec(&manifest, offer(&mut rng, &corrupted, &[]), FileSecret::Owner(OWNER))
			.unwrap_err();
	assert_eq!(
		error.to_string(),
		"3 good shards, 4 needed: good [0, 2, 5]; rejected: shard 1 its bytes do not hash to its \
		 root; shard 3 its bytes do not hash to its root; shard 4 its bytes do not hash to its root"
	);
}

#[test]
fn truncated_extended_duplicate_and_unknown_shards_are_rejected() {
	let mut rng = StdRng::seed_from_u64(13);
	let file = random_file(&mut rng, 3 * SEGMENT as usize);
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 1), FileSecret::Owner(OWNER));
	let size = manifest.shard_size();
	let mut offered = offer(&mut rng, &shards, &[0, 1, 2]);
	let mut truncated = shards[0].clone();
	truncated.pop();
	let mut extended = shards[1].clone();
	extended.push(0);
	offered.push((0, Cursor::new(truncated)));
	offered.push((1, Cursor::new(extended)));
	offered.push((2, Cursor::new(shards[2].clone())));
	offered.push((2, Cursor::new(shards[2].clone())));
	offered.push((7, Cursor::new(shards[2].clone())));
	let error = decode_to_vec(&manifest, offered, FileSecret::Owner(OWNER)).unwrap_err();
	let DecodeError::NotEnoughShards { needed: 2, good, rejected } = error else {
		panic!("expected NotEnoughShards")
	};
	assert_eq!(good, [2]);
	assert_eq!(
		rejected,
		[
			(0, ShardProblem::WrongSize { expected: size, got: size - 1 }),
			(1, ShardProblem::WrongSize { expected: size, got: size + 1 }),
			(2, ShardProblem::Duplicate),
			(7, ShardProblem::IndexOutOfRange { total: 3 }),
		]
	);
	// One truncated shard among enough good ones: decoded, the truncation reported.
	let mut offered = offer(&mut rng, &shards, &[0]);
	offered.push((0, Cursor::new(shards[0][..4].to_vec())));
	let (out, report) = decode_to_vec(&manifest, offered, FileSecret::Owner(OWNER)).unwrap();
	assert_eq!(out, file);
	assert_eq!(report.rejected, [(0, ShardProblem::WrongSize { expected: size, got: 4 })]);
}

#[test]
fn wrong_key_and_missing_key_fail() {
	let mut rng = StdRng::seed_from_u64(14);
	let file = random_file(&mut rng, 40);
	let (manifest, shards) = encode_to_vecs(&file, &params(3, 2), FileSecret::Owner(OWNER));
	let error =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[]), FileSecret::Owner(b"other"))
			.unwrap_err();
	assert!(matches!(
		error,
		DecodeError::Decrypt { segment: 0, source: CipherError::Authentication { segment: 0 } }
	));
	let wrong = FileKey::from_bytes([1; 32]);
	let error = decode_to_vec(&manifest, offer(&mut rng, &shards, &[]), FileSecret::Key(&wrong))
		.unwrap_err();
	assert!(matches!(error, DecodeError::Decrypt { segment: 0, .. }), "{error}");
	let error =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[]), FileSecret::Public).unwrap_err();
	assert!(matches!(error, DecodeError::KeyRequired));
	let error = decode_to_vec(&manifest, offer(&mut rng, &shards, &[]), FileSecret::Owner(b""))
		.unwrap_err();
	assert!(matches!(error, DecodeError::Key(_)));
}

#[test]
fn raw_keys_open_what_the_owner_stored_and_vice_versa() {
	let mut rng = StdRng::seed_from_u64(15);
	let file = random_file(&mut rng, 50);
	let (manifest, shards) = encode_to_vecs(&file, &params(3, 1), FileSecret::Owner(OWNER));
	let Encryption::Aes256GcmStream { salt, .. } = manifest.encryption else { panic!("encrypted") };
	let shared = FileKey::derive(OWNER, &salt).unwrap();
	let (out, _) =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[1]), FileSecret::Key(&shared)).unwrap();
	assert_eq!(out, file);

	let raw = FileKey::from_bytes([9; 32]);
	let (manifest, shards) = encode_to_vecs(&file, &params(3, 1), FileSecret::Key(&raw));
	let (out, _) =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[2]), FileSecret::Key(&raw)).unwrap();
	assert_eq!(out, file);
}

#[test]
fn public_files_are_stored_in_the_clear_and_need_no_key() {
	let file = b"public data, stored as it is....".to_vec();
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 1), FileSecret::Public);
	assert_eq!(manifest.encryption, Encryption::None);
	assert_eq!(&shards[0][..8], b"public d");
	let mut rng = StdRng::seed_from_u64(16);
	let (out, _) =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[0]), FileSecret::Public).unwrap();
	assert_eq!(out, file);
	// A key given for a public file is not needed and does not matter.
	let (out, _) =
		decode_to_vec(&manifest, offer(&mut rng, &shards, &[]), FileSecret::Owner(OWNER)).unwrap();
	assert_eq!(out, file);
}

/// A manifest recomputed over rearranged shards passes every root check; the STREAM nonces
/// still catch the rearrangement.
fn forge(manifest: &Manifest, shards: &[Vec<u8>], plaintext_size: u64) -> Manifest {
	let mut forged = manifest.clone();
	forged.plaintext_size = plaintext_size;
	forged.shards = shards
		.iter()
		.map(|shard| ShardInfo { root: *blake3::hash(shard).as_bytes(), size: shard.len() as u64 })
		.collect();
	forged.file_root = forged.compute_file_root();
	forged
}

#[test]
fn swapped_segments_fail_even_under_a_forged_manifest() {
	let mut rng = StdRng::seed_from_u64(17);
	let file = random_file(&mut rng, 3 * SEGMENT as usize);
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 1), FileSecret::Owner(OWNER));
	let piece = manifest.segment_piece_len(0) as usize;
	let swapped: Vec<Vec<u8>> = shards
		.iter()
		.map(|shard| [&shard[piece..2 * piece], &shard[..piece], &shard[2 * piece..]].concat())
		.collect();
	// Against the real manifest the shards no longer match their roots.
	let error = decode_to_vec(&manifest, offer(&mut rng, &swapped, &[]), FileSecret::Owner(OWNER))
		.unwrap_err();
	assert!(matches!(error, DecodeError::NotEnoughShards { .. }), "{error}");
	let forged = forge(&manifest, &swapped, manifest.plaintext_size);
	let error = decode_to_vec(&forged, offer(&mut rng, &swapped, &[]), FileSecret::Owner(OWNER))
		.unwrap_err();
	assert!(matches!(error, DecodeError::Decrypt { segment: 0, .. }), "{error}");
}

#[test]
fn a_truncated_stream_fails_even_under_a_forged_manifest() {
	let mut rng = StdRng::seed_from_u64(18);
	let file = random_file(&mut rng, 3 * SEGMENT as usize);
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 1), FileSecret::Owner(OWNER));
	let piece = manifest.segment_piece_len(0) as usize;
	let cut: Vec<Vec<u8>> = shards.iter().map(|shard| shard[..2 * piece].to_vec()).collect();
	let forged = forge(&manifest, &cut, 2 * u64::from(SEGMENT));
	forged.check().unwrap();
	let error =
		decode_to_vec(&forged, offer(&mut rng, &cut, &[]), FileSecret::Owner(OWNER)).unwrap_err();
	assert!(matches!(error, DecodeError::Decrypt { segment: 1, .. }), "{error}");
}

#[test]
fn an_altered_manifest_is_refused() {
	let mut rng = StdRng::seed_from_u64(19);
	let file = random_file(&mut rng, 3 * SEGMENT as usize);
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 1), FileSecret::Owner(OWNER));
	let mut altered = manifest.clone();
	altered.shards.swap(0, 1);
	let error = decode_to_vec(&altered, offer(&mut rng, &shards, &[]), FileSecret::Owner(OWNER))
		.unwrap_err();
	assert!(matches!(error, DecodeError::Manifest(ManifestError::FileRootMismatch)), "{error}");
	let mut altered = manifest.clone();
	altered.plaintext_size -= 1;
	assert_eq!(altered.check(), Err(ManifestError::FileRootMismatch));
	altered.shards[0].size += 1;
	assert_eq!(
		altered.check(),
		Err(ManifestError::ShardSize {
			shard: 0,
			expected: manifest.shard_size(),
			got: manifest.shard_size() + 1
		})
	);
	let mut altered = manifest.clone();
	altered.version = 2;
	assert_eq!(altered.check(), Err(ManifestError::UnsupportedVersion(2)));
	let mut altered = manifest.clone();
	altered.data_shards = 0;
	assert_eq!(altered.check(), Err(ManifestError::InvalidShardCounts { data: 0, parity: 1 }));
	let mut altered = manifest.clone();
	altered.segment_size = 0;
	assert_eq!(altered.check(), Err(ManifestError::InvalidSegmentSize(0)));
	let mut altered = manifest.clone();
	altered.plaintext_size = u64::MAX;
	assert!(matches!(altered.check(), Err(ManifestError::TooManySegments { .. })));
	let mut altered = manifest.clone();
	altered.shards.pop();
	assert_eq!(altered.check(), Err(ManifestError::ShardListLength { expected: 3, got: 2 }));
}

/// Returns its bytes on the first pass, the bytes with one flipped on any later one.
struct ChangesAfterFirstPass {
	bytes: Cursor<Vec<u8>>,
	rewinds: usize,
}

impl Read for ChangesAfterFirstPass {
	fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
		self.bytes.read(buffer)
	}
}

impl Seek for ChangesAfterFirstPass {
	fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
		self.rewinds += 1;
		if self.rewinds == 2 {
			self.bytes.get_mut()[0] ^= 1;
		}
		self.bytes.seek(position)
	}
}

#[test]
fn a_shard_that_changes_after_verification_is_an_error() {
	let file = b"public, so only the roots guard it".to_vec();
	let (manifest, shards) = encode_to_vecs(&file, &params(2, 0), FileSecret::Public);
	let offered: Vec<_> = shards
		.into_iter()
		.enumerate()
		.map(|(index, bytes)| {
			(index, ChangesAfterFirstPass { bytes: Cursor::new(bytes), rewinds: 0 })
		})
		.collect();
	let error = decode(&manifest, offered, FileSecret::Public, &mut Vec::new()).unwrap_err();
	assert!(matches!(error, DecodeError::ShardChanged { shard: 0 }), "{error}");
}

struct Failing;

impl Read for Failing {
	fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
		Err(io::Error::other("disk gone"))
	}
}

impl Write for Failing {
	fn write(&mut self, _: &[u8]) -> io::Result<usize> {
		Err(io::Error::other("peer gone"))
	}
	fn flush(&mut self) -> io::Result<()> {
		Ok(())
	}
}

#[test]
fn bad_encode_input_is_refused() {
	let mut three = vec![Vec::new(); 3];
	let error = encode(
		&b"x"[..],
		&EncodeParams { segment_size: 0, ..params(2, 1) },
		FileSecret::Public,
		&mut three,
	);
	assert!(matches!(error, Err(EncodeError::InvalidSegmentSize(0))));
	let error = encode(&b"x"[..], &params(2, 1), FileSecret::Public, &mut three[..2]);
	assert!(matches!(error, Err(EncodeError::ShardWriterCount { expected: 3, got: 2 })));
	let error = encode(&b"x"[..], &params(0, 3), FileSecret::Public, &mut three);
	assert!(matches!(
		error,
		Err(EncodeError::Erasure(ErasureError::InvalidParameters { data: 0, parity: 3 }))
	));
	let error = encode(&b"x"[..], &params(33, 0), FileSecret::Public, &mut three);
	assert!(matches!(error, Err(EncodeError::Erasure(_))));
	let error = encode(Failing, &params(2, 1), FileSecret::Public, &mut three);
	assert!(matches!(error, Err(EncodeError::Read(_))));
	let mut writers = [Failing, Failing, Failing];
	let error = encode(&b"x"[..], &params(2, 1), FileSecret::Public, &mut writers);
	assert!(matches!(error, Err(EncodeError::Write { shard: 0, .. })));
	let error = encode(&b"x"[..], &params(2, 1), FileSecret::Owner(b""), &mut three);
	assert!(matches!(error, Err(EncodeError::Cipher(_))));
}

#[test]
fn failing_output_is_reported() {
	let (manifest, shards) = encode_to_vecs(b"abc", &params(1, 1), FileSecret::Public);
	let offered = vec![(0, Cursor::new(shards[0].clone()))];
	let error = decode(&manifest, offered, FileSecret::Public, Failing).unwrap_err();
	assert!(matches!(error, DecodeError::Write(_)));
}

#[test]
fn manifest_encoding_round_trips_and_is_bounded() {
	let (manifest, _) = encode_to_vecs(&[7; 100], &params(4, 2), FileSecret::Owner(OWNER));
	let bytes = manifest.encode();
	assert_eq!(Manifest::decode_checked(&bytes).unwrap(), manifest);
	assert_eq!(bytes.len(), 1 + 8 + 4 + 1 + 1 + (1 + 32 + 7) + 1 + 6 * (32 + 8) + 32);
	let mut trailing = bytes.clone();
	trailing.push(0);
	assert_eq!(Manifest::decode_checked(&trailing), Err(ManifestError::Undecodable));
	assert_eq!(
		Manifest::decode_checked(&bytes[..bytes.len() - 1]),
		Err(ManifestError::Undecodable)
	);

	let (largest, _) = encode_to_vecs(&[7; 100], &params(32, 32), FileSecret::Owner(OWNER));
	assert_eq!(largest.encode().len(), Manifest::max_encoded_len());
	// A shard count above the maximum is refused before anything is allocated for it.
	let mut too_many = largest.clone();
	too_many.shards.push(too_many.shards[0]);
	assert_eq!(too_many.shards.len(), MAX_SHARDS + 1);
	assert!(Manifest::decode(&mut &too_many.encode()[..]).is_err());
}

#[test]
fn manifest_layout_matches_the_engines() {
	assert_eq!(TAG_LEN, xmbl_cipher::TAG_LEN);
	for k in 1..=32u8 {
		let layout = Layout::new(k.into(), 0).unwrap();
		for stored in (0..300).chain([1 << 20, (1 << 20) + 16, 64 << 20]) {
			assert_eq!(piece_len(stored as u64, k) as usize, layout.piece_len(stored));
		}
	}
}

#[test]
fn the_file_root_commits_to_every_field() {
	let (manifest, _) = encode_to_vecs(&[1; 40], &params(2, 2), FileSecret::Owner(OWNER));
	let root = manifest.compute_file_root();
	let variants: [fn(&mut Manifest); 7] = [
		|m| m.version ^= 1,
		|m| m.plaintext_size ^= 1,
		|m| m.segment_size ^= 1,
		|m| m.data_shards ^= 1,
		|m| m.parity_shards ^= 1,
		|m| m.encryption = Encryption::None,
		|m| m.shards[3].root[31] ^= 1,
	];
	for change in variants {
		let mut changed = manifest.clone();
		change(&mut changed);
		assert_ne!(changed.compute_file_root(), root);
	}
}

/// A random file encoded, for the proptests.
struct RandomCase {
	/// Seeded by the case, for the case's further draws.
	rng: StdRng,
	file: Vec<u8>,
	secret: FileSecret<'static>,
	manifest: Manifest,
	shards: Vec<Vec<u8>>,
	/// Every shard index, in random order.
	indices: Vec<usize>,
}

/// What a [`RandomCase`] is drawn from: size, segment size, `k`, `m` (at least `min_parity`),
/// public or encrypted, and the seed of its bytes and further draws.
type CaseParams = (usize, u32, u8, u8, bool, u64);

fn case_params(min_parity: u8) -> impl Strategy<Value = CaseParams> {
	(0usize..300, 1u32..64, 1u8..=8, min_parity..=4, any::<bool>(), any::<u64>())
}

fn random_case((size, segment_size, k, m, public, seed): CaseParams) -> RandomCase {
	let mut rng = StdRng::seed_from_u64(seed);
	let file = random_file(&mut rng, size);
	let secret = if public { FileSecret::Public } else { FileSecret::Owner(OWNER) };
	let params = EncodeParams { segment_size, data_shards: k, parity_shards: m, batch_segments: 0 };
	let (manifest, shards) = encode_to_vecs(&file, &params, secret);
	let mut indices: Vec<usize> = (0..shards.len()).collect();
	indices.shuffle(&mut rng);
	RandomCase { rng, file, secret, manifest, shards, indices }
}

/// Changes one random byte of each shard of `indices`.
fn corrupt(rng: &mut StdRng, shards: &mut [Vec<u8>], indices: &[usize]) {
	for &index in indices {
		let position = rng.gen_range(0..shards[index].len());
		shards[index][position] ^= rng.gen_range(1..=255u8);
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	#[test]
	fn random_files_losses_and_corruptions(params in case_params(0)) {
		let RandomCase { mut rng, file, secret, manifest, mut shards, indices } = random_case(params);
		let k = manifest.data_shards;
		let total = shards.len();
		let lost = rng.gen_range(0..=total);
		let corrupted = rng.gen_range(0..=total - lost);
		corrupt(&mut rng, &mut shards, &indices[lost..lost + corrupted]);
		let result = decode_to_vec(&manifest, offer(&mut rng, &shards, &indices[..lost]), secret);
		if total - lost - corrupted >= usize::from(k) {
			let (out, report) = result.unwrap();
			prop_assert_eq!(out, file);
			prop_assert_eq!(report.rejected.len(), corrupted);
		} else {
			let is_not_enough = matches!(result, Err(DecodeError::NotEnoughShards { .. }));
			prop_assert!(is_not_enough);
		}
	}

	/// Random bytes are not a manifest, and never a panic.
	#[test]
	fn random_bytes_never_panic_the_manifest_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
		prop_assert!(Manifest::decode_checked(&bytes).is_err());
	}

	/// Random, self-consistent manifests fed random shards: refused or decoded, never a panic.
	#[test]
	fn random_manifests_and_shards_never_panic_the_decoder(
		plaintext_size in 0u64..2000,
		segment_size in 1u32..200,
		k in 1u8..=6,
		m in 0u8..=3,
		encrypted: bool,
		shard_bytes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..10),
		seed: u64,
	) {
		let mut rng = StdRng::seed_from_u64(seed);
		let mut manifest = Manifest {
			version: FORMAT_VERSION,
			plaintext_size,
			segment_size,
			data_shards: k,
			parity_shards: m,
			encryption: if encrypted {
				Encryption::Aes256GcmStream { salt: rng.gen(), nonce_prefix: rng.gen() }
			} else {
				Encryption::None
			},
			shards: Vec::new(),
			file_root: [0; 32],
		};
		let size = manifest.shard_size();
		// Some shards get the right size and root for random bytes: they pass verification.
		let shards: Vec<Vec<u8>> = shard_bytes
			.into_iter()
			.map(|bytes| if rng.gen() { random_file(&mut rng, size as usize) } else { bytes })
			.collect();
		manifest.shards = (0..manifest.shard_count())
			.map(|index| match shards.get(index) {
				Some(shard) if shard.len() as u64 == size => ShardInfo { root: *blake3::hash(shard).as_bytes(), size },
				_ => ShardInfo { root: rng.gen(), size },
			})
			.collect();
		manifest.file_root = manifest.compute_file_root();
		let offered: Vec<_> = shards.into_iter().enumerate().map(|(index, bytes)| (index, Cursor::new(bytes))).collect();
		let _ = decode_to_vec(&manifest, offered, FileSecret::Owner(OWNER));
	}
}
