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
	#[error("shard is {actual} bytes, the layout is for {expected}")]
	ShardLength { expected: u64, actual: u64 },
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

/// Proves `indices` (strictly increasing) of `shard` from its outboard.
pub fn prove(
	layout: &Layout,
	shard: &[u8],
	outboard: &[u8],
	indices: &[u64],
) -> Result<Proof, ProveError> {
	if shard.len() as u64 != layout.shard_len() {
		return Err(ProveError::ShardLength {
			expected: layout.shard_len(),
			actual: shard.len() as u64,
		});
	}
	if outboard.len() as u64 != layout.outboard_len() {
		return Err(ProveError::OutboardLength {
			expected: layout.outboard_len(),
			actual: outboard.len() as u64,
		});
	}
	prove_with(
		layout,
		indices,
		|parent| {
			let start = parent as usize * PARENT_LEN;
			let mut pair = [0u8; PARENT_LEN];
			pair.copy_from_slice(&outboard[start..start + PARENT_LEN]);
			Ok::<_, ProveError>(pair)
		},
		|offset, group| {
			let start = offset as usize;
			group.copy_from_slice(&shard[start..start + group.len()]);
			Ok(())
		},
	)
}

/// Proves `indices` (strictly increasing) reading the shard through two callbacks:
/// `read_parent` returns the 64 bytes (left and right chaining value) of the outboard parent
/// with the given post-order number, e.g. from a file at byte offset `number * 64`, and is
/// called once per parent above the groups on the paths to the proven leaves; `read_group`
/// fills the buffer with the shard's bytes from the given offset, once per group that holds a
/// proven leaf, whose in-group nodes are then rehashed.
pub fn prove_with<E: From<ProveError>>(
	layout: &Layout,
	indices: &[u64],
	mut read_parent: impl FnMut(u64) -> Result<[u8; PARENT_LEN], E>,
	mut read_group: impl FnMut(u64, &mut [u8]) -> Result<(), E>,
) -> Result<Proof, E> {
	check_indices(layout, indices).map_err(ProveError::from)?;
	let mut prover = Prover { layout, read_parent: &mut read_parent, read_group: &mut read_group };
	let mut nodes = Vec::new();
	if layout.leaf_count() > 1 {
		prover.above_groups(layout.group_tree(), indices, &mut nodes)?;
	}
	Ok(Proof { nodes })
}

struct Prover<'a, P, G> {
	layout: &'a Layout,
	read_parent: &'a mut P,
	read_group: &'a mut G,
}

impl<E, P, G> Prover<'_, P, G>
where
	P: FnMut(u64) -> Result<[u8; PARENT_LEN], E>,
	G: FnMut(u64, &mut [u8]) -> Result<(), E>,
{
	/// Walks a subtree of the tree over groups that holds some of `indices`.
	fn above_groups(
		&mut self,
		subtree: Subtree,
		indices: &[u64],
		nodes: &mut Vec<[u8; 32]>,
	) -> Result<(), E> {
		if subtree.count == 1 {
			return self.in_group(subtree.first, indices, nodes);
		}
		let pair = (self.read_parent)(subtree.parent_index())?;
		let (left, right) = subtree.children();
		let (left_indices, right_indices) =
			split_indices(indices, right.first * self.layout.leaves_per_group());
		for (child, child_indices, cv) in
			[(left, left_indices, &pair[..32]), (right, right_indices, &pair[32..])]
		{
			if child_indices.is_empty() {
				nodes.push(cv.try_into().expect("32-byte half of a 64-byte pair"));
			} else {
				self.above_groups(child, child_indices, nodes)?;
			}
		}
		Ok(())
	}

	/// Rehashes group `group`'s leaves and walks its subtree of leaves down to `indices`.
	fn in_group(
		&mut self,
		group: u64,
		indices: &[u64],
		nodes: &mut Vec<[u8; 32]>,
	) -> Result<(), E> {
		let per_group = self.layout.leaves_per_group();
		let first = group * per_group;
		let count = per_group.min(self.layout.leaf_count() - first);
		if count == 1 {
			return Ok(());
		}
		let (start, len) = self.layout.group_range(group).expect("a group of the tree");
		let mut bytes = alloc::vec![0u8; len as usize];
		(self.read_group)(start, &mut bytes)?;
		let leaf_cvs: Vec<ChainingValue> = (first..first + count)
			.map(|leaf| {
				let (leaf_start, leaf_len) = self.layout.leaf_range(leaf).expect("in the group");
				let at = (leaf_start - start) as usize;
				let mut hasher = blake3::Hasher::new();
				hasher.set_input_offset(leaf_start);
				hasher.update(&bytes[at..at + leaf_len as usize]);
				hasher.finalize_non_root()
			})
			.collect();
		in_group_walk(Subtree { first, count, base: 0 }, indices, &leaf_cvs, nodes);
		Ok(())
	}
}

