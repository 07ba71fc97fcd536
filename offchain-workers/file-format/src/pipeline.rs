//! File <-> shards, streaming, parallel across segments.

use crate::manifest::{
	Encryption, Manifest, ManifestError, Root, ShardInfo, FORMAT_VERSION, MAX_SEGMENTS,
	MAX_SEGMENT_SIZE,
};
use rayon::prelude::*;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use xmbl_cipher::{CipherError, FileKey, SegmentCipher};
use xmbl_erasure::{Decoder, Encoder, ErasureError, Layout};

/// Default segment size: 1 MiB.
pub const DEFAULT_SEGMENT_SIZE: u32 = 1 << 20;
/// Read buffer of shard verification.
const VERIFY_BUFFER: usize = 256 << 10;

/// How to cut and code a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeParams {
	/// Plaintext bytes per segment, 1..=64 MiB.
	pub segment_size: u32,
	/// `k`, 1..=32.
	pub data_shards: u8,
	/// `m`, 0..=32.
	pub parity_shards: u8,
	/// Segments processed in parallel per batch (memory in flight is about this many coded
	/// segments); 0 means twice the rayon pool's threads.
	pub batch_segments: usize,
}

impl EncodeParams {
	/// 1 MiB segments, the default batch.
	pub fn new(data_shards: u8, parity_shards: u8) -> Self {
		Self { segment_size: DEFAULT_SEGMENT_SIZE, data_shards, parity_shards, batch_segments: 0 }
	}
}

/// The key material of a file.
#[derive(Clone, Copy, Debug)]
pub enum FileSecret<'a> {
	/// Public data: no encryption. Decoding an encrypted file with it is refused.
	Public,
	/// The owner's secret (e.g. their secret URI's seed): the file key is derived from it and
	/// the file's salt, so the owner needs nothing else to read the file anywhere.
	Owner(&'a [u8]),
	/// A raw file key, e.g. to share one file.
	Key(&'a FileKey),
}

/// Why encoding failed. Nothing written to the shard writers before the error is usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
	#[error("segment size {0} is not in 1..={MAX_SEGMENT_SIZE}")]
	InvalidSegmentSize(u32),
	#[error(transparent)]
	Erasure(#[from] ErasureError),
	#[error("{got} shard writers given, {expected} (k + m) needed")]
	ShardWriterCount { expected: usize, got: usize },
	#[error("the file has more than {MAX_SEGMENTS} segments; use larger segments")]
	TooLarge,
	#[error("encryption failed: {0}")]
	Cipher(#[from] CipherError),
	#[error("reading the file failed: {0}")]
	Read(#[source] io::Error),
	#[error("writing shard {shard} failed: {source}")]
	Write { shard: usize, source: io::Error },
}

/// Why an offered shard was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShardProblem {
	#[error("index is out of range (the file has {total} shards)")]
	IndexOutOfRange { total: usize },
	#[error("offered twice")]
	Duplicate,
	#[error("holds {got} bytes, the manifest says {expected}")]
	WrongSize { expected: u64, got: u64 },
	#[error("its bytes do not hash to its root")]
	RootMismatch,
	#[error("could not be read: {0}")]
	Unreadable(String),
}

/// The shards a decode rejected, for the error text.
fn list_rejected(rejected: &[(usize, ShardProblem)]) -> String {
	if rejected.is_empty() {
		return "none".into();
	}
	rejected
		.iter()
		.map(|(shard, problem)| format!("shard {shard} {problem}"))
		.collect::<Vec<_>>()
		.join("; ")
}

/// Why decoding failed. Output written before an error must be discarded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
	#[error("invalid manifest: {0}")]
	Manifest(#[from] ManifestError),
	#[error("the file is encrypted: a key or the owner's secret is needed")]
	KeyRequired,
	#[error("key derivation failed: {0}")]
	Key(#[source] CipherError),
	#[error(
		"{} good shards, {needed} needed: good {good:?}; rejected: {}",
		.good.len(), list_rejected(.rejected)
	)]
	NotEnoughShards { needed: usize, good: Vec<usize>, rejected: Vec<(usize, ShardProblem)> },
	#[error("reading shard {shard} failed: {source}")]
	Read { shard: usize, source: io::Error },
	#[error("segment {segment} failed to decrypt: {source}")]
	Decrypt { segment: u64, source: CipherError },
	#[error("segment {segment} has non-zero padding")]
	Padding { segment: u64 },
	#[error(transparent)]
	Erasure(#[from] ErasureError),
	#[error("shard {shard} changed between verification and decoding")]
	ShardChanged { shard: usize },
	#[error("writing the file failed: {0}")]
	Write(#[source] io::Error),
}

/// What a successful decode or rebuild used and rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeReport {
	/// The `k` shards the file (or the rebuilt shards) came from.
	pub used: Vec<usize>,
	/// Offered shards that failed verification, with the reason (candidates for repair).
	pub rejected: Vec<(usize, ShardProblem)>,
}

/// Why rebuilding shards failed. Output written before an error must be discarded: only a
/// rebuild that returns `Ok` has written shards that hash to their roots.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RebuildError {
	#[error("invalid manifest: {0}")]
	Manifest(#[from] ManifestError),
	#[error("wanted shard {shard} is out of range (the file has {total} shards)")]
	WantedOutOfRange { shard: usize, total: usize },
	#[error("shard {shard} is wanted twice")]
	WantedTwice { shard: usize },
	#[error("shard {shard} is both wanted and offered: a shard is either rebuilt or read")]
	WantedAndOffered { shard: usize },
	#[error("{got} outputs given for {expected} wanted shards")]
	OutputCount { expected: usize, got: usize },
	#[error(
		"{} good shards, {needed} needed to rebuild: good {good:?}; rejected: {}",
		.good.len(), list_rejected(.rejected)
	)]
	NotEnoughShards { needed: usize, good: Vec<usize>, rejected: Vec<(usize, ShardProblem)> },
	#[error("shard {shard} changed between verification and rebuilding")]
	ShardChanged { shard: usize },
	#[error("reading shard {shard} failed: {source}")]
	Read { shard: usize, source: io::Error },
	#[error(transparent)]
	Erasure(#[from] ErasureError),
	#[error(
		"rebuilt shard {shard} does not hash to its root in the manifest (the manifest's roots \
		 are not one coded file)"
	)]
	RootMismatch { shard: usize },
	#[error("writing rebuilt shard {shard} failed: {source}")]
	Write { shard: usize, source: io::Error },
}

