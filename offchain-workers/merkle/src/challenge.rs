//! Which leaves a proof period challenges, derived from a seed.

use alloc::{collections::BTreeSet, vec::Vec};

use crate::layout::Layout;

const CONTEXT: &str = "xmbl-merkle 2026 challenged leaves v1";

/// The `count` distinct leaves of a shard of `shard_len` bytes challenged by `seed`, sorted
/// (every leaf if the shard has no more than `count`).
///
/// Deterministic and uniform: the random stream is BLAKE3's XOF keyed by the seed and the
/// shard length, reduced to leaf numbers without modulo bias, and Floyd's algorithm picks the
/// distinct set with exactly `count` draws.
pub fn challenged_leaves(seed: &[u8; 32], shard_len: u64, count: u32) -> Vec<u64> {
	challenged_leaves_in(&Layout::new(shard_len), seed, count)
}

/// [`challenged_leaves`] for a given [`Layout`].
pub fn challenged_leaves_in(layout: &Layout, seed: &[u8; 32], count: u32) -> Vec<u64> {
	let leaf_count = layout.leaf_count();
	if u64::from(count) >= leaf_count {
		return (0..leaf_count).collect();
	}
	let mut hasher = blake3::Hasher::new_derive_key(CONTEXT);
	hasher.update(seed);
	hasher.update(&layout.shard_len().to_le_bytes());
	hasher.update(&[layout.leaf_log()]);
	let mut stream = hasher.finalize_xof();
	let mut below = |bound: u64| -> u64 {
		// Accept only draws from the largest multiple of `bound`; rejection chance < 1/2.
		let zone = u64::MAX - (u64::MAX - bound + 1) % bound;
		loop {
			let mut word = [0u8; 8];
			stream.fill(&mut word);
			let draw = u64::from_le_bytes(word);
			if draw <= zone {
				return draw % bound;
			}
		}
	};
	let mut chosen = BTreeSet::new();
	for top in leaf_count - u64::from(count)..leaf_count {
		let pick = below(top + 1);
		if !chosen.insert(pick) {
			chosen.insert(top);
		}
	}
	chosen.into_iter().collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::layout::LEAF_LEN;

	#[test]
	fn distinct_sorted_in_range_and_deterministic() {
		for leaves in [1u64, 2, 3, 10, 1000] {
			for count in [1u32, 2, 5, 16] {
				let len = leaves * LEAF_LEN - 3;
				let a = challenged_leaves(&[7; 32], len, count);
				assert_eq!(a, challenged_leaves(&[7; 32], len, count));
				assert_eq!(a.len() as u64, u64::from(count).min(leaves));
				assert!(a.windows(2).all(|w| w[0] < w[1]));
				assert!(a.iter().all(|&i| i < leaves));
			}
		}
	}

	#[test]
	fn seed_and_length_change_the_choice() {
		let len = 4096 * LEAF_LEN;
		let a = challenged_leaves(&[1; 32], len, 8);
		assert_ne!(a, challenged_leaves(&[2; 32], len, 8));
		assert_ne!(a, challenged_leaves(&[1; 32], len - 1, 8));
	}

	#[test]
	fn every_leaf_is_challenged_about_equally_often() {
		let leaves = 10u64;
		let mut hits = [0u32; 10];
		for s in 0..2000u32 {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&s.to_le_bytes());
			for i in challenged_leaves(&seed, leaves * LEAF_LEN, 3) {
				hits[i as usize] += 1;
			}
		}
		// Expected 600 each; a bias or a stuck leaf shows far outside this band.
		assert!(hits.iter().all(|&h| (480..=720).contains(&h)), "{hits:?}");
	}
}
