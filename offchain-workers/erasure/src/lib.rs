//! Reed-Solomon erasure coding of XMBL file segments.
//!
//! A segment of `len` bytes is split into `k` data pieces of [`Layout::piece_len`] bytes each
//! (the last one zero-padded) and extended by `m` parity pieces of the same length. Any `k` of
//! the `k + m` pieces, given by index in any order, give the segment back.
//!
//! The Reed-Solomon arithmetic is `reed-solomon-simd` (GF(2^16), O(n log n)); this crate adds
//! what it does not do: `m = 0` (the pieces are the split data), `k = 1` (every piece is a copy
//! of the data), the even piece length it requires, and reusable encoder/decoder state for hot
//! loops. `DESIGN.md` has the figures behind the choice.

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// Most data pieces per segment.
pub const MAX_DATA_PIECES: usize = 32;
/// Most parity pieces per segment.
pub const MAX_PARITY_PIECES: usize = 32;
/// Pieces are a multiple of this many bytes (`reed-solomon-simd` works on 16-bit words).
pub const PIECE_ALIGN: usize = 2;

/// Why encoding or decoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErasureError {
	#[error(
		"unsupported erasure parameters: {data} data + {parity} parity pieces \
		 (data must be 1..={MAX_DATA_PIECES}, parity 0..={MAX_PARITY_PIECES})"
	)]
	InvalidParameters { data: usize, parity: usize },
	#[error("piece length {0} is not a positive multiple of {PIECE_ALIGN} bytes")]
	InvalidPieceLength(usize),
	#[error("{what} buffer holds {got} bytes, expected {expected}")]
	BufferLength { what: &'static str, expected: usize, got: usize },
	#[error("piece index {index} is out of range: there are {total} pieces")]
	PieceIndexOutOfRange { index: usize, total: usize },
	#[error("piece {0} was given twice")]
	DuplicatePiece(usize),
	#[error("piece {index} is not a data piece: data pieces are 0..{data}")]
	NotADataPiece { index: usize, data: usize },
	#[error("piece {index} is not a parity piece: parity pieces start at {data}")]
	NotAParityPiece { index: usize, data: usize },
	#[error("piece {index} holds {got} bytes, expected {expected}")]
	PieceLength { index: usize, expected: usize, got: usize },
	#[error("{got} distinct pieces given, at least {needed} are needed")]
	NotEnoughPieces { needed: usize, got: usize },
	#[error("Reed-Solomon backend failed: {0}")]
	Backend(String),
}

impl From<reed_solomon_simd::Error> for ErasureError {
	fn from(error: reed_solomon_simd::Error) -> Self {
		Self::Backend(error.to_string())
	}
}

/// How many data (`k`) and parity (`m`) pieces a segment is coded into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout {
	data: usize,
	parity: usize,
}

impl Layout {
	/// `data` in `1..=32`, `parity` in `0..=32`.
	pub fn new(data: usize, parity: usize) -> Result<Self, ErasureError> {
		if !(1..=MAX_DATA_PIECES).contains(&data) || parity > MAX_PARITY_PIECES {
			return Err(ErasureError::InvalidParameters { data, parity });
		}
		Ok(Self { data, parity })
	}

	/// `k`: pieces that carry the data, and how many are needed to decode.
	pub fn data(&self) -> usize {
		self.data
	}

	/// `m`: pieces that may be lost.
	pub fn parity(&self) -> usize {
		self.parity
	}

	/// `k + m`.
	pub fn total(&self) -> usize {
		self.data + self.parity
	}

	/// Length of every piece of a segment of `segment_len` bytes: `segment_len / k` rounded up
	/// to a multiple of [`PIECE_ALIGN`], at least [`PIECE_ALIGN`] (an empty segment still has
	/// pieces, so every shard of every file has bytes to hash and prove).
	pub fn piece_len(&self, segment_len: usize) -> usize {
		segment_len.div_ceil(self.data).next_multiple_of(PIECE_ALIGN).max(PIECE_ALIGN)
	}

	fn check_piece_len(&self, piece_len: usize) -> Result<(), ErasureError> {
		if piece_len == 0 || !piece_len.is_multiple_of(PIECE_ALIGN) {
			return Err(ErasureError::InvalidPieceLength(piece_len));
		}
		Ok(())
	}

	/// Whether parity is computed by Reed-Solomon (not by copying, not absent).
	fn uses_reed_solomon(&self) -> bool {
		self.data > 1 && self.parity > 0
	}
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), ErasureError> {
	if expected != got {
		return Err(ErasureError::BufferLength { what, expected, got });
	}
	Ok(())
}

/// Computes parity pieces; keeps its work buffers between segments.
pub struct Encoder {
	layout: Layout,
	backend: Option<ReedSolomonEncoder>,
}

