//! Building a shard's outboard: the parent nodes of its tree above the outboard groups, in
//! post-order.

use alloc::vec::Vec;
use blake3::hazmat::{
	merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};

use crate::layout::{CHUNK_LEN, GROUP_LOG, MAX_LEAF_LOG};

/// The outboard of `shard` and its root, which equals `blake3::hash(shard)`.
pub fn outboard(shard: &[u8]) -> (blake3::Hash, Vec<u8>) {
	let mut builder = OutboardBuilder::new();
	builder.update(shard);
	let (root, nodes) = builder.finalize();
	(root, nodes)
}

/// Builds the outboard while the shard streams through, in one pass and with memory bounded
/// by the tree depth plus the parent nodes not yet taken out with [`take_nodes`].
///
/// It hashes the shard a group ([`GROUP_LEN`](crate::GROUP_LEN) bytes) at a time, one
/// `blake3::Hasher` per group, and keeps the parents above the groups. The lazy merge is
/// BLAKE3's own: a finished group is only hashed once more bytes arrive (until then it may
/// turn out to be the root), and subtrees are only merged once it is known that more input
/// follows them. Parents are emitted in merge order, which is post-order.
///
/// [`take_nodes`]: OutboardBuilder::take_nodes
#[derive(Clone, Debug)]
pub struct OutboardBuilder {
	group_len: u64,
	group: blake3::Hasher,
	group_filled: u64,
	groups_done: u64,
	stack: Vec<ChainingValue>,
	nodes: Vec<u8>,
}

impl Default for OutboardBuilder {
	fn default() -> Self {
		Self::new()
	}
}

impl OutboardBuilder {
	/// A builder for the standard group size.
	pub fn new() -> Self {
		Self::with_group_log(GROUP_LOG).expect("GROUP_LOG is within MAX_LEAF_LOG")
	}

	/// A builder for groups of 2^`group_log` chunks; `None` above [`MAX_LEAF_LOG`].
	pub fn with_group_log(group_log: u8) -> Option<Self> {
		if group_log > MAX_LEAF_LOG {
			return None;
		}
		Some(OutboardBuilder {
			group_len: CHUNK_LEN << group_log,
			group: blake3::Hasher::new(),
			group_filled: 0,
			groups_done: 0,
			stack: Vec::new(),
			nodes: Vec::new(),
		})
	}

	/// Feeds the next bytes of the shard.
	pub fn update(&mut self, mut data: &[u8]) {
		while !data.is_empty() {
			if self.group_filled == self.group_len {
				self.finish_group();
			}
			let room = (self.group_len - self.group_filled).min(data.len() as u64) as usize;
			self.group.update(&data[..room]);
			self.group_filled += room as u64;
			data = &data[room..];
		}
	}

	/// Bytes fed so far.
	pub fn len(&self) -> u64 {
		self.groups_done * self.group_len + self.group_filled
	}

	/// Whether no byte has been fed yet.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}

	/// Takes the outboard bytes finished so far (whole parent nodes, in order), so that a
	/// caller streaming a large shard can write them out as it goes.
	pub fn take_nodes(&mut self) -> Vec<u8> {
		core::mem::take(&mut self.nodes)
	}

	/// The root and the outboard bytes not taken yet.
	pub fn finalize(mut self) -> (blake3::Hash, Vec<u8>) {
		if self.groups_done == 0 {
			return (self.group.finalize(), self.nodes);
		}
		let mut right = self.group.finalize_non_root();
		while let Some(left) = self.stack.pop() {
			push_parent(&mut self.nodes, &left, &right);
			if self.stack.is_empty() {
				return (merge_subtrees_root(&left, &right, Mode::Hash), self.nodes);
			}
			right = merge_subtrees_non_root(&left, &right, Mode::Hash);
		}
		unreachable!("groups_done > 0 leaves at least one chaining value on the stack")
	}

	/// The current group is full and more bytes follow: it is not the root, hash it as a
	/// subtree, merge what is known complete, and start the next group.
	fn finish_group(&mut self) {
		let cv = self.group.finalize_non_root();
		self.stack.push(cv);
		self.groups_done += 1;
		// After `groups_done` groups, the complete subtrees are one per set bit.
		while self.stack.len() > self.groups_done.count_ones() as usize {
			let right = self.stack.pop().expect("len > count_ones >= 0");
			let left = self.stack.pop().expect("two merges need two entries");
			push_parent(&mut self.nodes, &left, &right);
			self.stack.push(merge_subtrees_non_root(&left, &right, Mode::Hash));
		}
		self.group = blake3::Hasher::new();
		self.group.set_input_offset(self.groups_done * self.group_len);
		self.group_filled = 0;
	}
}

fn push_parent(nodes: &mut Vec<u8>, left: &ChainingValue, right: &ChainingValue) {
	nodes.extend_from_slice(left);
	nodes.extend_from_slice(right);
}

