//! The shape of a shard's tree: leaves, outboard groups, the BLAKE3 subtree split and post-order
//! node numbers.

/// BLAKE3 chunk length in bytes.
pub const CHUNK_LEN: u64 = blake3::CHUNK_LEN as u64;

/// log2 of the number of BLAKE3 chunks in a leaf (G). DESIGN.md gives the measurements behind it.
pub const LEAF_LOG: u8 = 2;

/// Bytes in a leaf: 2^G chunks of 1 KiB (4 KiB).
pub const LEAF_LEN: u64 = CHUNK_LEN << LEAF_LOG;

/// log2 of the number of BLAKE3 chunks in an outboard group: the outboard stores the tree's
/// parents above groups of 2^4 chunks (16 KiB), and a prover rehashes the one group holding a
/// challenged leaf to get the nodes inside it. DESIGN.md gives the measurements behind it.
pub const GROUP_LOG: u8 = 4;

/// Bytes in an outboard group: 2^[`GROUP_LOG`] chunks of 1 KiB (16 KiB).
pub const GROUP_LEN: u64 = CHUNK_LEN << GROUP_LOG;

/// The largest leaf or group log a [`Layout`] accepts (2^20 chunks, 1 GiB).
pub const MAX_LEAF_LOG: u8 = 20;

/// Bytes per outboard entry: the left and right child chaining values of one parent node.
pub const PARENT_LEN: usize = 64;

/// The tree of a shard of `shard_len` bytes cut into leaves of 2^`leaf_log` chunks, whose
/// outboard keeps the parents above groups of 2^`group_log` chunks.
///
/// Leaves and groups are numbered from 0; a shard has at least one of each (an empty shard has
/// one empty leaf). A group is a subtree of whole leaves, so the tree over groups is the tree
/// over leaves cut off at the group level. The outboard's parents are the parents of the tree
/// over groups, numbered in post-order, which is also their order in the outboard: a parent
/// comes after every node of its left and right subtrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
	shard_len: u64,
	leaf_log: u8,
	group_log: u8,
}

/// A subtree of the tree: `count` units (leaves or groups) starting at unit `first`; its
/// parents occupy the post-order numbers `base .. base + count - 1`, the subtree's own root
/// being the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Subtree {
	pub first: u64,
	pub count: u64,
	pub base: u64,
}

impl Subtree {
	/// The post-order number of this subtree's root parent (only meaningful if `count > 1`).
	pub fn parent_index(&self) -> u64 {
		self.base + self.count - 2
	}

	/// The left and right children: BLAKE3's left subtree is the largest power of two of
	/// units strictly below `count` (`count > 1`).
	pub fn children(&self) -> (Subtree, Subtree) {
		let left = 1u64 << (63 - (self.count - 1).leading_zeros());
		(
			Subtree { first: self.first, count: left, base: self.base },
			Subtree {
				first: self.first + left,
				count: self.count - left,
				base: self.base + left - 1,
			},
		)
	}
}

/// How many units of `unit_len` bytes cover `len` bytes; at least 1.
const fn unit_count(len: u64, unit_len: u64) -> u64 {
	let full = len / unit_len;
	let count = if len.is_multiple_of(unit_len) { full } else { full + 1 };
	if count == 0 {
		1
	} else {
		count
	}
}

/// Byte offset and length of unit `index` of `unit_len` bytes in `len` bytes.
const fn unit_range(len: u64, unit_len: u64, index: u64) -> Option<(u64, u64)> {
	if index >= unit_count(len, unit_len) {
		return None;
	}
	let start = index * unit_len;
	let end = if len - start < unit_len { len } else { start + unit_len };
	Some((start, end - start))
}

impl Layout {
	/// The layout of a shard of `shard_len` bytes with the standard leaf size [`LEAF_LEN`] and
	/// group size [`GROUP_LEN`].
	pub const fn new(shard_len: u64) -> Self {
		Layout { shard_len, leaf_log: LEAF_LOG, group_log: GROUP_LOG }
	}

	/// A layout with leaves of 2^`leaf_log` chunks and outboard groups of 2^`group_log`, for
	/// comparing sizes; `None` unless `leaf_log <= group_log <= MAX_LEAF_LOG`. Proofs only
	/// verify with the leaf log they were made for; the group log is the prover's alone.
	pub const fn with_logs(shard_len: u64, leaf_log: u8, group_log: u8) -> Option<Self> {
		if leaf_log > group_log || group_log > MAX_LEAF_LOG {
			None
		} else {
			Some(Layout { shard_len, leaf_log, group_log })
		}
	}

	/// The shard length in bytes.
	pub const fn shard_len(&self) -> u64 {
		self.shard_len
	}

	/// log2 of the chunks per leaf.
	pub const fn leaf_log(&self) -> u8 {
		self.leaf_log
	}

	/// log2 of the chunks per outboard group.
	pub const fn group_log(&self) -> u8 {
		self.group_log
	}

	/// Bytes in a full leaf.
	pub const fn leaf_len(&self) -> u64 {
		CHUNK_LEN << self.leaf_log
	}

	/// Bytes in a full group.
	pub const fn group_len(&self) -> u64 {
		CHUNK_LEN << self.group_log
	}

	/// Number of leaves, at least 1.
	pub const fn leaf_count(&self) -> u64 {
		unit_count(self.shard_len, self.leaf_len())
	}

	/// Byte offset and length of leaf `index` in the shard, or `None` if out of range.
	pub const fn leaf_range(&self, index: u64) -> Option<(u64, u64)> {
		unit_range(self.shard_len, self.leaf_len(), index)
	}