/// The failures [`decode`] and [`rebuild`] share: verifying and reading the shards and
/// restoring the missing data pieces. Both error types have variants of the same names.
enum SourceError {
	NotEnoughShards { needed: usize, good: Vec<usize>, rejected: Vec<(usize, ShardProblem)> },
	Read { shard: usize, source: io::Error },
	Erasure(ErasureError),
	ShardChanged { shard: usize },
}

macro_rules! from_source_error {
	($($error:ident),*) => {$(
		impl From<SourceError> for $error {
			fn from(error: SourceError) -> Self {
				match error {
					SourceError::NotEnoughShards { needed, good, rejected } => {
						Self::NotEnoughShards { needed, good, rejected }
					},
					SourceError::Read { shard, source } => Self::Read { shard, source },
					SourceError::Erasure(error) => Self::Erasure(error),
					SourceError::ShardChanged { shard } => Self::ShardChanged { shard },
				}
			}
		}
	)*};
}

from_source_error!(DecodeError, RebuildError);

fn batch_len(requested: usize) -> usize {
	if requested == 0 {
		2 * rayon::current_num_threads()
	} else {
		requested
	}
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
	let mut filled = 0;
	while filled < buffer.len() {
		match reader.read(&mut buffer[filled..]) {
			Ok(0) => break,
			Ok(n) => filled += n,
			Err(error) if error.kind() == io::ErrorKind::Interrupted => {},
			Err(error) => return Err(error),
		}
	}
	Ok(filled)
}

/// One segment in flight while encoding: `k + m` pieces of `piece_len` bytes back to back.
struct EncodeJob {
	index: u32,
	plaintext_len: usize,
	last: bool,
	piece_len: usize,
	pieces: Vec<u8>,
}

