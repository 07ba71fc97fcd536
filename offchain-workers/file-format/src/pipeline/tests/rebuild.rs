//! `rebuild`: lost shards rebuilt from any `k` others, without the file's key.

use super::*;

/// Shards rebuilt by [`rebuild`] from shards `from` (offered in shuffled order), wanted in the
/// order of `wanted`.
fn rebuild_to_vecs(
	rng: &mut StdRng,
	manifest: &Manifest,
	shards: &[Vec<u8>],
	from: &[usize],
	wanted: &[usize],
) -> Result<(Vec<Vec<u8>>, DecodeReport), RebuildError> {
	let mut offered: Vec<_> =
		from.iter().map(|&index| (index, Cursor::new(shards[index].clone()))).collect();
	offered.shuffle(rng);
	let mut outputs = vec![Vec::new(); wanted.len()];
	let report = rebuild(manifest, offered, wanted, &mut outputs)?;
	Ok((outputs, report))
}

/// A random file of `size` bytes encoded `k + m` with `secret`, and the RNG, seeded by `seed`,
/// that drew it.
fn encoded(
	seed: u64,
	size: usize,
	(k, m): (u8, u8),
	secret: FileSecret<'_>,
) -> (StdRng, Manifest, Vec<Vec<u8>>) {
	let mut rng = StdRng::seed_from_u64(seed);
	let file = random_file(&mut rng, size);
	let (manifest, shards) = encode_to_vecs(&file, &params(k, m), secret);
	(rng, manifest, shards)
}

/// `count` random shards of `0..total`, none of them wanted, sorted.
fn random_sources(rng: &mut StdRng, total: usize, count: usize, wanted: &[usize]) -> Vec<usize> {
	let mut rest: Vec<usize> = (0..total).filter(|index| !wanted.contains(index)).collect();
	rest.shuffle(rng);
	rest.truncate(count);
	rest.sort();
	rest
}

/// Every shard alone and, where `m >= 2`, every pair, in random order.
fn wanted_sets(rng: &mut StdRng, total: usize, m: usize) -> Vec<Vec<usize>> {
	let mut sets: Vec<Vec<usize>> = subsets_up_to(total, m.min(2))
		.into_iter()
		.filter(|subset| !subset.is_empty())
		.collect();
	sets.iter_mut().for_each(|set| set.shuffle(rng));
	sets
}

#[test]
fn every_shard_and_every_pair_is_rebuilt_from_any_k_others() {
	let mut rng = StdRng::seed_from_u64(30);
	let s = SEGMENT as usize;
	let mut rebuilds = 0;
	for (k, m) in [(1, 1), (1, 3), (2, 1), (3, 2), (4, 2), (5, 3), (10, 4), (16, 8)] {
		let total = usize::from(k + m);
		for size in [0, 1, s - 1, s, s + 1, 7 * s + 3] {
			let file = random_file(&mut rng, size);
			for secret in [FileSecret::Public, FileSecret::Owner(OWNER)] {
				let (manifest, shards) = encode_to_vecs(&file, &params(k, m), secret);
				for wanted in wanted_sets(&mut rng, total, m.into()) {
					let from = random_sources(&mut rng, total, k.into(), &wanted);
					let (rebuilt, report) =
						rebuild_to_vecs(&mut rng, &manifest, &shards, &from, &wanted)
							.unwrap_or_else(|error| {
								panic!("{k}+{m} size {size} {wanted:?} from {from:?}: {error}")
							});
					for (bytes, &shard) in rebuilt.iter().zip(&wanted) {
						assert!(
							bytes == &shards[shard],
							"{k}+{m} size {size} shard {shard} of {wanted:?} from {from:?}"
						);
					}
					assert_eq!(report.used, from);
					assert!(report.rejected.is_empty());
					rebuilds += 1;
				}
			}
		}
	}
	// Singles + pairs: 2 + (4 + 6) + 3 + (5 + 10) + (6 + 15) + (8 + 28) + (14 + 91) + (24 + 276),
	// for 6 sizes, public and encrypted.
	assert_eq!(rebuilds, 2 * 6 * (2 + 10 + 3 + 15 + 21 + 36 + 105 + 300));
}

