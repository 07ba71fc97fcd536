//! Proofs: real Merkle proofs of the challenged leaves of real shards, verified on chain and
//! paid per shard and period; every way a proof is refused, each refused proof paying its fee.

use super::*;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, dispatch::Pays},
	sp_runtime::DispatchError,
};

/// `proof` with its leaves changed by `change`.
fn with_leaves(
	mut proof: ShardProof<Test>,
	change: impl FnOnce(&mut Vec<Vec<u8>>),
) -> ShardProof<Test> {
	let mut leaves: Vec<Vec<u8>> = proof.leaves.into_iter().map(|leaf| leaf.into_inner()).collect();
	change(&mut leaves);
	proof.leaves = leaves
		.into_iter()
		.map(|leaf| leaf.try_into().unwrap())
		.collect::<Vec<_>>()
		.try_into()
		.unwrap();
	proof
}

/// `proof` with its Merkle nodes changed by `change`.
fn with_nodes(
	mut proof: ShardProof<Test>,
	change: impl FnOnce(&mut Vec<[u8; 32]>),
) -> ShardProof<Test> {
	let mut nodes = proof.proof.into_nodes();
	change(&mut nodes);
	proof.proof = xmbl_merkle::Proof::from_nodes(nodes).unwrap();
	proof
}

/// `submit` must fail with `error`, pay its fee and change nothing.
fn assert_refused(provider: AccountId, proofs: Vec<ShardProof<Test>>, error: Error<Test>) {
	let error = DispatchError::from(error);
	let refusal = submit(provider, proofs.clone()).expect_err("the proof is refused");
	assert_eq!(refusal.error, error);
	assert_eq!(refusal.post_info.pays_fee, Pays::Yes);
	assert_noop!(submit(provider, proofs), error);
}

#[test]
fn a_valid_proof_pays_the_shard_price_for_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let seed = deal(id).seed;
		// Four of the shard's seven leaves are challenged.
		let challenged = Storage::challenge(&seed, 0, SHARD_SIZE);
		assert_eq!(challenged.len(), CHALLENGED as usize);
		assert!(challenged.windows(2).all(|pair| pair[0] < pair[1]) && challenged[3] < 7);
		let proof = honest_proof(id, 0, &file);
		assert_eq!(proof.leaves.len(), 4);

		let post = submit(providers[0], vec![proof]).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		assert_eq!(
			last_event(),
			Event::ShardProven { deal: id, shard: 0, period: 0, provider: providers[0], paid: 7 }
		);
		assert_eq!(free(providers[0]), ENDOWMENT - STAKE + 7);
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW - 7);
		assert_eq!(deal(id).escrow, STANDARD_ESCROW - 7);
		assert_eq!(
			deal(id).shards[0].state,
			ShardState::Stored { from_period: 0, proven: Some(0) }
		);
		assert_eq!(provider(providers[0]).successes, 1);
		// The other shards are not affected.
		assert_eq!(deal(id).shards[1].state, ShardState::Stored { from_period: 0, proven: None });
	});
}

#[test]
fn each_proof_of_a_batch_is_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let (first_file, second_file) = (test_file(1), test_file(2));
		let first = create(OWNER, &first_file, PERIODS, PRICE);
		let second = create(OTHER, &second_file, PERIODS, 11);
		run_to_block(3);
		confirm_pending(first);
		confirm_pending(second);
		let (a, b) = (providers_of(first), providers_of(second));
		let common = *a.iter().find(|who| b.contains(who)).unwrap();
		let in_a = a.iter().position(|who| *who == common).unwrap() as u8;
		let in_b = b.iter().position(|who| *who == common).unwrap() as u8;

		System::reset_events();
		assert_ok!(submit(
			common,
			vec![honest_proof(first, in_a, &first_file), honest_proof(second, in_b, &second_file)]
		));
		assert_eq!(
			take_events(),
			vec![
				Event::ShardProven {
					deal: first,
					shard: in_a,
					period: 0,
					provider: common,
					paid: 7
				},
				Event::ShardProven {
					deal: second,
					shard: in_b,
					period: 0,
					provider: common,
					paid: 11
				},
			]
		);
		assert_eq!(free(common), ENDOWMENT - STAKE + 18);
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW - 7);
		assert_eq!(escrowed(OTHER), escrow_for(SHARDS, M, PERIODS, 11) - 11);
		assert_eq!(provider(common).successes, 2);
	});
}