/// Reads `reader` to its end and writes shard `i` into `shards[i]`; returns the manifest.
///
/// One pass over the input; `batch_segments` segments at a time are encrypted and coded in
/// parallel on the current rayon pool, then hashed (in parallel across shards) and written in
/// order. Memory in flight is about `batch_segments * segment_size * (k + m) / k`.
pub fn encode<R: Read, W: Write>(
	reader: R,
	params: &EncodeParams,
	secret: FileSecret<'_>,
	shards: &mut [W],
) -> Result<Manifest, EncodeError> {
	if !(1..=MAX_SEGMENT_SIZE).contains(&params.segment_size) {
		return Err(EncodeError::InvalidSegmentSize(params.segment_size));
	}
	let layout = Layout::new(params.data_shards.into(), params.parity_shards.into())?;
	if shards.len() != layout.total() {
		return Err(EncodeError::ShardWriterCount { expected: layout.total(), got: shards.len() });
	}
	let (encryption, cipher) = match secret {
		FileSecret::Public => (Encryption::None, None),
		FileSecret::Owner(_) | FileSecret::Key(_) => {
			let salt = xmbl_cipher::random_salt()?;
			let nonce_prefix = xmbl_cipher::random_nonce_prefix()?;
			let key = match secret {
				FileSecret::Owner(owner) => FileKey::derive(owner, &salt)?,
				FileSecret::Key(key) => key.clone(),
				FileSecret::Public => unreachable!("matched above"),
			};
			(
				Encryption::Aes256GcmStream { salt, nonce_prefix },
				Some(SegmentCipher::new(&key, nonce_prefix)),
			)
		},
	};
	let overhead = encryption.overhead() as usize;
	let segment_size = params.segment_size as usize;
	let full_piece = layout.piece_len(segment_size + overhead);
	let mut jobs: Vec<EncodeJob> = (0..batch_len(params.batch_segments))
		.map(|_| EncodeJob {
			index: 0,
			plaintext_len: 0,
			last: false,
			piece_len: 0,
			pieces: vec![0; layout.total() * full_piece],
		})
		.collect();
	let mut hashers = vec![blake3::Hasher::new(); layout.total()];
	let mut reader = BufReader::with_capacity(64 << 10, reader);
	let mut plaintext_size = 0u64;
	let mut next_index = 0u64;
	let mut done = false;

	while !done {
		// Fill the batch in order; the segment after which the input ends is the last.
		let mut filled = 0;
		while filled < jobs.len() && !done {
			if next_index >= MAX_SEGMENTS {
				return Err(EncodeError::TooLarge);
			}
			let job = &mut jobs[filled];
			job.index = next_index as u32;
			job.plaintext_len = read_full(&mut reader, &mut job.pieces[..segment_size])
				.map_err(EncodeError::Read)?;
			done = job.plaintext_len < segment_size
				|| reader.fill_buf().map_err(EncodeError::Read)?.is_empty();
			job.last = done;
			job.piece_len = layout.piece_len(job.plaintext_len + overhead);
			plaintext_size += job.plaintext_len as u64;
			next_index += 1;
			filled += 1;
		}
		let batch = &mut jobs[..filled];

		batch.par_iter_mut().try_for_each_init(
			|| Encoder::new(layout),
			|encoder, job| -> Result<(), EncodeError> {
				let stored_len = job.plaintext_len + overhead;
				let (data, parity) = job.pieces[..layout.total() * job.piece_len]
					.split_at_mut(layout.data() * job.piece_len);
				if let Some(cipher) = &cipher {
					cipher.seal_in_place(job.index, job.last, &mut data[..stored_len])?;
				}
				data[stored_len..].fill(0);
				encoder.encode(job.piece_len, data, parity)?;
				Ok(())
			},
		)?;

		let batch = &jobs[..filled];
		hashers.par_iter_mut().enumerate().for_each(|(shard, hasher)| {
			for job in batch {
				hasher.update(&job.pieces[shard * job.piece_len..][..job.piece_len]);
			}
		});
		for job in batch {
			for (shard, writer) in shards.iter_mut().enumerate() {
				writer
					.write_all(&job.pieces[shard * job.piece_len..][..job.piece_len])
					.map_err(|source| EncodeError::Write { shard, source })?;
			}
		}
	}
	for (shard, writer) in shards.iter_mut().enumerate() {
		writer.flush().map_err(|source| EncodeError::Write { shard, source })?;
	}

	let mut manifest = Manifest {
		version: FORMAT_VERSION,
		plaintext_size,
		segment_size: params.segment_size,
		data_shards: params.data_shards,
		parity_shards: params.parity_shards,
		encryption,
		shards: Vec::new(),
		file_root: Root::default(),
	};
	let size = manifest.shard_size();
	manifest.shards = hashers
		.iter()
		.map(|hasher| ShardInfo { root: *hasher.finalize().as_bytes(), size })
		.collect();
	manifest.file_root = manifest.compute_file_root();
	Ok(manifest)
}

