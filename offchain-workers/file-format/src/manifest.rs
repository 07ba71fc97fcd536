//! The manifest: everything needed to put a file back together from its shards, except the
//! key. Builds without `std` so the runtime can store and check it.

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, Input, MaxEncodedLen};
use scale_info::TypeInfo;

/// The only format version so far.
pub const FORMAT_VERSION: u8 = 1;
/// Largest segment: bounds the memory a decoder allocates per segment whatever it is fed.
pub const MAX_SEGMENT_SIZE: u32 = 64 << 20;
/// Most data shards (`k`).
pub const MAX_DATA_SHARDS: u8 = 32;
/// Most parity shards (`m`).
pub const MAX_PARITY_SHARDS: u8 = 32;
/// Most shards of one file.
pub const MAX_SHARDS: usize = MAX_DATA_SHARDS as usize + MAX_PARITY_SHARDS as usize;
/// Most segments of one file: the STREAM counter is 32 bits.
pub const MAX_SEGMENTS: u64 = 1 << 32;
/// Bytes of the AES-GCM tag after every encrypted segment.
pub const TAG_LEN: usize = 16;
/// Pieces are a multiple of this many bytes (the Reed-Solomon backend works on 16-bit words).
pub const PIECE_ALIGN: u64 = 2;
/// BLAKE3 `derive_key` context of the file root.
pub const FILE_ROOT_CONTEXT: &str = "xmbl 2026 file root v1";

/// A BLAKE3 hash.
pub type Root = [u8; 32];

/// Whether and how the segments are encrypted.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Encryption {
	/// Public data: segments are stored as they are.
	#[codec(index = 0)]
	None,
	/// AES-256-GCM per segment in the STREAM construction; the key is derived from the owner's
	/// secret and `salt` (or given raw), the nonce starts with `nonce_prefix`.
	#[codec(index = 1)]
	Aes256GcmStream { salt: [u8; 32], nonce_prefix: [u8; 7] },
}

impl Encryption {
	/// Bytes the cipher adds to every segment.
	pub fn overhead(&self) -> u64 {
		match self {
			Self::None => 0,
			Self::Aes256GcmStream { .. } => TAG_LEN as u64,
		}
	}
}

/// One shard: the BLAKE3 hash of its bytes and their number.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ShardInfo {
	pub root: Root,
	pub size: u64,
}

/// A stored file's manifest. Its SCALE encoding is the format's manifest encoding
/// (`DESIGN.md` lays it out byte by byte); decoding refuses more than [`MAX_SHARDS`] shards
/// before allocating, and [`Manifest::check`] refuses anything inconsistent.
#[derive(Clone, PartialEq, Eq, Debug, Encode, TypeInfo)]
pub struct Manifest {
	pub version: u8,
	pub plaintext_size: u64,
	pub segment_size: u32,
	/// `k`
	pub data_shards: u8,
	/// `m`
	pub parity_shards: u8,
	pub encryption: Encryption,
	/// Shard `i` is piece `i` of every segment, in segment order.
	pub shards: Vec<ShardInfo>,
	/// Commits to every field above; see [`Manifest::compute_file_root`].
	pub file_root: Root,
}

impl Decode for Manifest {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		let version = u8::decode(input)?;
		let plaintext_size = u64::decode(input)?;
		let segment_size = u32::decode(input)?;
		let data_shards = u8::decode(input)?;
		let parity_shards = u8::decode(input)?;
		let encryption = Encryption::decode(input)?;
		let count = Compact::<u32>::decode(input)?.0 as usize;
		if count > MAX_SHARDS {
			return Err("manifest lists more shards than a file can have".into());
		}
		let shards = (0..count).map(|_| ShardInfo::decode(input)).collect::<Result<_, _>>()?;
		let file_root = Root::decode(input)?;
		Ok(Self {
			version,
			plaintext_size,
			segment_size,
			data_shards,
			parity_shards,
			encryption,
			shards,
			file_root,
		})
	}
}

// `decode` allocates no more than `MAX_SHARDS` entries whatever the input claims.
impl DecodeWithMemTracking for Manifest {}

impl MaxEncodedLen for Manifest {
	fn max_encoded_len() -> usize {
		u8::max_encoded_len()
			+ u64::max_encoded_len()
			+ u32::max_encoded_len()
			+ 2 * u8::max_encoded_len()
			+ Encryption::max_encoded_len()
			+ Compact::<u32>(MAX_SHARDS as u32).encoded_size()
			+ MAX_SHARDS * ShardInfo::max_encoded_len()
			+ Root::max_encoded_len()
	}
}

/// Why a manifest is not usable.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ManifestError {
	UnsupportedVersion(u8),
	InvalidShardCounts { data: u8, parity: u8 },
	InvalidSegmentSize(u32),
	TooManySegments { plaintext_size: u64, segment_size: u32 },
	ShardListLength { expected: usize, got: usize },
	ShardSize { shard: usize, expected: u64, got: u64 },
	FileRootMismatch,
	Undecodable,
}