impl Encoder {
	pub fn new(layout: Layout) -> Self {
		Self { layout, backend: None }
	}

	pub fn layout(&self) -> Layout {
		self.layout
	}

	/// Computes the `m` parity pieces of `data` into `parity`.
	///
	/// `data` is the segment already padded to `k * piece_len` bytes, so data piece `i` is
	/// `data[i * piece_len..][..piece_len]` and is never copied; `parity` must hold
	/// `m * piece_len` bytes, parity piece `j` (piece index `k + j`) at `j * piece_len`.
	pub fn encode(
		&mut self,
		piece_len: usize,
		data: &[u8],
		parity: &mut [u8],
	) -> Result<(), ErasureError> {
		let Layout { data: k, parity: m } = self.layout;
		self.layout.check_piece_len(piece_len)?;
		check_len("data", k * piece_len, data.len())?;
		check_len("parity", m * piece_len, parity.len())?;
		if m == 0 {
			return Ok(());
		}
		if k == 1 {
			parity.chunks_exact_mut(piece_len).for_each(|piece| piece.copy_from_slice(data));
			return Ok(());
		}
		let backend = match &mut self.backend {
			Some(backend) => {
				backend.reset(k, m, piece_len)?;
				backend
			},
			slot => slot.insert(ReedSolomonEncoder::new(k, m, piece_len)?),
		};
		for piece in data.chunks_exact(piece_len) {
			backend.add_original_shard(piece)?;
		}
		let result = backend.encode()?;
		for (out, piece) in parity.chunks_exact_mut(piece_len).zip(result.recovery_iter()) {
			out.copy_from_slice(piece);
		}
		Ok(())
	}
}

/// Rebuilds the data pieces from any `k` pieces; keeps its work buffers between segments.
pub struct Decoder {
	layout: Layout,
	backend: Option<ReedSolomonDecoder>,
}

impl Decoder {
	pub fn new(layout: Layout) -> Self {
		Self { layout, backend: None }
	}

	pub fn layout(&self) -> Layout {
		self.layout
	}

	/// Writes the `k * piece_len` bytes of padded segment data into `out` from `pieces`, given
	/// as `(piece index, bytes)` in any order. Data pieces are preferred: if all `k` are there
	/// no Reed-Solomon work is done. Extra pieces beyond the `k` used are ignored.
	///
	/// The present data pieces are copied into `out`; a caller that can put them there itself
	/// (e.g. by reading them straight into place) saves that copy with [`Decoder::restore`].
	pub fn decode(
		&mut self,
		piece_len: usize,
		pieces: &[(usize, &[u8])],
		out: &mut [u8],
	) -> Result<(), ErasureError> {
		let Layout { data: k, .. } = self.layout;
		let total = self.layout.total();
		self.layout.check_piece_len(piece_len)?;
		check_len("output", k * piece_len, out.len())?;

		let mut by_index: [Option<&[u8]>; MAX_DATA_PIECES + MAX_PARITY_PIECES] =
			[None; MAX_DATA_PIECES + MAX_PARITY_PIECES];
		for &(index, bytes) in pieces {
			if index >= total {
				return Err(ErasureError::PieceIndexOutOfRange { index, total });
			}
			if bytes.len() != piece_len {
				return Err(ErasureError::PieceLength {
					index,
					expected: piece_len,
					got: bytes.len(),
				});
			}
			if by_index[index].replace(bytes).is_some() {
				return Err(ErasureError::DuplicatePiece(index));
			}
		}
		let given = by_index[..total].iter().flatten().count();
		if given < k {
			return Err(ErasureError::NotEnoughPieces { needed: k, got: given });
		}

		let mut missing = MissingSet::default();
		for (index, piece) in by_index[..k].iter().enumerate() {
			match piece {
				Some(piece) => out[index * piece_len..][..piece_len].copy_from_slice(piece),
				None => missing.insert(index),
			}
		}
		let mut parity = [(0, &[][..]); MAX_PARITY_PIECES];
		let mut parity_count = 0;
		// Only as many parity pieces as there are missing data pieces: the rest adds work.
		for (index, piece) in by_index[k..total].iter().enumerate() {
			if parity_count == missing.len() {
				break;
			}
			if let Some(piece) = piece {
				parity[parity_count] = (index, *piece);
				parity_count += 1;
			}
		}
		self.restore_checked(piece_len, out, missing, &parity[..parity_count])
	}