#[test]
fn forged_proofs_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let honest = honest_proof(id, 0, &file);
		assert!(!honest.proof.nodes().is_empty());

		// One flipped byte in a leaf, in the last leaf byte, or in a proof node.
		let flipped_leaf = with_leaves(honest.clone(), |leaves| leaves[0][100] ^= 1);
		assert_refused(providers[0], vec![flipped_leaf], Error::<Test>::InvalidProof);
		let flipped_end = with_leaves(honest.clone(), |leaves| {
			let last = leaves[3].len() - 1;
			leaves[3][last] ^= 0x80;
		});
		assert_refused(providers[0], vec![flipped_end], Error::<Test>::InvalidProof);
		let flipped_node = with_nodes(honest.clone(), |nodes| nodes[0][31] ^= 1);
		assert_refused(providers[0], vec![flipped_node], Error::<Test>::InvalidProof);

		// Nodes missing or added, a leaf missing, a leaf cut short.
		let missing_node = with_nodes(honest.clone(), |nodes| {
			nodes.pop();
		});
		assert_refused(providers[0], vec![missing_node], Error::<Test>::InvalidProof);
		let extra_node = with_nodes(honest.clone(), |nodes| nodes.push([0; 32]));
		assert_refused(providers[0], vec![extra_node], Error::<Test>::InvalidProof);
		let missing_leaf = with_leaves(honest.clone(), |leaves| {
			leaves.pop();
		});
		assert_refused(providers[0], vec![missing_leaf], Error::<Test>::InvalidProof);
		let short_leaf = with_leaves(honest.clone(), |leaves| {
			leaves[1].pop();
		});
		assert_refused(providers[0], vec![short_leaf], Error::<Test>::InvalidProof);

		// The right leaves of another shard of the same file.
		let seed = deal(id).seed;
		let other_shard =
			proof_of(id, 0, 0, &file.shards[1], &Storage::challenge(&seed, 0, SHARD_SIZE));
		assert_refused(providers[0], vec![other_shard], Error::<Test>::InvalidProof);

		assert_eq!(free(providers[0]), ENDOWMENT - STAKE);
		assert_ok!(submit(providers[0], vec![honest]));
		assert_eq!(free(providers[0]), ENDOWMENT - STAKE + 7);
	});
}

#[test]
fn a_valid_proof_of_other_leaves_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let challenged = Storage::challenge(&deal(id).seed, 0, SHARD_SIZE);
		// The three leaves not challenged, and the last challenged one.
		let mut others: Vec<u64> = (0..7).filter(|leaf| !challenged.contains(leaf)).collect();
		others.push(challenged[3]);
		others.sort();
		assert_ne!(others, challenged);
		let shard = &file.shards[0];
		// The proof is sound for the leaves it names ...
		let (leaves, nodes) = leaves_and_proof(shard, &others);
		let leaf_slices: Vec<&[u8]> = leaves.iter().map(|leaf| leaf.as_slice()).collect();
		assert_eq!(
			xmbl_merkle::verify(
				&file.manifest.shards[0].root,
				SHARD_SIZE,
				&others,
				&leaf_slices,
				&nodes
			),
			Ok(())
		);
		// ... but they are not the challenged ones.
		assert_refused(
			providers[0],
			vec![proof_of(id, 0, 0, shard, &others)],
			Error::<Test>::InvalidProof,
		);
		// Shard 1's challenge is not shard 0's either.
		let challenged_1 = Storage::challenge(&deal(id).seed, 1, SHARD_SIZE);
		assert_ne!(challenged_1, challenged);
		assert_refused(
			providers[0],
			vec![proof_of(id, 0, 0, shard, &challenged_1)],
			Error::<Test>::InvalidProof,
		);
	});
}

