//! Proofs of every leaf and of leaf sets verify; any tampering is rejected; random input never
//! panics the verifier.

use codec::{Decode, Encode, MaxEncodedLen};
use proptest::prelude::*;
use rand::{rngs::StdRng, RngCore, SeedableRng};
use xmbl_merkle::{
	challenged_leaves, outboard, prove, verify, IndexError, Layout, Proof, ProveError, VerifyError,
	LEAF_LEN, MAX_PROOF_LEAVES, MAX_PROOF_NODES,
};

const L: usize = LEAF_LEN as usize;

fn shard_bytes(len: usize, seed: u64) -> Vec<u8> {
	let mut bytes = vec![0u8; len];
	StdRng::seed_from_u64(seed).fill_bytes(&mut bytes);
	bytes
}

struct Shard {
	bytes: Vec<u8>,
	root: [u8; 32],
	outboard: Vec<u8>,
	layout: Layout,
}

impl Shard {
	fn new(len: usize, seed: u64) -> Self {
		let bytes = shard_bytes(len, seed);
		let (root, outboard) = outboard(&bytes);
		Shard { root: *root.as_bytes(), outboard, layout: Layout::new(len as u64), bytes }
	}

	fn leaf(&self, index: u64) -> &[u8] {
		let (start, len) = self.layout.leaf_range(index).unwrap();
		&self.bytes[start as usize..(start + len) as usize]
	}

	fn prove(&self, indices: &[u64]) -> (Vec<&[u8]>, Proof) {
		let proof = prove(&self.layout, &self.bytes, &self.outboard, indices).unwrap();
		(indices.iter().map(|&i| self.leaf(i)).collect(), proof)
	}

	fn verify(&self, indices: &[u64], leaves: &[&[u8]], proof: &Proof) -> Result<(), VerifyError> {
		verify(&self.root, self.bytes.len() as u64, indices, leaves, proof)
	}
}

const SIZES: &[usize] = &[
	0,
	1,
	1023,
	1024,
	1025,
	L - 1,
	L,
	L + 1,
	2 * L,
	3 * L,
	3 * L - 500,
	5 * L + 1024,
	8 * L,
	13 * L + 1,
	64 * L,
	100 * L - 1,
];

#[test]
fn root_is_plain_blake3() {
	for &len in SIZES {
		let shard = Shard::new(len, 1);
		assert_eq!(shard.root, *blake3::hash(&shard.bytes).as_bytes(), "len {len}");
	}
}

#[test]
fn every_single_leaf_proof_verifies_with_depth_nodes() {
	for &len in SIZES {
		let shard = Shard::new(len, 2);
		for index in 0..shard.layout.leaf_count() {
			let (leaves, proof) = shard.prove(&[index]);
			assert!(proof.nodes().len() as u32 <= shard.layout.depth());
			assert_eq!(shard.verify(&[index], &leaves, &proof), Ok(()), "len {len} leaf {index}");
		}
	}
}

#[test]
fn single_leaf_shard_needs_no_nodes_and_uses_the_root_hash() {
	for len in [0, 1, 1024, 1025, L] {
		let shard = Shard::new(len, 3);
		let (leaves, proof) = shard.prove(&[0]);
		assert!(proof.nodes().is_empty());
		assert_eq!(leaves[0], &shard.bytes[..]);
		assert_eq!(shard.verify(&[0], &leaves, &proof), Ok(()));
		// A chaining value (non-root finalization) of the same bytes is not the root.
		let bogus = Proof::from_nodes(vec![[0; 32]]).unwrap();
		assert_eq!(shard.verify(&[0], &leaves, &bogus), Err(VerifyError::ExtraNodes { extra: 1 }));
	}
	assert_eq!(Shard::new(0, 0).root, *blake3::hash(b"").as_bytes());
}

