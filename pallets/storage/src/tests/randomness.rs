//! Randomness: a deal's providers are drawn in `on_initialize` of the block
//! `SelectionDelay` blocks after its creation, from that block's randomness. Nothing the
//! creator or anyone else does in the creation block (its randomness, the order of
//! registrations in it) decides them: the seed does not exist yet.

use super::*;
use xmbl_primitives::ProviderRole;

/// The providers of a standard deal made at block 1, with the mock randomness salted by
/// `salt_at(block)` in each of blocks 1 to 3.
fn providers_chosen(file: &StoredFile, salt_at: impl Fn(u64) -> u64) -> Vec<AccountId> {
	let mut chosen = Vec::new();
	ExtBuilder::default().build_and_execute(|| {
		set_salt(salt_at(1));
		let id = create(OWNER, file, PERIODS, PRICE);
		for block in 2..=3 {
			set_salt(salt_at(block));
			run_to_block(block);
		}
		chosen = providers_of(id);
	});
	chosen
}

/// What `select` draws at the current block for the first selection round of deal `id`.
fn drawn_now(id: DealId, count: u32) -> Vec<AccountId> {
	let seed = expected_seed(b"xmbl/storage/select", id, 0, System::block_number());
	<Providers as ProviderRegistry<AccountId, Balance>>::select(
		ProviderRole::Storage,
		count,
		seed,
		&[],
		PRICE,
	)
	.expect("enough providers")
}

#[test]
fn the_selection_runs_at_creation_plus_selection_delay_from_that_blocks_randomness() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		// Making a deal draws nothing: there is no seed and no provider yet.
		assert_eq!(RandomDraws::get(), vec![]);
		assert_eq!(deal(id).seed, [0; 32]);
		assert_eq!(shard_providers(id), vec![None; 6]);
		assert_eq!(deal(id).due, 1 + SELECTION_DELAY);

		run_to_block(2);
		assert_eq!(RandomDraws::get(), vec![]);
		assert_eq!(deal(id).status, DealStatus::Selecting);

		// Block 3: before its hook runs, compute what its randomness draws ...
		System::set_block_number(3);
		let expected = drawn_now(id, 6);
		RandomDraws::set(Vec::new());
		Providers::on_initialize(3);
		Storage::on_initialize(3);
		// ... which is what the hook assigned, from one draw of block 3's randomness.
		assert_eq!(providers_of(id), expected);
		assert_eq!(RandomDraws::get(), vec![(3, (&b"xmbl/storage/select"[..], id, 0u32).encode())]);
	});
}

#[test]
fn the_randomness_of_the_creation_block_changes_nothing() {
	let file = test_file(1);
	let baseline = providers_chosen(&file, |_| 0);
	assert_eq!(providers_chosen(&file, |block| if block == 1 { 77 } else { 0 }), baseline);
	assert_eq!(providers_chosen(&file, |block| if block == 2 { 77 } else { 0 }), baseline);
	assert_eq!(providers_chosen(&file, |block| if block == 1 { 5 } else { 0 }), baseline);
}

#[test]
fn the_randomness_of_the_selection_block_changes_the_choice() {
	let file = test_file(1);
	let baseline = providers_chosen(&file, |_| 0);
	let mut outcomes = vec![baseline.clone()];
	for salt in 1..=6 {
		let chosen = providers_chosen(&file, |block| if block == 3 { salt } else { 0 });
		assert_ne!(chosen, baseline, "salt {salt}");
		outcomes.push(chosen);
	}
	outcomes.sort();
	outcomes.dedup();
	assert!(outcomes.len() >= 6, "only {} distinct choices", outcomes.len());
}

/// Providers 1 to 4 exist; in the creation block, accounts 5 to 8 register in `order` and
/// then the deal is made. The providers chosen at block 3, salted with `salt`.
fn chosen_after_registrations(file: &StoredFile, order: &[AccountId], salt: u64) -> Vec<AccountId> {
	let mut chosen = Vec::new();
	ExtBuilder::default().providers(4).build_and_execute(|| {
		for who in order {
			register_provider(*who);
		}
		let id = create(OWNER, file, PERIODS, PRICE);
		assert_eq!((deal(id).seed, shard_providers(id)), ([0; 32], vec![None; 6]));
		run_to_block(2);
		set_salt(salt);
		System::set_block_number(3);
		let expected = drawn_now(id, 6);
		Providers::on_initialize(3);
		Storage::on_initialize(3);
		chosen = providers_of(id);
		assert_eq!(chosen, expected);
	});
	chosen
}

#[test]
fn the_order_of_registrations_in_the_creation_block_does_not_choose_the_providers() {
	let file = test_file(1);
	let orders: [[AccountId; 4]; 4] = [[5, 6, 7, 8], [8, 7, 6, 5], [6, 8, 5, 7], [7, 5, 8, 6]];
	// What the registering accounts would want: all four data shards, i.e. the whole file.
	let holds_the_data = |chosen: &[AccountId]| chosen[..4].iter().all(|who| *who >= 5);
	for order in &orders {
		let outcomes: Vec<Vec<AccountId>> =
			(0..8).map(|salt| chosen_after_registrations(&file, order, salt)).collect();
		let mut distinct = outcomes.clone();
		distinct.sort();
		distinct.dedup();
		// Whatever the order, the choice still depends on the selection block's randomness ...
		assert!(distinct.len() >= 4, "order {order:?}: {} distinct choices", distinct.len());
		// ... so no order secures the data shards.
		assert!(
			outcomes.iter().any(|chosen| !holds_the_data(chosen)),
			"order {order:?} always gets the data shards"
		);
	}
}