/// Hashes a whole shard from its start, reading at most `expected_size + 1` bytes.
fn verify_shard<R: Read + Seek>(reader: &mut R, info: &ShardInfo) -> Result<(), ShardProblem> {
	let unreadable = |error: io::Error| ShardProblem::Unreadable(error.to_string());
	reader.seek(SeekFrom::Start(0)).map_err(unreadable)?;
	let mut hasher = blake3::Hasher::new();
	let mut buffer = vec![0u8; VERIFY_BUFFER];
	let mut limited = reader.take(info.size + 1);
	let mut size = 0u64;
	loop {
		let n = read_full(&mut limited, &mut buffer).map_err(unreadable)?;
		hasher.update(&buffer[..n]);
		size += n as u64;
		if n < buffer.len() {
			break;
		}
	}
	if size != info.size {
		return Err(ShardProblem::WrongSize { expected: info.size, got: size });
	}
	if hasher.finalize().as_bytes() != &info.root {
		return Err(ShardProblem::RootMismatch);
	}
	Ok(())
}

/// One segment in flight while decoding or rebuilding. The pieces of the used data shards are
/// read straight into their place in `output` (the padded segment), those of the used parity
/// shards into `parity`; the decoder then restores the missing data pieces in `output`. A rebuild
/// that wants parity shards encodes the parity of the restored segment into `recoded`.
struct DecodeJob {
	index: u64,
	piece_len: usize,
	parity: Vec<u8>,
	output: Vec<u8>,
	recoded: Vec<u8>,
	plaintext_len: usize,
}

/// Where a shard's piece of a segment is in its [`DecodeJob`].
#[derive(Clone, Copy)]
enum PiecePlace {
	/// Data shard `i`: `output[i * piece_len..]`.
	Data(usize),
	/// The `j`-th used parity shard: `parity[j * piece_len..]`.
	Parity(usize),
	/// Parity shard `k + j`, encoded again: `recoded[j * piece_len..]`.
	Recoded(usize),
}

impl DecodeJob {
	fn range(&self, place: PiecePlace) -> core::ops::Range<usize> {
		let (PiecePlace::Data(i) | PiecePlace::Parity(i) | PiecePlace::Recoded(i)) = place;
		i * self.piece_len..(i + 1) * self.piece_len
	}

	fn piece(&self, place: PiecePlace) -> &[u8] {
		let range = self.range(place);
		match place {
			PiecePlace::Data(_) => &self.output[range],
			PiecePlace::Parity(_) => &self.parity[range],
			PiecePlace::Recoded(_) => &self.recoded[range],
		}
	}

	fn piece_mut(&mut self, place: PiecePlace) -> &mut [u8] {
		let range = self.range(place);
		match place {
			PiecePlace::Data(_) => &mut self.output[range],
			PiecePlace::Parity(_) => &mut self.parity[range],
			PiecePlace::Recoded(_) => &mut self.recoded[range],
		}
	}
}

/// Hashes, in parallel across shards, the piece at `places[i]` of every segment of `batch` into
/// `hashers[i]`, in segment order.
fn hash_pieces(hashers: &mut [blake3::Hasher], places: &[PiecePlace], batch: &[DecodeJob]) {
	hashers.par_iter_mut().zip(places).for_each(|(hasher, &place)| {
		for job in batch {
			hasher.update(job.piece(place));
		}
	});
}

/// The `k` verified shards that [`decode`] and [`rebuild`] read, and where their pieces go.
struct Sources<R> {
	layout: Layout,
	/// The shards read, by index: the first `k` good ones.
	used: Vec<usize>,
	/// The data shards not among them, restored from the parity shards used.
	missing: Vec<usize>,
	/// Where each used shard's pieces are read to.
	places: Vec<PiecePlace>,
	/// The used shards' readers.
	readers: Vec<R>,
	/// The used shards, hashed again while read.
	hashers: Vec<blake3::Hasher>,
	/// Offered shards that failed verification, by index.
	rejected: Vec<(usize, ShardProblem)>,
}