#[test]
fn files_of_many_batches_are_rebuilt_on_any_pool() {
	// 101 segments: batches of 2 (one thread) and 6 (three) end inside the file.
	let (mut rng, manifest, shards) =
		encoded(31, 100 * SEGMENT as usize + 5, (4, 2), FileSecret::Owner(OWNER));
	for threads in [1, 3] {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
		for (wanted, from) in [([0, 5], [1, 2, 3, 4]), ([4, 1], [0, 2, 3, 5])] {
			let (rebuilt, _) = pool
				.install(|| rebuild_to_vecs(&mut rng, &manifest, &shards, &from, &wanted))
				.unwrap();
			assert!(rebuilt[0] == shards[wanted[0]] && rebuilt[1] == shards[wanted[1]]);
		}
	}
}

#[test]
fn a_corrupted_offered_shard_is_rejected_and_another_used() {
	let (mut rng, manifest, shards) =
		encoded(32, 5 * SEGMENT as usize + 7, (4, 2), FileSecret::Owner(OWNER));
	let size = manifest.shard_size();
	for wanted in 0..shards.len() {
		let from: Vec<usize> = (0..shards.len()).filter(|&index| index != wanted).collect();
		for &bad in &from {
			let mut corrupted = shards.clone();
			let position = rng.gen_range(0..corrupted[bad].len());
			corrupted[bad][position] ^= 0x40;
			let (rebuilt, report) =
				rebuild_to_vecs(&mut rng, &manifest, &corrupted, &from, &[wanted]).unwrap();
			assert!(rebuilt[0] == shards[wanted], "shard {wanted}, {bad} corrupted");
			assert_eq!(report.rejected, [(bad, ShardProblem::RootMismatch)]);
			let expected: Vec<usize> = from.iter().copied().filter(|&index| index != bad).collect();
			assert_eq!(report.used, expected);
		}
	}
	// A truncated and an unreadable shard are rejected too.
	let mut offered = vec![
		(0, FailsAfter::new(shards[0].clone(), 1)),
		(1, FailsAfter::new(shards[1][..7].to_vec(), usize::MAX)),
	];
	offered.extend((2..5).map(|index| (index, FailsAfter::new(shards[index].clone(), usize::MAX))));
	let mut outputs = [Vec::new()];
	let error = rebuild(&manifest, offered, &[5], &mut outputs).unwrap_err();
	let RebuildError::NotEnoughShards { needed: 4, good, rejected } = error else {
		panic!("expected NotEnoughShards, got {error}")
	};
	assert_eq!(good, [2, 3, 4]);
	assert_eq!(
		rejected,
		[
			(0, ShardProblem::Unreadable("disk gone".into())),
			(1, ShardProblem::WrongSize { expected: size, got: 7 }),
		]
	);
}

#[test]
fn too_few_good_shards_is_an_error_naming_them() {
	let (mut rng, manifest, mut shards) =
		encoded(33, 3 * SEGMENT as usize, (4, 2), FileSecret::Owner(OWNER));
	// Exactly k good shards are enough, for two wanted shards at once.
	let (rebuilt, _) =
		rebuild_to_vecs(&mut rng, &manifest, &shards, &[1, 2, 3, 4], &[5, 0]).unwrap();
	assert!(rebuilt[0] == shards[5] && rebuilt[1] == shards[0]);

	shards[4][0] ^= 1;
	let error = rebuild_to_vecs(&mut rng, &manifest, &shards, &[1, 2, 3, 4], &[0]).unwrap_err();
	assert_eq!(
		error.to_string(),
		"3 good shards, 4 needed to rebuild: good [1, 2, 3]; rejected: shard 4 its bytes do not \
		 hash to its root"
	);
	let RebuildError::NotEnoughShards { needed: 4, good, rejected } = error else {
		panic!("expected NotEnoughShards")
	};
	assert_eq!((good, rejected), (vec![1, 2, 3], vec![(4, ShardProblem::RootMismatch)]));

	// Nothing was written.
	let offered = vec![(1, Cursor::new(shards[1].clone()))];
	let mut outputs = [Vec::new()];
	assert!(rebuild(&manifest, offered, &[0], &mut outputs).is_err());
	assert!(outputs[0].is_empty());

	// Without parity a lost shard cannot be rebuilt.
	let (_, manifest, shards) = encoded(37, 3 * SEGMENT as usize, (3, 0), FileSecret::Public);
	let error = rebuild_to_vecs(&mut rng, &manifest, &shards, &[0, 2], &[1]).unwrap_err();
	assert!(
		matches!(&error, RebuildError::NotEnoughShards { needed: 3, good, .. } if good == &[0, 2]),
		"{error}"
	);
}