/// Reads a whole shard from `reader`, returning its root, length and outboard.
#[cfg(feature = "std")]
pub fn outboard_from_reader(
	mut reader: impl std::io::Read,
) -> std::io::Result<(blake3::Hash, u64, Vec<u8>)> {
	let mut builder = OutboardBuilder::new();
	let mut buf = alloc::vec![0u8; 1 << 16];
	loop {
		match reader.read(&mut buf) {
			Ok(0) => break,
			Ok(n) => builder.update(&buf[..n]),
			Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
			Err(e) => return Err(e),
		}
	}
	let len = builder.len();
	let (root, nodes) = builder.finalize();
	Ok((root, len, nodes))
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use crate::layout::{Layout, Subtree, GROUP_LEN, LEAF_LOG};

	/// The root and outboard by plain recursion over the tree of groups, independent of the
	/// builder.
	pub(crate) fn recursive_outboard(shard: &[u8], layout: &Layout) -> (blake3::Hash, Vec<u8>) {
		fn cv(
			shard: &[u8],
			layout: &Layout,
			s: Subtree,
			out: &mut Vec<(u64, [u8; 64])>,
		) -> ChainingValue {
			if s.count == 1 {
				let (start, len) = layout.group_range(s.first).unwrap();
				let mut h = blake3::Hasher::new();
				h.set_input_offset(start);
				h.update(&shard[start as usize..(start + len) as usize]);
				return h.finalize_non_root();
			}
			let (l, r) = s.children();
			let (lc, rc) = (cv(shard, layout, l, out), cv(shard, layout, r, out));
			let mut pair = [0u8; 64];
			pair[..32].copy_from_slice(&lc);
			pair[32..].copy_from_slice(&rc);
			out.push((s.parent_index(), pair));
			merge_subtrees_non_root(&lc, &rc, Mode::Hash)
		}
		let root_tree = layout.group_tree();
		if root_tree.count == 1 {
			return (blake3::hash(shard), Vec::new());
		}
		let mut parents = Vec::new();
		let (l, r) = root_tree.children();
		let (lc, rc) = (cv(shard, layout, l, &mut parents), cv(shard, layout, r, &mut parents));
		let mut pair = [0u8; 64];
		pair[..32].copy_from_slice(&lc);
		pair[32..].copy_from_slice(&rc);
		parents.push((root_tree.parent_index(), pair));
		parents.sort_by_key(|(i, _)| *i);
		let bytes = parents.iter().flat_map(|(_, p)| p.iter().copied()).collect();
		(merge_subtrees_root(&lc, &rc, Mode::Hash), bytes)
	}

	fn pseudo_random(len: usize) -> Vec<u8> {
		(0..len as u64)
			.map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
			.collect()
	}

	#[test]
	fn root_is_blake3_and_outboard_matches_recursion() {
		let l = GROUP_LEN as usize;
		for len in
			[0, 1, 1023, 1024, 1025, l - 1, l, l + 1, 2 * l, 3 * l + 7, 5 * l, 8 * l, 13 * l - 1]
		{
			let shard = pseudo_random(len);
			let (root, nodes) = outboard(&shard);
			assert_eq!(root, blake3::hash(&shard), "len {len}");
			let layout = Layout::new(len as u64);
			assert_eq!(nodes.len() as u64, layout.outboard_len(), "len {len}");
			assert_eq!((root, nodes), recursive_outboard(&shard, &layout), "len {len}");
		}
	}

	#[test]
	fn feeding_in_any_pieces_gives_the_same_outboard() {
		let shard = pseudo_random(5 * GROUP_LEN as usize + 333);
		let whole = outboard(&shard);
		for piece in [1, 7, 1024, 4096, GROUP_LEN as usize, GROUP_LEN as usize + 1] {
			let mut builder = OutboardBuilder::new();
			let mut taken = Vec::new();
			for part in shard.chunks(piece) {
				builder.update(part);
				taken.extend(builder.take_nodes());
			}
			assert_eq!(builder.len(), shard.len() as u64);
			let (root, rest) = builder.finalize();
			taken.extend(rest);
			assert_eq!((root, taken), whole, "pieces of {piece}");
		}
	}

	#[test]
	fn other_group_sizes_keep_the_blake3_root() {
		let shard = pseudo_random(37 * 1024 + 5);
		for log in 0..=6 {
			let mut builder = OutboardBuilder::with_group_log(log).unwrap();
			builder.update(&shard);
			let (root, nodes) = builder.finalize();
			let layout = Layout::with_logs(shard.len() as u64, log.min(LEAF_LOG), log).unwrap();
			assert_eq!(root, blake3::hash(&shard));
			assert_eq!((root, nodes), recursive_outboard(&shard, &layout));
		}
		assert!(OutboardBuilder::with_group_log(crate::layout::MAX_LEAF_LOG + 1).is_none());
	}

	#[cfg(feature = "std")]
	#[test]
	fn reader_gives_length_and_the_same_outboard() {
		let shard = pseudo_random(3 * GROUP_LEN as usize + 9);
		let (root, len, nodes) = outboard_from_reader(&shard[..]).unwrap();
		assert_eq!(len, shard.len() as u64);
		assert_eq!((root, nodes), outboard(&shard));
	}
}