impl<R: Read + Seek + Send> Sources<R> {
	/// Hashes every offered shard from its start (in parallel) and compares it with its root and
	/// size in `manifest`, which must be checked; out-of-range and duplicate indices are rejected
	/// too. Keeps the first `k` good shards by index, rewound; with fewer the error names every
	/// good and every rejected shard.
	fn verify(manifest: &Manifest, shards: Vec<(usize, R)>) -> Result<Self, SourceError> {
		let layout = Layout::new(manifest.data_shards.into(), manifest.parity_shards.into())
			.map_err(SourceError::Erasure)?;
		let k = layout.data();
		let mut rejected = Vec::new();
		let mut offered: Vec<(usize, R)> = Vec::with_capacity(shards.len());
		for (index, reader) in shards {
			if index >= layout.total() {
				rejected.push((index, ShardProblem::IndexOutOfRange { total: layout.total() }));
			} else if offered.iter().any(|(seen, _)| *seen == index) {
				rejected.push((index, ShardProblem::Duplicate));
			} else {
				offered.push((index, reader));
			}
		}
		let verdicts: Vec<Result<(), ShardProblem>> = offered
			.par_iter_mut()
			.map(|(index, reader)| verify_shard(reader, &manifest.shards[*index]))
			.collect();
		let mut good = Vec::new();
		for ((index, reader), verdict) in offered.into_iter().zip(verdicts) {
			match verdict {
				Ok(()) => good.push((index, reader)),
				Err(problem) => rejected.push((index, problem)),
			}
		}
		rejected.sort_by_key(|(index, _)| *index);
		good.sort_by_key(|(index, _)| *index);
		if good.len() < k {
			return Err(SourceError::NotEnoughShards {
				needed: k,
				good: good.into_iter().map(|(index, _)| index).collect(),
				rejected,
			});
		}
		// Sorted by index, so the first k prefer data shards: no Reed-Solomon work when all are
		// good.
		good.truncate(k);
		let used: Vec<usize> = good.iter().map(|(index, _)| *index).collect();
		// Data shards are read into their place in the segment, so with all of them good nothing
		// is copied; the parity shards used stand in for the missing data shards.
		let missing: Vec<usize> = (0..k).filter(|index| !used.contains(index)).collect();
		let places: Vec<PiecePlace> = used
			.iter()
			.map(|&shard| match shard.checked_sub(k) {
				None => PiecePlace::Data(shard),
				Some(_) => {
					PiecePlace::Parity(used.iter().filter(|&&u| k <= u && u < shard).count())
				},
			})
			.collect();
		let mut readers: Vec<R> = Vec::with_capacity(k);
		for (shard, mut reader) in good {
			reader
				.seek(SeekFrom::Start(0))
				.map_err(|source| SourceError::Read { shard, source })?;
			readers.push(reader);
		}
		let hashers = vec![blake3::Hasher::new(); k];
		Ok(Self { layout, used, missing, places, readers, hashers, rejected })
	}