#[test]
fn multi_leaf_proofs_verify_and_share_nodes() {
	let shard = Shard::new(100 * L - 1, 4);
	let sets: &[&[u64]] = &[&[0, 1], &[0, 99], &[3, 4, 5, 6], &[10, 20, 30, 40, 50, 60, 70, 80]];
	for &set in sets {
		let (leaves, proof) = shard.prove(set);
		assert_eq!(shard.verify(set, &leaves, &proof), Ok(()), "{set:?}");
		let singles: usize = set.iter().map(|&i| shard.prove(&[i]).1.nodes().len()).sum();
		assert!(proof.nodes().len() < singles, "{set:?}: {} vs {singles}", proof.nodes().len());
	}
	let all: Vec<u64> = (0..64).collect();
	let (leaves, proof) = shard.prove(&all);
	assert_eq!(shard.verify(&all, &leaves, &proof), Ok(()));
}

fn flip(bytes: &mut [u8], bit: usize) {
	bytes[bit / 8] ^= 1 << (bit % 8);
}

#[test]
fn any_flipped_bit_in_a_leaf_or_node_is_rejected() {
	for &len in &[1, 1025, L + 1, 13 * L + 1] {
		let shard = Shard::new(len, 5);
		let count = shard.layout.leaf_count();
		let set: Vec<u64> =
			if count > 2 { vec![0, count / 2, count - 1] } else { (0..count).collect() };
		let (leaves, proof) = shard.prove(&set);
		for leaf in 0..leaves.len() {
			for bit in [0, 7, leaves[leaf].len() * 8 - 1] {
				let mut copy = leaves[leaf].to_vec();
				flip(&mut copy, bit);
				let mut tampered = leaves.clone();
				tampered[leaf] = &copy;
				assert_eq!(shard.verify(&set, &tampered, &proof), Err(VerifyError::RootMismatch));
			}
		}
		for node in 0..proof.nodes().len() {
			for bit in [0, 100, 255] {
				let mut nodes = proof.clone().into_nodes();
				flip(&mut nodes[node], bit);
				let tampered = Proof::from_nodes(nodes).unwrap();
				assert_eq!(shard.verify(&set, &leaves, &tampered), Err(VerifyError::RootMismatch));
			}
		}
		let mut root = shard.root;
		flip(&mut root, 3);
		assert_eq!(
			verify(&root, len as u64, &set, &leaves, &proof),
			Err(VerifyError::RootMismatch)
		);
	}
}

#[test]
fn wrong_index_length_or_node_count_is_rejected() {
	let shard = Shard::new(13 * L + 1, 6);
	let (leaves, proof) = shard.prove(&[5]);
	// The bytes of leaf 5 presented as leaf 4 or 6: same length, other position in the tree.
	assert_eq!(shard.verify(&[4], &leaves, &proof), Err(VerifyError::RootMismatch));
	assert_eq!(shard.verify(&[6], &leaves, &proof), Err(VerifyError::RootMismatch));
	// A wrong shard length is rejected whenever it changes the proven leaf's length or its
	// path: leaf 12 of 14 sits in the pair (12, 13); the root commits to the length only
	// through the shape of the tree, see DESIGN.md.
	let (leaves_12, proof_12) = shard.prove(&[12]);
	for wrong_len in [12 * LEAF_LEN + 5, 13 * LEAF_LEN, 16 * LEAF_LEN + 1, 40 * LEAF_LEN] {
		assert!(
			verify(&shard.root, wrong_len, &[12], &leaves_12, &proof_12).is_err(),
			"length {wrong_len}"
		);
	}
	let (leaves_13, proof_13) = shard.prove(&[13]);
	let len = shard.bytes.len() as u64;
	for wrong_len in [len - 1, len + 1, len + LEAF_LEN, 0, u64::MAX] {
		assert!(
			verify(&shard.root, wrong_len, &[13], &leaves_13, &proof_13).is_err(),
			"length {wrong_len}"
		);
	}
	// A shard length that makes leaf 5 the short last leaf.
	assert!(matches!(
		verify(&shard.root, 5 * LEAF_LEN + 10, &[5], &leaves, &proof),
		Err(VerifyError::LeafLength { index: 5, expected: 10, .. })
	));
	let mut extra = proof.clone().into_nodes();
	extra.push([1; 32]);
	assert_eq!(
		shard.verify(&[5], &leaves, &Proof::from_nodes(extra).unwrap()),
		Err(VerifyError::ExtraNodes { extra: 1 })
	);
	let mut missing = proof.clone().into_nodes();
	missing.pop();
	assert_eq!(
		shard.verify(&[5], &leaves, &Proof::from_nodes(missing).unwrap()),
		Err(VerifyError::MissingNodes)
	);
	assert_eq!(
		shard.verify(&[5], &[leaves[0], leaves[0]], &proof),
		Err(VerifyError::LeafCount { indices: 1, leaves: 2 })
	);
	let short = &leaves[0][1..];
	assert!(matches!(
		shard.verify(&[5], &[short], &proof),
		Err(VerifyError::LeafLength { index: 5, .. })
	));
}

