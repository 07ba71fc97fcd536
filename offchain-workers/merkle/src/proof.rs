//! Combined inclusion proofs for a set of leaves, and their verifier.
//!
//! A proof is the list of chaining values of every maximal subtree that holds none of the
//! proven leaves, in the order a depth-first, left-to-right walk from the root meets them.
//! The walk only descends into subtrees holding a proven leaf, so path nodes that several
//! leaves share are sent once, and the positions of the nodes need not be sent at all: both
//! sides derive them from the shard length and the leaf indices.

use alloc::vec::Vec;
use blake3::hazmat::{
	merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::layout::{Layout, Subtree, MAX_LEAF_LOG, PARENT_LEN};

/// The most leaves one proof may prove.
pub const MAX_PROOF_LEAVES: u32 = 64;

/// The deepest tree there is: a shard of `u64::MAX` bytes with the smallest leaf.
const MAX_DEPTH: u32 = 64 - 10;

/// The most nodes a proof of [`MAX_PROOF_LEAVES`] leaves can hold.
pub const MAX_PROOF_NODES: u32 = MAX_PROOF_LEAVES * MAX_DEPTH;

/// The sibling chaining values proving a set of leaves of one shard.
///
/// SCALE-encoded as a compact length and 32 bytes per node; decoding refuses more than
/// [`MAX_PROOF_NODES`] nodes, which bounds [`MaxEncodedLen`].
#[derive(Clone, Debug, PartialEq, Eq, Encode, TypeInfo)]
pub struct Proof {
	nodes: Vec<[u8; 32]>,
}

impl Proof {
	/// A proof from its nodes; `None` if there are more than [`MAX_PROOF_NODES`].
	pub fn from_nodes(nodes: Vec<[u8; 32]>) -> Option<Self> {
		(nodes.len() <= MAX_PROOF_NODES as usize).then_some(Proof { nodes })
	}

	/// The nodes in walk order.
	pub fn nodes(&self) -> &[[u8; 32]] {
		&self.nodes
	}

	/// Consumes the proof, returning its nodes.
	pub fn into_nodes(self) -> Vec<[u8; 32]> {
		self.nodes
	}
}

impl Decode for Proof {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let Compact(len) = Compact::<u32>::decode(input)?;
		if len > MAX_PROOF_NODES {
			return Err("xmbl-merkle: proof has more than MAX_PROOF_NODES nodes".into());
		}
		let mut nodes = Vec::with_capacity(len as usize);
		for _ in 0..len {
			nodes.push(<[u8; 32]>::decode(input)?);
		}
		Ok(Proof { nodes })
	}
}

impl DecodeWithMemTracking for Proof {}

impl MaxEncodedLen for Proof {
	fn max_encoded_len() -> usize {
		Compact::<u32>::max_encoded_len() + MAX_PROOF_NODES as usize * 32
	}
}

/// Why a set of leaf indices cannot be proven or verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
	#[error("no leaf index given")]
	Empty,
	#[error("{count} leaf indices, at most {max} per proof")]
	TooMany { count: usize, max: u32 },
	#[error("leaf index {index} at position {position} is not above the one before it")]
	NotIncreasing { position: usize, index: u64 },
	#[error("leaf index {index} is out of range: the shard has {leaf_count} leaves")]
	OutOfRange { index: u64, leaf_count: u64 },
}

/// Why a proof could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
	#[error(transparent)]
	Index(#[from] IndexError),
	#[error("outboard is {actual} bytes, the shard's tree needs {expected}")]
	OutboardLength { expected: u64, actual: u64 },
}

/// Why a proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
	#[error(transparent)]
	Index(#[from] IndexError),
	#[error("{leaves} leaves given for {indices} indices")]
	LeafCount { indices: usize, leaves: usize },
	#[error("leaf {index} is {actual} bytes, the shard's leaf {index} has {expected}")]
	LeafLength { index: u64, expected: u64, actual: u64 },
	#[error("proof has too few nodes")]
	MissingNodes,
	#[error("proof has {extra} nodes too many")]
	ExtraNodes { extra: usize },
	#[error("the leaves and proof do not hash to the expected root")]
	RootMismatch,
}

fn check_indices(layout: &Layout, indices: &[u64]) -> Result<(), IndexError> {
	if indices.is_empty() {
		return Err(IndexError::Empty);
	}
	if indices.len() > MAX_PROOF_LEAVES as usize {
		return Err(IndexError::TooMany { count: indices.len(), max: MAX_PROOF_LEAVES });
	}
	for (position, pair) in indices.windows(2).enumerate() {
		if pair[1] <= pair[0] {
			return Err(IndexError::NotIncreasing { position: position + 1, index: pair[1] });
		}
	}
	let last = indices[indices.len() - 1];
	let leaf_count = layout.leaf_count();
	if last >= leaf_count {
		return Err(IndexError::OutOfRange { index: last, leaf_count });
	}
	Ok(())
}