	/// Reads the used shards to their end in batches of segments (twice the rayon pool's
	/// threads): reads and hashes the pieces of every segment of a batch, then, in parallel
	/// across its segments, restores the missing data pieces and runs `process` (with a state
	/// per worker from `init`), then hands the batch to `emit` in file order. Memory in flight
	/// is the batch, whatever the file's size.
	fn run<S, E: From<SourceError> + Send>(
		&mut self,
		manifest: &Manifest,
		init: impl Fn() -> S + Sync + Send,
		process: impl Fn(&mut S, &mut DecodeJob) -> Result<(), E> + Sync + Send,
		mut emit: impl FnMut(&[DecodeJob]) -> Result<(), E>,
	) -> Result<(), E> {
		let layout = self.layout;
		let k = layout.data();
		let segment_count = manifest.segment_count();
		// Buffers grow to the largest segment actually read, never to the manifest's claim.
		let mut jobs: Vec<DecodeJob> = (0..batch_len(0).min(segment_count as usize))
			.map(|_| DecodeJob {
				index: 0,
				piece_len: 0,
				parity: Vec::new(),
				output: Vec::new(),
				recoded: Vec::new(),
				plaintext_len: 0,
			})
			.collect();
		let mut next = 0u64;
		while next < segment_count {
			let filled = jobs.len().min((segment_count - next) as usize);
			for job in &mut jobs[..filled] {
				job.index = next;
				job.piece_len = manifest.segment_piece_len(next) as usize;
				job.plaintext_len = manifest.segment_plaintext_len(next) as usize;
				if job.output.len() < k * job.piece_len {
					job.parity.resize(self.missing.len() * job.piece_len, 0);
					job.output.resize(k * job.piece_len, 0);
				}
				next += 1;
			}
			let batch = &mut jobs[..filled];
			for ((reader, &shard), &place) in
				self.readers.iter_mut().zip(&self.used).zip(&self.places)
			{
				for job in batch.iter_mut() {
					reader
						.read_exact(job.piece_mut(place))
						.map_err(|source| SourceError::Read { shard, source })?;
				}
			}
			hash_pieces(&mut self.hashers, &self.places, &jobs[..filled]);
			let (used, missing) = (&self.used, &self.missing);
			let results: Vec<Result<(), E>> = jobs[..filled]
				.par_iter_mut()
				.map_init(
					|| (Decoder::new(layout), init()),
					|(decoder, state), job| -> Result<(), E> {
						let parity: Vec<(usize, &[u8])> = used[k - missing.len()..]
							.iter()
							.zip(job.parity.chunks_exact(job.piece_len))
							.map(|(&shard, piece)| (shard, piece))
							.collect();
						decoder
							.restore(
								job.piece_len,
								&mut job.output[..k * job.piece_len],
								missing,
								&parity,
							)
							.map_err(SourceError::Erasure)?;
						process(state, job)
					},
				)
				.collect();
			// The first failing segment in file order, whichever worker saw its failure first.
			results.into_iter().collect::<Result<(), _>>()?;
			emit(&jobs[..filled])?;
		}
		Ok(())
	}

	/// Compares the used shards, hashed again while read, with their roots (a shard that changed
	/// after verification is an error) and reports what was used and rejected.
	fn finish(self, manifest: &Manifest) -> Result<DecodeReport, SourceError> {
		for (hasher, &shard) in self.hashers.iter().zip(&self.used) {
			if hasher.finalize().as_bytes() != &manifest.shards[shard].root {
				return Err(SourceError::ShardChanged { shard });
			}
		}
		Ok(DecodeReport { used: self.used, rejected: self.rejected })
	}
}

/// Rebuilds the file of `manifest` from `shards`, given as `(shard index, reader)` in any order,
/// and writes it to `output`.
///
/// Every offered shard is first hashed from its start and compared with its root and size (in
/// parallel); a shard that does not match is not used. If fewer than `k` remain, the error names
/// every rejected shard and why. The file is then rebuilt from the good data shards, and parity
/// shards for the missing ones, in batches of segments decoded in parallel; the shards used are
/// hashed again while read, so a shard that changed after verification is an error too.
pub fn decode<R: Read + Seek + Send, W: Write>(
	manifest: &Manifest,
	shards: Vec<(usize, R)>,
	secret: FileSecret<'_>,
	mut output: W,
) -> Result<DecodeReport, DecodeError> {
	manifest.check()?;
	let cipher = match (&manifest.encryption, secret) {
		(Encryption::None, _) => None,
		(Encryption::Aes256GcmStream { .. }, FileSecret::Public) => {
			return Err(DecodeError::KeyRequired)
		},
		(Encryption::Aes256GcmStream { salt, nonce_prefix }, FileSecret::Owner(owner)) => {
			let key = FileKey::derive(owner, salt).map_err(DecodeError::Key)?;
			Some(SegmentCipher::new(&key, *nonce_prefix))
		},
		(Encryption::Aes256GcmStream { nonce_prefix, .. }, FileSecret::Key(key)) => {
			Some(SegmentCipher::new(key, *nonce_prefix))
		},
	};
	let mut sources = Sources::verify(manifest, shards)?;
	let k = sources.layout.data();
	let overhead = manifest.encryption.overhead() as usize;
	let segment_count = manifest.segment_count();
	sources.run(
		manifest,
		|| (),
		|_, job| {
			let stored_len = job.plaintext_len + overhead;
			if job.output[stored_len..k * job.piece_len].iter().any(|&byte| byte != 0) {
				return Err(DecodeError::Padding { segment: job.index });
			}
			if let Some(cipher) = &cipher {
				let last = job.index + 1 == segment_count;
				cipher
					.open_in_place(job.index as u32, last, &mut job.output[..stored_len])
					.map_err(|source| DecodeError::Decrypt { segment: job.index, source })?;
			}
			Ok(())
		},
		|batch| {
			for job in batch {
				output.write_all(&job.output[..job.plaintext_len]).map_err(DecodeError::Write)?;
			}
			Ok(())
		},
	)?;
	let report = sources.finish(manifest)?;
	output.flush().map_err(DecodeError::Write)?;
	Ok(report)
}