impl core::fmt::Display for ManifestError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::UnsupportedVersion(version) => {
				write!(f, "manifest format version {version} is not supported (this build reads {FORMAT_VERSION})")
			},
			Self::InvalidShardCounts { data, parity } => write!(
				f,
				"manifest has {data} data + {parity} parity shards; data must be 1..={MAX_DATA_SHARDS}, \
				 parity 0..={MAX_PARITY_SHARDS}"
			),
			Self::InvalidSegmentSize(size) => {
				write!(f, "manifest segment size {size} is not in 1..={MAX_SEGMENT_SIZE}")
			},
			Self::TooManySegments { plaintext_size, segment_size } => write!(
				f,
				"{plaintext_size} bytes in segments of {segment_size} is more than {MAX_SEGMENTS} segments"
			),
			Self::ShardListLength { expected, got } => {
				write!(f, "manifest lists {got} shards, its k + m is {expected}")
			},
			Self::ShardSize { shard, expected, got } => {
				write!(f, "manifest gives shard {shard} {got} bytes, its layout makes {expected}")
			},
			Self::FileRootMismatch => {
				f.write_str("manifest file root does not match its contents: it was altered")
			},
			Self::Undecodable => f.write_str("bytes are not a SCALE-encoded manifest"),
		}
	}
}

impl core::error::Error for ManifestError {}

/// Length of every piece of a stored segment of `stored_len` bytes coded into `k` data pieces.
pub fn piece_len(stored_len: u64, data_shards: u8) -> u64 {
	stored_len
		.div_ceil(u64::from(data_shards))
		.next_multiple_of(PIECE_ALIGN)
		.max(PIECE_ALIGN)
}

impl Manifest {
	/// Decodes and [`check`](Self::check)s a manifest; trailing bytes are refused.
	pub fn decode_checked(mut bytes: &[u8]) -> Result<Self, ManifestError> {
		let manifest = Self::decode(&mut bytes).map_err(|_| ManifestError::Undecodable)?;
		if !bytes.is_empty() {
			return Err(ManifestError::Undecodable);
		}
		manifest.check()?;
		Ok(manifest)
	}

	/// Checks every field against the others: version, shard counts, segment size, the number
	/// of segments, each shard's size against the layout, and the file root.
	pub fn check(&self) -> Result<(), ManifestError> {
		if self.version != FORMAT_VERSION {
			return Err(ManifestError::UnsupportedVersion(self.version));
		}
		if !(1..=MAX_DATA_SHARDS).contains(&self.data_shards)
			|| self.parity_shards > MAX_PARITY_SHARDS
		{
			return Err(ManifestError::InvalidShardCounts {
				data: self.data_shards,
				parity: self.parity_shards,
			});
		}
		if !(1..=MAX_SEGMENT_SIZE).contains(&self.segment_size) {
			return Err(ManifestError::InvalidSegmentSize(self.segment_size));
		}
		if self.plaintext_size.div_ceil(u64::from(self.segment_size)) > MAX_SEGMENTS {
			return Err(ManifestError::TooManySegments {
				plaintext_size: self.plaintext_size,
				segment_size: self.segment_size,
			});
		}
		let expected = self.shard_count();
		if self.shards.len() != expected {
			return Err(ManifestError::ShardListLength { expected, got: self.shards.len() });
		}
		let size = self.shard_size();
		if let Some((shard, info)) =
			self.shards.iter().enumerate().find(|(_, info)| info.size != size)
		{
			return Err(ManifestError::ShardSize { shard, expected: size, got: info.size });
		}
		if self.compute_file_root() != self.file_root {
			return Err(ManifestError::FileRootMismatch);
		}
		Ok(())
	}

	/// `k + m`.
	pub fn shard_count(&self) -> usize {
		usize::from(self.data_shards) + usize::from(self.parity_shards)
	}

	/// Segments of the file: at least one, so an empty file still has an authenticated (last)
	/// segment and truncating a file to nothing is detected.
	pub fn segment_count(&self) -> u64 {
		self.plaintext_size.div_ceil(u64::from(self.segment_size)).max(1)
	}

	/// Plaintext bytes of segment `index`: `segment_size` for all but the last.
	pub fn segment_plaintext_len(&self, index: u64) -> u64 {
		let start = index * u64::from(self.segment_size);
		(self.plaintext_size - start.min(self.plaintext_size)).min(u64::from(self.segment_size))
	}

	/// Stored bytes of segment `index`: its plaintext plus the tag if encrypted.
	pub fn segment_stored_len(&self, index: u64) -> u64 {
		self.segment_plaintext_len(index) + self.encryption.overhead()
	}

	/// Bytes of segment `index` in every shard.
	pub fn segment_piece_len(&self, index: u64) -> u64 {
		piece_len(self.segment_stored_len(index), self.data_shards)
	}

	/// Bytes of every shard: all but the last segment have full pieces.
	pub fn shard_size(&self) -> u64 {
		let last = self.segment_count() - 1;
		let full =
			piece_len(u64::from(self.segment_size) + self.encryption.overhead(), self.data_shards);
		last * full + self.segment_piece_len(last)
	}

	/// BLAKE3 in `derive_key` mode with context [`FILE_ROOT_CONTEXT`] over the SCALE encoding of
	/// every field but `file_root` itself, in manifest order.
	pub fn compute_file_root(&self) -> Root {
		let mut hasher = blake3::Hasher::new_derive_key(FILE_ROOT_CONTEXT);
		let mut feed = |bytes: &[u8]| {
			hasher.update(bytes);
		};
		self.version.using_encoded(&mut feed);
		self.plaintext_size.using_encoded(&mut feed);
		self.segment_size.using_encoded(&mut feed);
		self.data_shards.using_encoded(&mut feed);
		self.parity_shards.using_encoded(&mut feed);
		self.encryption.using_encoded(&mut feed);
		self.shards.using_encoded(&mut feed);
		*hasher.finalize().as_bytes()
	}
}