/// The (sorted) `indices` below `end_leaf`, and those from it on.
fn split_indices(indices: &[u64], end_leaf: u64) -> (&[u64], &[u64]) {
	let inside = indices.partition_point(|&i| i < end_leaf);
	indices.split_at(inside)
}

/// Proves `indices` (strictly increasing) of a shard from its outboard.
pub fn prove(layout: &Layout, outboard: &[u8], indices: &[u64]) -> Result<Proof, ProveError> {
	if outboard.len() as u64 != layout.outboard_len() {
		return Err(ProveError::OutboardLength {
			expected: layout.outboard_len(),
			actual: outboard.len() as u64,
		});
	}
	prove_with(layout, indices, |parent| {
		let start = parent as usize * PARENT_LEN;
		let mut pair = [0u8; PARENT_LEN];
		pair.copy_from_slice(&outboard[start..start + PARENT_LEN]);
		Ok::<_, ProveError>(pair)
	})
}

/// Proves `indices` (strictly increasing) reading outboard entries through `read_parent`,
/// which returns the 64 bytes (left and right chaining value) of the parent with the given
/// post-order number, e.g. from a file at byte offset `number * 64`. It is called once per
/// parent on the paths from the root to the proven leaves.
pub fn prove_with<E: From<ProveError>>(
	layout: &Layout,
	indices: &[u64],
	mut read_parent: impl FnMut(u64) -> Result<[u8; PARENT_LEN], E>,
) -> Result<Proof, E> {
	check_indices(layout, indices).map_err(ProveError::from)?;
	let mut nodes = Vec::new();
	let root = layout.root_subtree();
	if root.count > 1 {
		collect(root, indices, &mut read_parent, &mut nodes)?;
	}
	Ok(Proof { nodes })
}

fn collect<E>(
	subtree: Subtree,
	indices: &[u64],
	read_parent: &mut impl FnMut(u64) -> Result<[u8; PARENT_LEN], E>,
	nodes: &mut Vec<[u8; 32]>,
) -> Result<(), E> {
	let pair = read_parent(subtree.parent_index())?;
	let (left, right) = subtree.children();
	let (left_indices, right_indices) = split_indices(indices, right.first);
	for (child, child_indices, cv) in
		[(left, left_indices, &pair[..32]), (right, right_indices, &pair[32..])]
	{
		if child_indices.is_empty() {
			nodes.push(cv.try_into().expect("32-byte half of a 64-byte pair"));
		} else if child.count > 1 {
			collect(child, child_indices, read_parent, nodes)?;
		}
	}
	Ok(())
}

/// Verifies that `leaves` are the leaves `indices` (strictly increasing) of the shard of
/// `shard_len` bytes whose BLAKE3 hash is `root`, with the standard leaf size.
///
/// Never panics; the work is the hashing of the leaves plus one parent merge per proof node
/// and per parent on the proven paths, all bounded by the input sizes.
pub fn verify(
	root: &[u8; 32],
	shard_len: u64,
	indices: &[u64],
	leaves: &[&[u8]],
	proof: &Proof,
) -> Result<(), VerifyError> {
	verify_layout(&Layout::new(shard_len), root, indices, leaves, proof)
}

/// [`verify`] for a given [`Layout`].
pub fn verify_layout(
	layout: &Layout,
	root: &[u8; 32],
	indices: &[u64],
	leaves: &[&[u8]],
	proof: &Proof,
) -> Result<(), VerifyError> {
	// Not secret: a plain comparison is fine.
	if root_from_proof(layout, indices, leaves, proof)? != *root {
		return Err(VerifyError::RootMismatch);
	}
	Ok(())
}