#[test]
fn bad_index_sets_are_rejected_by_prover_and_verifier() {
	let shard = Shard::new(13 * L + 1, 7);
	let (leaves, proof) = shard.prove(&[2, 9]);
	let cases: Vec<(Vec<u64>, IndexError)> = vec![
		(vec![], IndexError::Empty),
		(vec![9, 2], IndexError::NotIncreasing { position: 1, index: 2 }),
		(vec![2, 2], IndexError::NotIncreasing { position: 1, index: 2 }),
		(vec![2, 14], IndexError::OutOfRange { index: 14, leaf_count: 14 }),
		(vec![2, u64::MAX], IndexError::OutOfRange { index: u64::MAX, leaf_count: 14 }),
		(
			(0..=u64::from(MAX_PROOF_LEAVES)).collect(),
			IndexError::TooMany { count: MAX_PROOF_LEAVES as usize + 1, max: MAX_PROOF_LEAVES },
		),
	];
	for (indices, error) in cases {
		let two = [leaves[0], leaves[1]];
		let given: Vec<&[u8]> = indices.iter().map(|_| two[0]).collect();
		assert_eq!(shard.verify(&indices, &given, &proof), Err(error.clone().into()));
		assert_eq!(
			prove(&shard.layout, &shard.bytes, &shard.outboard, &indices),
			Err(error.into())
		);
	}
	assert_eq!(
		prove(&shard.layout, &shard.bytes, &shard.outboard[64..], &[0]),
		Err(ProveError::OutboardLength {
			expected: shard.outboard.len() as u64,
			actual: shard.outboard.len() as u64 - 64
		})
	);
	assert_eq!(
		prove(&shard.layout, &shard.bytes[1..], &shard.outboard, &[0]),
		Err(ProveError::ShardLength {
			expected: shard.bytes.len() as u64,
			actual: shard.bytes.len() as u64 - 1
		})
	);
}

#[test]
fn proof_encoding_round_trips_and_is_bounded() {
	let shard = Shard::new(100 * L - 1, 8);
	let (_, proof) = shard.prove(&[1, 50, 98]);
	let bytes = proof.encode();
	assert_eq!(Proof::decode(&mut &bytes[..]), Ok(proof));
	assert!(bytes.len() <= Proof::max_encoded_len());
	let too_many = codec::Compact(MAX_PROOF_NODES + 1).encode();
	assert!(Proof::decode(&mut &too_many[..]).is_err());
	assert!(Proof::from_nodes(vec![[0; 32]; MAX_PROOF_NODES as usize + 1]).is_none());
}

#[test]
fn challenged_leaves_are_provable() {
	let shard = Shard::new(100 * L - 1, 9);
	let set = challenged_leaves(&[42; 32], shard.bytes.len() as u64, 8);
	assert_eq!(set.len(), 8);
	let (leaves, proof) = shard.prove(&set);
	assert_eq!(shard.verify(&set, &leaves, &proof), Ok(()));
}

fn index_set(leaf_count: u64) -> impl Strategy<Value = Vec<u64>> {
	proptest::collection::btree_set(0..leaf_count, 1..=(leaf_count.min(12) as usize))
		.prop_map(|s| s.into_iter().collect())
}