#[test]
fn proofs_for_another_period_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let early = honest_proof(id, 0, &file);
		let challenged_0 = Storage::challenge(&deal(id).seed, 0, SHARD_SIZE);
		let mut ahead = early.clone();
		ahead.period = 1;
		assert_refused(providers[0], vec![ahead], Error::<Test>::WrongPeriod);

		// Period 0 ends at block 13 and period 1 has a new seed.
		run_to_block(13);
		assert_eq!(deal(id).period, 1);
		assert_refused(providers[0], vec![early.clone()], Error::<Test>::WrongPeriod);
		let challenged_1 = Storage::challenge(&deal(id).seed, 0, SHARD_SIZE);
		assert_ne!(challenged_1, challenged_0);
		// Period 0's leaves, labelled period 1.
		let relabelled = ShardProof { period: 1, ..early };
		assert_refused(providers[0], vec![relabelled], Error::<Test>::InvalidProof);
		assert_ok!(submit(providers[0], vec![honest_proof(id, 0, &file)]));
		assert_eq!(
			last_event(),
			Event::ShardProven { deal: id, shard: 0, period: 1, provider: providers[0], paid: 7 }
		);
	});
}

#[test]
fn a_period_is_proven_once() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		assert_ok!(submit(providers[0], vec![honest_proof(id, 0, &file)]));
		assert_refused(
			providers[0],
			vec![honest_proof(id, 0, &file)],
			Error::<Test>::AlreadyProven,
		);
		assert_eq!(free(providers[0]), ENDOWMENT - STAKE + 7);
	});
}

#[test]
fn only_the_shards_provider_proves_it() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let proof = honest_proof(id, 0, &file);
		assert_refused(providers[1], vec![proof.clone()], Error::<Test>::NotAssigned);
		assert_refused(OWNER, vec![proof.clone()], Error::<Test>::NotAssigned);
		let unknown_deal = ShardProof { deal: id + 1, ..proof.clone() };
		assert_refused(providers[0], vec![unknown_deal], Error::<Test>::UnknownDeal);
		let unknown_shard = ShardProof { shard: 6, ..proof.clone() };
		assert_refused(providers[0], vec![unknown_shard], Error::<Test>::UnknownShard);
		assert_noop!(
			Storage::submit_proofs(RuntimeOrigin::none(), vec![proof].try_into().unwrap()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn no_proof_before_the_deal_is_active() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		assert_ok!(confirm(providers[0], &[(id, 0)]));
		let proof = proof_of(id, 0, 0, &file.shards[0], &[0, 1, 2, 3]);
		assert_refused(providers[0], vec![proof], Error::<Test>::DealNotActive);
	});
}