/// The root that `leaves` (the leaves `indices` of a shard of `layout`) and `proof` hash to,
/// after the same checks as [`verify`]; `verify` compares it with the expected root. Never
/// panics.
pub fn root_from_proof(
	layout: &Layout,
	indices: &[u64],
	leaves: &[&[u8]],
	proof: &Proof,
) -> Result<[u8; 32], VerifyError> {
	check_indices(layout, indices)?;
	if leaves.len() != indices.len() {
		return Err(VerifyError::LeafCount { indices: indices.len(), leaves: leaves.len() });
	}
	for (&index, leaf) in indices.iter().zip(leaves) {
		let (_, expected) = layout.leaf_range(index).expect("indices were range-checked");
		if leaf.len() as u64 != expected {
			return Err(VerifyError::LeafLength { index, expected, actual: leaf.len() as u64 });
		}
	}
	debug_assert!(layout.leaf_log() <= MAX_LEAF_LOG);
	let subtree = layout.root_subtree();
	if subtree.count == 1 {
		if !proof.nodes.is_empty() {
			return Err(VerifyError::ExtraNodes { extra: proof.nodes.len() });
		}
		return Ok(*blake3::hash(leaves[0]).as_bytes());
	}
	let mut walk = Walk { layout, nodes: &proof.nodes, next: 0 };
	let (left, right) = walk.children(subtree, indices, leaves)?;
	if walk.next != proof.nodes.len() {
		return Err(VerifyError::ExtraNodes { extra: proof.nodes.len() - walk.next });
	}
	Ok(merge_subtrees_root(&left, &right, Mode::Hash).into())
}

/// How many nodes the proof of `indices` (strictly increasing) of a shard of `layout` has,
/// without reading or hashing anything: a verifier's or benchmark's size bound.
pub fn proof_len(layout: &Layout, indices: &[u64]) -> Result<usize, IndexError> {
	fn count(subtree: Subtree, indices: &[u64]) -> usize {
		if indices.is_empty() {
			return 1;
		}
		if subtree.count == 1 {
			return 0;
		}
		let (left, right) = subtree.children();
		let (left_indices, right_indices) = split_indices(indices, right.first);
		count(left, left_indices) + count(right, right_indices)
	}
	check_indices(layout, indices)?;
	let root = layout.root_subtree();
	Ok(if root.count == 1 { 0 } else { count(root, indices) })
}

struct Walk<'a> {
	layout: &'a Layout,
	nodes: &'a [[u8; 32]],
	next: usize,
}

impl Walk<'_> {
	/// The chaining values of both children of `subtree` (which has `count > 1`).
	fn children(
		&mut self,
		subtree: Subtree,
		indices: &[u64],
		leaves: &[&[u8]],
	) -> Result<(ChainingValue, ChainingValue), VerifyError> {
		let (left, right) = subtree.children();
		let split = indices.partition_point(|&i| i < right.first);
		let left_cv = self.subtree_cv(left, &indices[..split], &leaves[..split])?;
		let right_cv = self.subtree_cv(right, &indices[split..], &leaves[split..])?;
		Ok((left_cv, right_cv))
	}

	fn subtree_cv(
		&mut self,
		subtree: Subtree,
		indices: &[u64],
		leaves: &[&[u8]],
	) -> Result<ChainingValue, VerifyError> {
		if indices.is_empty() {
			let node = self.nodes.get(self.next).ok_or(VerifyError::MissingNodes)?;
			self.next += 1;
			return Ok(*node);
		}
		if subtree.count == 1 {
			let (start, _) = self.layout.leaf_range(subtree.first).expect("a leaf of the tree");
			let mut hasher = blake3::Hasher::new();
			hasher.set_input_offset(start);
			// Leaf lengths were checked: the leaf is non-empty (a tree of several leaves has
			// no empty leaf) and within the subtree size allowed at its offset.
			hasher.update(leaves[0]);
			return Ok(hasher.finalize_non_root());
		}
		let (left, right) = self.children(subtree, indices, leaves)?;
		Ok(merge_subtrees_non_root(&left, &right, Mode::Hash))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{outboard, LEAF_LEN};

	#[test]
	fn proof_len_and_root_from_proof_match_real_proofs() {
		for leaves in [1u64, 2, 3, 7, 8, 9, 100] {
			let len = (leaves * LEAF_LEN - 5) as usize;
			let shard: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 7 + i / 4096) as u8).collect();
			let layout = Layout::new(len as u64);
			let (root, tree) = outboard(&shard);
			let sets: [&[u64]; 3] = [&[0], &[leaves - 1], &[0, leaves / 2, leaves - 1]];
			for set in sets {
				let mut indices = set.to_vec();
				indices.dedup();
				let proof = prove(&layout, &tree, &indices).unwrap();
				assert_eq!(proof_len(&layout, &indices).unwrap(), proof.nodes().len());
				let bytes: alloc::vec::Vec<&[u8]> = indices
					.iter()
					.map(|&i| {
						let (start, leaf_len) = layout.leaf_range(i).unwrap();
						&shard[start as usize..(start + leaf_len) as usize]
					})
					.collect();
				assert_eq!(
					root_from_proof(&layout, &indices, &bytes, &proof).unwrap(),
					*root.as_bytes()
				);
			}
		}
	}
}