	/// Restores the missing data pieces of a segment in place.
	///
	/// `data` holds the `k * piece_len` bytes of padded segment data, data piece `i` at
	/// `i * piece_len`; the pieces whose indices are in `missing` are overwritten with their
	/// restored bytes, every other data piece must already be in place. `parity` gives parity
	/// pieces as `(piece index, bytes)` with indices in `k..k + m`, in any order, at least as
	/// many as pieces are missing; extra ones are ignored. With nothing missing this does no
	/// work. This is [`Decoder::decode`] without copying the present data pieces: a caller that
	/// reads data pieces straight into their place in the segment copies nothing.
	pub fn restore(
		&mut self,
		piece_len: usize,
		data: &mut [u8],
		missing: &[usize],
		parity: &[(usize, &[u8])],
	) -> Result<(), ErasureError> {
		let Layout { data: k, .. } = self.layout;
		let total = self.layout.total();
		self.layout.check_piece_len(piece_len)?;
		check_len("data", k * piece_len, data.len())?;
		let mut missing_set = MissingSet::default();
		for &index in missing {
			if index >= k {
				return Err(ErasureError::NotADataPiece { index, data: k });
			}
			if missing_set.contains(index) {
				return Err(ErasureError::DuplicatePiece(index));
			}
			missing_set.insert(index);
		}
		let mut seen = [false; MAX_PARITY_PIECES];
		let mut used = [(0, &[][..]); MAX_PARITY_PIECES];
		let mut used_count = 0;
		for &(index, bytes) in parity {
			if index >= total {
				return Err(ErasureError::PieceIndexOutOfRange { index, total });
			}
			if index < k {
				return Err(ErasureError::NotAParityPiece { index, data: k });
			}
			if bytes.len() != piece_len {
				return Err(ErasureError::PieceLength {
					index,
					expected: piece_len,
					got: bytes.len(),
				});
			}
			if std::mem::replace(&mut seen[index - k], true) {
				return Err(ErasureError::DuplicatePiece(index));
			}
			if used_count < missing_set.len() {
				used[used_count] = (index - k, bytes);
				used_count += 1;
			}
		}
		if used_count < missing_set.len() {
			let given = k - missing_set.len() + seen.iter().filter(|&&seen| seen).count();
			return Err(ErasureError::NotEnoughPieces { needed: k, got: given });
		}
		self.restore_checked(piece_len, data, missing_set, &used[..used_count])
	}

	/// `restore` on checked arguments: `parity` holds exactly `missing.len()` distinct parity
	/// pieces of the right length, as `(parity index in 0..m, bytes)`.
	fn restore_checked(
		&mut self,
		piece_len: usize,
		data: &mut [u8],
		missing: MissingSet,
		parity: &[(usize, &[u8])],
	) -> Result<(), ErasureError> {
		let Layout { data: k, parity: m } = self.layout;
		debug_assert_eq!(parity.len(), missing.len());
		if missing.is_empty() {
			return Ok(());
		}
		if !self.layout.uses_reed_solomon() {
			// k = 1: every parity piece is a copy of the one data piece.
			data.copy_from_slice(parity[0].1);
			return Ok(());
		}
		let backend = match &mut self.backend {
			Some(backend) => {
				backend.reset(k, m, piece_len)?;
				backend
			},
			slot => slot.insert(ReedSolomonDecoder::new(k, m, piece_len)?),
		};
		for (index, piece) in data.chunks_exact(piece_len).enumerate() {
			if !missing.contains(index) {
				backend.add_original_shard(index, piece)?;
			}
		}
		for &(index, piece) in parity {
			backend.add_recovery_shard(index, piece)?;
		}
		let result = backend.decode()?;
		for (index, piece) in result.restored_original_iter() {
			data[index * piece_len..][..piece_len].copy_from_slice(piece);
		}
		Ok(())
	}
}

/// A set of data piece indices (`k <= 32`).
#[derive(Clone, Copy, Default)]
struct MissingSet(u64);

impl MissingSet {
	fn insert(&mut self, index: usize) {
		self.0 |= 1 << index;
	}

	fn contains(&self, index: usize) -> bool {
		self.0 & (1 << index) != 0
	}

	fn len(&self) -> usize {
		self.0.count_ones() as usize
	}

	fn is_empty(&self) -> bool {
		self.0 == 0
	}
}

/// Splits `segment` into a zero-padded `k * piece_len` buffer and computes its parity: a
/// convenience over [`Encoder`] that returns all `k + m` pieces, piece `i` at `i * piece_len`.
pub fn encode_segment(encoder: &mut Encoder, segment: &[u8]) -> Result<Vec<u8>, ErasureError> {
	let layout = encoder.layout();
	let piece_len = layout.piece_len(segment.len());
	let mut pieces = vec![0u8; layout.total() * piece_len];
	pieces[..segment.len()].copy_from_slice(segment);
	let (data, parity) = pieces.split_at_mut(layout.data() * piece_len);
	encoder.encode(piece_len, data, parity)?;
	Ok(pieces)
}

#[cfg(test)]
mod tests;