fn shard_and_set() -> impl Strategy<Value = (usize, u64, Vec<u64>)> {
	(0usize..40 * L, any::<u64>()).prop_flat_map(|(len, seed)| {
		let leaf_count = Layout::new(len as u64).leaf_count();
		(Just(len), Just(seed), index_set(leaf_count))
	})
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	#[test]
	fn random_shards_and_sets_verify_and_any_bit_flip_fails(
		(len, seed, set) in shard_and_set(),
		flip_at in any::<u64>(),
	) {
		let shard = Shard::new(len, seed);
		prop_assert_eq!(shard.root, *blake3::hash(&shard.bytes).as_bytes());
		let (leaves, proof) = shard.prove(&set);
		prop_assert_eq!(shard.verify(&set, &leaves, &proof), Ok(()));

		let leaf_bits: u64 = leaves.iter().map(|l| l.len() as u64 * 8).sum();
		let total_bits = leaf_bits + proof.nodes().len() as u64 * 256;
		prop_assume!(total_bits > 0);
		let mut bit = flip_at % total_bits;
		let mut copies: Vec<Vec<u8>> = leaves.iter().map(|l| l.to_vec()).collect();
		let mut nodes = proof.clone().into_nodes();
		if bit < leaf_bits {
			for copy in &mut copies {
				let bits = copy.len() as u64 * 8;
				if bit < bits {
					flip(copy, bit as usize);
					break;
				}
				bit -= bits;
			}
		} else {
			bit -= leaf_bits;
			flip(&mut nodes[(bit / 256) as usize], (bit % 256) as usize);
		}
		let tampered: Vec<&[u8]> = copies.iter().map(|c| &c[..]).collect();
		prop_assert_eq!(
			shard.verify(&set, &tampered, &Proof::from_nodes(nodes).unwrap()),
			Err(VerifyError::RootMismatch)
		);
	}

	#[test]
	fn verifier_never_panics_on_random_input(
		root in any::<[u8; 32]>(),
		shard_len in prop_oneof![any::<u64>(), 0u64..100 * LEAF_LEN],
		indices in proptest::collection::vec(prop_oneof![any::<u64>(), 0u64..100], 0..10),
		leaves in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..2 * L), 0..4),
		proof_bytes in proptest::collection::vec(any::<u8>(), 0..2000),
	) {
		let leaves: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
		if let Ok(proof) = Proof::decode(&mut &proof_bytes[..]) {
			prop_assert!(verify(&root, shard_len, &indices, &leaves, &proof).is_err());
		}
		let nodes: Vec<[u8; 32]> =
			proof_bytes.chunks_exact(32).map(|c| c.try_into().unwrap()).collect();
		let proof = Proof::from_nodes(nodes).unwrap();
		prop_assert!(verify(&root, shard_len, &indices, &leaves, &proof).is_err());
	}

	#[test]
	fn verifier_never_panics_on_right_shapes_with_random_bytes(
		(len, _seed, set) in shard_and_set(),
		node_seed in any::<u64>(),
	) {
		// Right leaf lengths and node count, random content: the deepest paths are exercised.
		let shard = Shard::new(len, node_seed);
		let (leaves, proof) = shard.prove(&set);
		let random_leaves: Vec<Vec<u8>> =
			leaves.iter().enumerate().map(|(i, l)| shard_bytes(l.len(), node_seed ^ i as u64)).collect();
		let random_leaves: Vec<&[u8]> = random_leaves.iter().map(|l| &l[..]).collect();
		let nodes = shard_bytes(proof.nodes().len() * 32, !node_seed)
			.chunks_exact(32).map(|c| c.try_into().unwrap()).collect();
		let random_root: [u8; 32] = shard_bytes(32, node_seed.rotate_left(7)).try_into().unwrap();
		let result = verify(&random_root, len as u64, &set, &random_leaves, &Proof::from_nodes(nodes).unwrap());
		prop_assert_eq!(result, Err(VerifyError::RootMismatch));
	}
}