#[test]
fn a_repaired_shard_is_proven_from_the_next_period() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 5, PRICE);
		// Shard 0's provider misses periods 0 and 1 (deadlines 13 and 23): the shard is lost.
		prove(id, &file, 1..6);
		run_to_block(13);
		prove(id, &file, 1..6);
		run_to_block(23);
		let repairer = deal(id).shards[0].provider.unwrap();
		assert!(!providers.contains(&repairer));
		assert_eq!(deal(id).shards[0].state, ShardState::Pending { until: 28, repair: true });

		// Period 2: pending, then confirmed during it: not due before period 3.
		assert_refused(repairer, vec![honest_proof(id, 0, &file)], Error::<Test>::NotDue);
		run_to_block(24);
		assert_ok!(confirm(repairer, &[(id, 0)]));
		assert_eq!(deal(id).shards[0].state, ShardState::Stored { from_period: 3, proven: None });
		assert_refused(repairer, vec![honest_proof(id, 0, &file)], Error::<Test>::NotDue);
		prove(id, &file, 1..6);

		// Its period 2 is nobody's: refunded to the owner, and the new provider not slashed.
		System::reset_events();
		let owner_before = free(OWNER);
		run_to_block(33);
		assert!(!take_events().iter().any(|event| matches!(event, Event::ProofMissed { .. })));
		assert_eq!(free(OWNER), owner_before + 7);
		assert_eq!(staked(repairer), STAKE);

		System::reset_events();
		assert_ok!(submit(repairer, vec![honest_proof(id, 0, &file)]));
		assert_eq!(
			take_events(),
			vec![
				Event::ShardProven { deal: id, shard: 0, period: 3, provider: repairer, paid: 7 },
				Event::ShardRepaired { deal: id, shard: 0, provider: repairer, bounty: BOUNTY },
			]
		);
		// 7 × 6 × 5 + 60, less three periods of six shards, this proof and the bounty it
		// earned as the repairer's first.
		assert_eq!(deal(id).escrow, 270 - 126 - 30 - 7);
		assert_eq!(escrowed(OWNER), 107);
	});
}

/// How it fails: a batch that stops at its first refused proof, or pays for it, or keeps what
/// a refused proof changed before it failed, breaks an `assert_eq!` on the events, the
/// balance or the shard's state.
#[test]
fn a_refused_proof_is_skipped_and_the_rest_of_its_batch_is_accepted() {
	ExtBuilder::default().build_and_execute(|| {
		let (first_file, second_file) = (test_file(1), test_file(2));
		let first = create(OWNER, &first_file, PERIODS, PRICE);
		let second = create(OTHER, &second_file, PERIODS, PRICE);
		run_to_block(3);
		confirm_pending(first);
		confirm_pending(second);
		let (a, b) = (providers_of(first), providers_of(second));
		let common = *a.iter().find(|who| b.contains(who)).unwrap();
		let in_a = a.iter().position(|who| *who == common).unwrap() as u8;
		let in_b = b.iter().position(|who| *who == common).unwrap() as u8;
		let good = honest_proof(first, in_a, &first_file);

		// Malformed batches are refused whole.
		assert_refused(common, vec![], Error::<Test>::EmptyBatch);
		assert_refused(common, vec![good.clone(), good.clone()], Error::<Test>::DuplicateInBatch);
		// A batch whose every proof is refused fails with the first one's error, and pays.
		let forged =
			with_leaves(honest_proof(second, in_b, &second_file), |leaves| leaves[0][0] ^= 1);
		let stale = ShardProof { period: 1, ..good.clone() };
		assert_refused(common, vec![forged.clone(), stale], Error::<Test>::InvalidProof);

		// A forged proof before a good one: the forged one is skipped, the good one paid, and
		// the call is free.
		System::reset_events();
		let accepted = submit(common, vec![forged, good.clone()]).expect("one proof is accepted");
		assert_eq!(accepted.pays_fee, Pays::No);
		assert_eq!(
			take_events(),
			vec![
				Event::ProofSkipped {
					deal: second,
					shard: in_b,
					period: 0,
					provider: common,
					error: Error::<Test>::InvalidProof.into(),
				},
				Event::ShardProven {
					deal: first,
					shard: in_a,
					period: 0,
					provider: common,
					paid: 7
				},
			]
		);
		assert_eq!(free(common), ENDOWMENT - STAKE + 7);
		assert_eq!(
			deal(first).shards[usize::from(in_a)].state,
			ShardState::Stored { from_period: 0, proven: Some(0) }
		);
		assert_eq!(
			deal(second).shards[usize::from(in_b)].state,
			ShardState::Stored { from_period: 0, proven: None }
		);
		// The skipped shard is still due, and is paid when proven.
		assert_ok!(submit(common, vec![honest_proof(second, in_b, &second_file)]));
		assert_eq!(free(common), ENDOWMENT - STAKE + 14);
	});
}
