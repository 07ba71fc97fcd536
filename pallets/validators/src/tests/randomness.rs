//! The seed folds in each block's parent VRF output; randomness follows the seed.

use super::*;

fn random(subject: &[u8]) -> sp_core::H256 {
	<Validators as Randomness<sp_core::H256, u64>>::random(subject).0
}

#[test]
fn every_vrf_output_changes_the_seed_and_the_randomness() {
	new_test_ext(&[1, 2]).execute_with(|| {
		let start = random(b"challenge");
		ParentVrf::set(Some(sp_core::H256::repeat_byte(1)));
		run_to_block(2);
		let after_one = random(b"challenge");
		assert_ne!(after_one, start);
		run_to_block(3);
		// The same VRF output again still moves the seed: it is a hash chain.
		assert_ne!(random(b"challenge"), after_one);
		assert_ne!(random(b"challenge"), random(b"selection"));
		assert_eq!(<Validators as Randomness<sp_core::H256, u64>>::random(b"x").1, 2);
	});
}

#[test]
fn a_block_without_a_vrf_output_leaves_the_seed() {
	new_test_ext(&[1, 2]).execute_with(|| {
		let seed = RandomSeed::<Test>::get();
		run_to_block(4);
		assert_eq!(RandomSeed::<Test>::get(), seed);
	});
}

#[test]
fn the_seed_is_the_hash_chain_of_the_outputs() {
	use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
	new_test_ext(&[1, 2]).execute_with(|| {
		let vrf = sp_core::H256::repeat_byte(7);
		ParentVrf::set(Some(vrf));
		run_to_block(2);
		// Computed here from the definition, not with the pallet's code.
		let output = BlakeTwo256::hash_of(&(&b"xmbl/seed"[..], vrf));
		let expected = BlakeTwo256::hash_of(&(sp_core::H256::zero(), output));
		assert_eq!(RandomSeed::<Test>::get(), expected);
	});
}