/// Rebuilds shards `wanted` (indices into `manifest.shards`) of `manifest`'s file from any `k` of
/// `shards` (given as `(index, reader)`, any order), writing shard `wanted[j]` to `outputs[j]`.
///
/// No key is needed: the shards hold the stored (for an encrypted file, encrypted) segments,
/// and erasure coding works on those bytes. Every offered shard is verified first like
/// [`decode`] does (root and size; bad ones are rejected and reported), then the first `k` good
/// ones are read in batches of segments: in parallel across the segments of a batch, the missing
/// data pieces are restored and, if a parity shard is wanted, the parity encoded again; the
/// wanted pieces are written in order. Each rebuilt shard is hashed while written and must match
/// its root in the manifest, so `Ok` means every output holds its shard's exact bytes.
///
/// A wanted index must be a shard of the file, wanted once and not offered (offer only shards
/// you hold; a bad one is rejected anyway). With nothing wanted, nothing is written and this only
/// checks the offered shards. Output written before an error must be discarded.
pub fn rebuild<R: Read + Seek + Send, W: Write>(
	manifest: &Manifest,
	shards: Vec<(usize, R)>,
	wanted: &[usize],
	outputs: &mut [W],
) -> Result<DecodeReport, RebuildError> {
	manifest.check()?;
	let total = manifest.shard_count();
	for (position, &shard) in wanted.iter().enumerate() {
		if shard >= total {
			return Err(RebuildError::WantedOutOfRange { shard, total });
		}
		if wanted[..position].contains(&shard) {
			return Err(RebuildError::WantedTwice { shard });
		}
		if shards.iter().any(|(offered, _)| *offered == shard) {
			return Err(RebuildError::WantedAndOffered { shard });
		}
	}
	if outputs.len() != wanted.len() {
		return Err(RebuildError::OutputCount { expected: wanted.len(), got: outputs.len() });
	}
	let mut sources = Sources::verify(manifest, shards)?;
	let layout = sources.layout;
	let (k, m) = (layout.data(), layout.parity());
	// A wanted data shard was not offered, so it is restored in place like every missing one; a
	// wanted parity shard needs all data pieces restored, then encoded again.
	let places: Vec<PiecePlace> = wanted
		.iter()
		.map(|&shard| match shard.checked_sub(k) {
			None => PiecePlace::Data(shard),
			Some(parity) => PiecePlace::Recoded(parity),
		})
		.collect();
	let recode = wanted.iter().any(|&shard| shard >= k);
	let mut hashers = vec![blake3::Hasher::new(); wanted.len()];
	sources.run(
		manifest,
		|| Encoder::new(layout),
		|encoder, job| -> Result<(), RebuildError> {
			if recode {
				let parity_len = m * job.piece_len;
				if job.recoded.len() < parity_len {
					job.recoded.resize(parity_len, 0);
				}
				let data = &job.output[..k * job.piece_len];
				encoder.encode(job.piece_len, data, &mut job.recoded[..parity_len])?;
			}
			Ok(())
		},
		|batch| {
			hash_pieces(&mut hashers, &places, batch);
			for job in batch {
				for ((output, &place), &shard) in outputs.iter_mut().zip(&places).zip(wanted) {
					output
						.write_all(job.piece(place))
						.map_err(|source| RebuildError::Write { shard, source })?;
				}
			}
			Ok(())
		},
	)?;
	let report = sources.finish(manifest)?;
	for (hasher, &shard) in hashers.iter().zip(wanted) {
		if hasher.finalize().as_bytes() != &manifest.shards[shard].root {
			return Err(RebuildError::RootMismatch { shard });
		}
	}
	for (output, &shard) in outputs.iter_mut().zip(wanted) {
		output.flush().map_err(|source| RebuildError::Write { shard, source })?;
	}
	Ok(report)
}

#[cfg(test)]
mod tests;