	/// Number of outboard groups, at least 1.
	pub const fn group_count(&self) -> u64 {
		unit_count(self.shard_len, self.group_len())
	}

	/// Byte offset and length of group `index` in the shard, or `None` if out of range.
	pub const fn group_range(&self, index: u64) -> Option<(u64, u64)> {
		unit_range(self.shard_len, self.group_len(), index)
	}

	/// Leaves in a full group.
	pub const fn leaves_per_group(&self) -> u64 {
		1 << (self.group_log - self.leaf_log)
	}

	/// Number of parent nodes in the outboard, one per outboard entry: groups - 1.
	pub const fn parent_count(&self) -> u64 {
		self.group_count() - 1
	}

	/// Outboard length in bytes: [`PARENT_LEN`] per parent node.
	pub const fn outboard_len(&self) -> u64 {
		self.parent_count() * PARENT_LEN as u64
	}

	/// Height of the tree over leaves in parent levels: the most sibling nodes a single-leaf
	/// proof has.
	pub const fn depth(&self) -> u32 {
		let count = self.leaf_count();
		if count == 1 {
			0
		} else {
			64 - (count - 1).leading_zeros()
		}
	}

	/// The whole tree over leaves (`base` is not used for it: leaf-level parents are not
	/// stored).
	pub(crate) fn leaf_tree(&self) -> Subtree {
		Subtree { first: 0, count: self.leaf_count(), base: 0 }
	}

	/// The whole tree over groups, whose parents are the outboard's.
	pub(crate) fn group_tree(&self) -> Subtree {
		Subtree { first: 0, count: self.group_count(), base: 0 }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn leaf_count_and_ranges_cover_the_shard() {
		for len in
			[0u64, 1, 1023, 1024, 1025, LEAF_LEN - 1, LEAF_LEN, LEAF_LEN + 1, 7 * LEAF_LEN + 5]
		{
			let layout = Layout::new(len);
			let mut covered = 0;
			for i in 0..layout.leaf_count() {
				let (start, n) = layout.leaf_range(i).unwrap();
				assert_eq!(start, covered);
				assert!(n <= LEAF_LEN);
				assert!(n > 0 || len == 0);
				covered += n;
			}
			assert_eq!(covered, len);
			assert_eq!(layout.leaf_range(layout.leaf_count()), None);
		}
	}

	#[test]
	fn groups_cover_the_shard_in_whole_leaves() {
		for len in [0u64, 1, GROUP_LEN - 1, GROUP_LEN, GROUP_LEN + 1, 5 * GROUP_LEN + LEAF_LEN + 3]
		{
			let layout = Layout::new(len);
			assert_eq!(layout.leaves_per_group(), GROUP_LEN / LEAF_LEN);
			let mut covered = 0;
			for g in 0..layout.group_count() {
				let (start, n) = layout.group_range(g).unwrap();
				assert_eq!(start, covered);
				assert_eq!(start % LEAF_LEN, 0);
				covered += n;
			}
			assert_eq!(covered, len);
			assert_eq!(layout.parent_count(), layout.group_count() - 1);
		}
	}

	#[test]
	fn the_group_tree_is_the_leaf_tree_cut_at_groups() {
		// Splitting g groups gives the same byte boundary as splitting their leaves, so the
		// outboard's parents are nodes of the tree the verifier walks.
		fn boundaries(s: Subtree, unit: u64, out: &mut std::vec::Vec<(u64, u64)>) {
			if s.count > 1 {
				let (l, r) = s.children();
				out.push((s.first * unit, r.first * unit));
				boundaries(l, unit, out);
				boundaries(r, unit, out);
			}
		}
		for leaves in 1..300u64 {
			let layout = Layout::new(leaves * LEAF_LEN - 1);
			let (mut by_leaf, mut by_group) = (std::vec::Vec::new(), std::vec::Vec::new());
			boundaries(layout.leaf_tree(), LEAF_LEN, &mut by_leaf);
			boundaries(layout.group_tree(), GROUP_LEN, &mut by_group);
			assert!(by_group.iter().all(|b| by_leaf.contains(b)), "{leaves} leaves");
			assert_eq!(by_leaf.len() - by_group.len(), (leaves - layout.group_count()) as usize);
		}
	}

	#[test]
	fn post_order_numbers_every_parent_once() {
		fn walk(s: Subtree, seen: &mut std::vec::Vec<u64>) {
			if s.count > 1 {
				let (l, r) = s.children();
				walk(l, seen);
				walk(r, seen);
				seen.push(s.parent_index());
			}
		}
		for leaves in 1..200u64 {
			let layout = Layout::new(leaves * GROUP_LEN);
			let mut seen = std::vec::Vec::new();
			walk(layout.group_tree(), &mut seen);
			let expected: std::vec::Vec<u64> = (0..layout.parent_count()).collect();
			assert_eq!(seen, expected, "{leaves} leaves");
		}
	}

	#[test]
	fn depth_is_ceil_log2_of_leaves() {
		assert_eq!(Layout::new(0).depth(), 0);
		assert_eq!(Layout::new(LEAF_LEN).depth(), 0);
		assert_eq!(Layout::new(LEAF_LEN + 1).depth(), 1);
		assert_eq!(Layout::new(4 * LEAF_LEN).depth(), 2);
		assert_eq!(Layout::new(4 * LEAF_LEN + 1).depth(), 3);
		assert_eq!(Layout::new(u64::MAX).depth(), 52);
		assert_eq!(Layout::with_logs(0, 2, MAX_LEAF_LOG + 1), None);
		assert_eq!(Layout::with_logs(0, 3, 2), None);
	}
}
