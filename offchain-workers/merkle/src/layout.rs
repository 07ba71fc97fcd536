//! The shape of a shard's tree: leaves, the BLAKE3 subtree split and post-order node numbers.

/// BLAKE3 chunk length in bytes.
pub const CHUNK_LEN: u64 = blake3::CHUNK_LEN as u64;

/// log2 of the number of BLAKE3 chunks in a leaf (G). DESIGN.md gives the measurements behind it.
pub const LEAF_LOG: u8 = 2;

/// Bytes in a leaf: 2^G chunks of 1 KiB (4 KiB).
pub const LEAF_LEN: u64 = CHUNK_LEN << LEAF_LOG;

/// The largest leaf log a [`Layout`] accepts (a leaf of 2^20 chunks, 1 GiB).
pub const MAX_LEAF_LOG: u8 = 20;

/// Bytes per outboard entry: the left and right child chaining values of one parent node.
pub const PARENT_LEN: usize = 64;

/// The tree of a shard of `shard_len` bytes cut into leaves of 2^`leaf_log` chunks.
///
/// Leaves are numbered from 0; a shard has at least one leaf (an empty shard has one empty
/// leaf). Inner ("parent") nodes are numbered in post-order, which is also their order in the
/// outboard: a parent comes after every node of its left and right subtrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
	shard_len: u64,
	leaf_log: u8,
}

/// A subtree of the tree: `count` leaves starting at leaf `first`; its parents occupy the
/// post-order numbers `base .. base + count - 1`, the subtree's own root being the last.
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
	/// leaves strictly below `count` (`count > 1`).
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

impl Layout {
	/// The layout of a shard of `shard_len` bytes with the standard leaf size [`LEAF_LEN`].
	pub const fn new(shard_len: u64) -> Self {
		Layout { shard_len, leaf_log: LEAF_LOG }
	}

	/// A layout with leaves of 2^`leaf_log` chunks, for comparing leaf sizes; `None` above
	/// [`MAX_LEAF_LOG`]. Proofs made with one leaf log only verify with the same one.
	pub const fn with_leaf_log(shard_len: u64, leaf_log: u8) -> Option<Self> {
		if leaf_log > MAX_LEAF_LOG {
			None
		} else {
			Some(Layout { shard_len, leaf_log })
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

	/// Bytes in a full leaf.
	pub const fn leaf_len(&self) -> u64 {
		CHUNK_LEN << self.leaf_log
	}

	/// Number of leaves, at least 1.
	pub const fn leaf_count(&self) -> u64 {
		let leaf_len = self.leaf_len();
		let full = self.shard_len / leaf_len;
		let count = if self.shard_len.is_multiple_of(leaf_len) { full } else { full + 1 };
		if count == 0 {
			1
		} else {
			count
		}
	}

	/// Byte offset and length of leaf `index` in the shard, or `None` if out of range.
	pub const fn leaf_range(&self, index: u64) -> Option<(u64, u64)> {
		if index >= self.leaf_count() {
			return None;
		}
		let start = index * self.leaf_len();
		let end = if self.shard_len - start < self.leaf_len() {
			self.shard_len
		} else {
			start + self.leaf_len()
		};
		Some((start, end - start))
	}

	/// Number of parent nodes, which is the number of outboard entries: leaves - 1.
	pub const fn parent_count(&self) -> u64 {
		self.leaf_count() - 1
	}

	/// Outboard length in bytes: [`PARENT_LEN`] per parent node.
	pub const fn outboard_len(&self) -> u64 {
		self.parent_count() * PARENT_LEN as u64
	}

	/// Height of the tree in parent levels: the most sibling nodes a single-leaf proof has.
	pub const fn depth(&self) -> u32 {
		let count = self.leaf_count();
		if count == 1 {
			0
		} else {
			64 - (count - 1).leading_zeros()
		}
	}

	pub(crate) fn root_subtree(&self) -> Subtree {
		Subtree { first: 0, count: self.leaf_count(), base: 0 }
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
			let layout = Layout::new(leaves * LEAF_LEN);
			let mut seen = std::vec::Vec::new();
			walk(layout.root_subtree(), &mut seen);
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
		assert_eq!(Layout::with_leaf_log(0, MAX_LEAF_LOG + 1), None);
	}
}