#[test]
fn wanted_indices_are_checked() {
	let (mut rng, manifest, shards) = encoded(34, 40, (4, 2), FileSecret::Owner(OWNER));
	let mut check = |from: &[usize], wanted: &[usize], message: &str| {
		let error = rebuild_to_vecs(&mut rng, &manifest, &shards, from, wanted).unwrap_err();
		assert_eq!(error.to_string(), message);
		error
	};
	let error =
		check(&[0, 1, 2, 3], &[6], "wanted shard 6 is out of range (the file has 6 shards)");
	assert!(matches!(error, RebuildError::WantedOutOfRange { shard: 6, total: 6 }));
	let error = check(
		&[0, 1, 2, 3],
		&[4, usize::MAX],
		&format!("wanted shard {} is out of range (the file has 6 shards)", usize::MAX),
	);
	assert!(matches!(error, RebuildError::WantedOutOfRange { .. }));
	let error = check(&[0, 1, 2, 3], &[5, 4, 5], "shard 5 is wanted twice");
	assert!(matches!(error, RebuildError::WantedTwice { shard: 5 }));
	let error = check(
		&[0, 1, 2, 3, 4],
		&[5, 2],
		"shard 2 is both wanted and offered: a shard is either rebuilt or read",
	);
	assert!(matches!(error, RebuildError::WantedAndOffered { shard: 2 }));

	let offered = vec![(0, Cursor::new(shards[0].clone()))];
	let error = rebuild(&manifest, offered, &[1], &mut [Vec::new(), Vec::new()]).unwrap_err();
	assert_eq!(error.to_string(), "2 outputs given for 1 wanted shards");
	assert!(matches!(error, RebuildError::OutputCount { expected: 1, got: 2 }));

	// Nothing wanted: the offered shards are only verified.
	let (rebuilt, report) =
		rebuild_to_vecs(&mut rng, &manifest, &shards, &[0, 2, 3, 4, 5], &[]).unwrap();
	assert!(rebuilt.is_empty());
	assert_eq!(report.used, [0, 2, 3, 4]);
}

#[test]
fn an_altered_manifest_is_refused_and_a_forged_root_not_matched() {
	let (mut rng, manifest, shards) =
		encoded(35, 3 * SEGMENT as usize, (4, 2), FileSecret::Owner(OWNER));
	let mut altered = manifest.clone();
	altered.shards[5].root[0] ^= 1;
	let error = rebuild_to_vecs(&mut rng, &altered, &shards, &[0, 1, 2, 3], &[5]).unwrap_err();
	assert!(matches!(error, RebuildError::Manifest(ManifestError::FileRootMismatch)), "{error}");

	// Under a self-consistent manifest whose root of the wanted shard is wrong, the rebuilt
	// bytes do not match it: an error, not a claimed success.
	for (wanted, from) in [(5, [0, 1, 2, 3]), (0, [1, 2, 3, 5])] {
		let mut forged = manifest.clone();
		forged.shards[wanted].root[0] ^= 1;
		forged.file_root = forged.compute_file_root();
		let error = rebuild_to_vecs(&mut rng, &forged, &shards, &from, &[wanted]).unwrap_err();
		assert_eq!(
			error.to_string(),
			format!(
				"rebuilt shard {wanted} does not hash to its root in the manifest (the manifest's \
				 roots are not one coded file)"
			)
		);
		assert!(matches!(error, RebuildError::RootMismatch { shard } if shard == wanted));
	}
}