/// The chaining value of a subtree of leaves inside a group, from its leaves' values
/// (`leaf_cvs[0]` is leaf `first`).
fn subtree_cv(subtree: Subtree, first: u64, leaf_cvs: &[ChainingValue]) -> ChainingValue {
	if subtree.count == 1 {
		return leaf_cvs[(subtree.first - first) as usize];
	}
	let (left, right) = subtree.children();
	merge_subtrees_non_root(
		&subtree_cv(left, first, leaf_cvs),
		&subtree_cv(right, first, leaf_cvs),
		Mode::Hash,
	)
}

/// The walk of [`Prover::above_groups`] continued inside a group's `subtree` of leaves (more
/// than one), whose first leaf's chaining value is `leaf_cvs[0]`.
fn in_group_walk(
	subtree: Subtree,
	indices: &[u64],
	leaf_cvs: &[ChainingValue],
	nodes: &mut Vec<[u8; 32]>,
) {
	let first = subtree.first;
	let (left, right) = subtree.children();
	let (left_indices, right_indices) = split_indices(indices, right.first);
	for (child, child_indices) in [(left, left_indices), (right, right_indices)] {
		if child_indices.is_empty() {
			nodes.push(subtree_cv(child, first, leaf_cvs));
		} else if child.count > 1 {
			in_group_walk(child, child_indices, &leaf_cvs[(child.first - first) as usize..], nodes);
		}
	}
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
	let subtree = layout.leaf_tree();
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
	let root = layout.leaf_tree();
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
	use crate::{outboard, OutboardBuilder, GROUP_LEN, LEAF_LEN, LEAF_LOG};

	#[test]
	fn proofs_are_the_same_whatever_the_outboard_group_size() {
		for len in [1, LEAF_LEN + 1, GROUP_LEN, GROUP_LEN + 1, 5 * GROUP_LEN - 3, 37 * LEAF_LEN + 9]
		{
			let shard: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 31 + i / 1024) as u8).collect();
			let standard = Layout::new(len);
			let (_, tree) = outboard(&shard);
			let leaf_count = standard.leaf_count();
			let sets: [alloc::vec::Vec<u64>; 3] = [
				(0..leaf_count).collect(),
				alloc::vec![leaf_count - 1],
				(0..leaf_count).step_by(3).collect(),
			];
			for group_log in LEAF_LOG..=7 {
				let layout = Layout::with_logs(len, LEAF_LOG, group_log).unwrap();
				let mut builder = OutboardBuilder::with_group_log(group_log).unwrap();
				builder.update(&shard);
				let (_, other) = builder.finalize();
				for set in &sets {
					let set = &set[..set.len().min(MAX_PROOF_LEAVES as usize)];
					assert_eq!(
						prove(&layout, &shard, &other, set),
						prove(&standard, &shard, &tree, set),
						"len {len}, group log {group_log}, {set:?}"
					);
				}
			}
		}
	}

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
				let proof = prove(&layout, &shard, &tree, &indices).unwrap();
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