/// Reads its bytes until it has been rewound `fails_from_rewind` times, then fails every read.
struct FailsAfter {
	bytes: Cursor<Vec<u8>>,
	rewinds: usize,
	fails_from_rewind: usize,
}

impl FailsAfter {
	fn new(bytes: Vec<u8>, fails_from_rewind: usize) -> Self {
		Self { bytes: Cursor::new(bytes), rewinds: 0, fails_from_rewind }
	}
}

impl Read for FailsAfter {
	fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
		if self.rewinds >= self.fails_from_rewind {
			return Err(io::Error::other("disk gone"));
		}
		self.bytes.read(buffer)
	}
}

impl Seek for FailsAfter {
	fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
		self.rewinds += 1;
		self.bytes.seek(position)
	}
}

#[test]
fn failing_readers_and_writers_and_changing_shards_are_errors() {
	let (_, manifest, shards) = encoded(36, 3 * SEGMENT as usize, (2, 1), FileSecret::Public);
	let offer = |fails_from_rewind: usize| -> Vec<(usize, FailsAfter)> {
		(0..2)
			.map(|index| (index, FailsAfter::new(shards[index].clone(), fails_from_rewind)))
			.collect()
	};
	// Shard 0 fails after verification, while it is read for the rebuild.
	let error = rebuild(&manifest, offer(2), &[2], &mut [Vec::new()]).unwrap_err();
	assert_eq!(error.to_string(), "reading shard 0 failed: disk gone");
	assert!(matches!(error, RebuildError::Read { shard: 0, .. }));

	let error = rebuild(&manifest, offer(usize::MAX), &[2], &mut [Failing]).unwrap_err();
	assert_eq!(error.to_string(), "writing rebuilt shard 2 failed: peer gone");
	assert!(matches!(error, RebuildError::Write { shard: 2, .. }));

	let offered: Vec<_> = (0..2)
		.map(|index| {
			(index, ChangesAfterFirstPass { bytes: Cursor::new(shards[index].clone()), rewinds: 0 })
		})
		.collect();
	let error = rebuild(&manifest, offered, &[2], &mut [Vec::new()]).unwrap_err();
	assert_eq!(error.to_string(), "shard 0 changed between verification and rebuilding");
	assert!(matches!(error, RebuildError::ShardChanged { shard: 0 }));
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	/// Random files, wanted shards, sources and corruptions: rebuilt exactly iff at least `k`
	/// good shards are offered, otherwise `NotEnoughShards`.
	#[test]
	fn random_rebuilds(params in case_params(1)) {
		// Public or not, the rebuild needs no key.
		let RandomCase { mut rng, manifest, shards, indices, .. } = random_case(params);
		let (k, m) = (manifest.data_shards, manifest.parity_shards);
		let wanted = &indices[..rng.gen_range(1..=usize::from(m))];
		let rest = &indices[wanted.len()..];
		let from = &rest[..rng.gen_range(0..=rest.len())];
		let corrupted = &from[..rng.gen_range(0..=from.len())];
		let mut offered_shards = shards.clone();
		corrupt(&mut rng, &mut offered_shards, corrupted);
		let result = rebuild_to_vecs(&mut rng, &manifest, &offered_shards, from, wanted);
		if from.len() - corrupted.len() >= usize::from(k) {
			let (rebuilt, report) = result.unwrap();
			for (bytes, &shard) in rebuilt.iter().zip(wanted) {
				prop_assert!(bytes == &shards[shard]);
			}
			prop_assert_eq!(report.rejected.len(), corrupted.len());
		} else {
			let is_not_enough = matches!(result, Err(RebuildError::NotEnoughShards { .. }));
			prop_assert!(is_not_enough);
		}
	}
}
