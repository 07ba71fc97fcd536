//! Deadlines: the end of each period (refunds, slashes, lost shards and their repair), the
//! end of a deal, and the per-block budget of `on_initialize`.

use super::*;
use polkadot_sdk::frame_support::{
	assert_ok,
	traits::Get,
	weights::{RuntimeDbWeight, Weight},
};

/// Advance to block `n`, running `on_initialize` of every block on the way; the storage
/// pallet's weight of block `n`.
fn run_block(n: u64) -> Weight {
	run_to_block(n - 1);
	System::set_block_number(n);
	Providers::on_initialize(n);
	Storage::on_initialize(n)
}

fn providers_event(event: pallet_xmbl_providers::Event<Test>) -> bool {
	System::events()
		.iter()
		.any(|record| record.event == RuntimeEvent::Providers(event.clone()))
}

/// The owner gets the missed shard-period's price back and as much again from the slash; the
/// treasury takes the rest of the slash. On the old code the owner was paid the whole slash
/// (50, not 7), so the `to_owner` and balance asserts fail there.
#[test]
fn a_missed_proof_refunds_the_owner_and_slashes_the_provider() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		assert_eq!(deal(id).due, 13);
		prove(id, &file, 0..5);
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW - 35);
		let owner_free = free(OWNER);

		System::reset_events();
		run_to_block(12);
		assert_eq!(take_events(), vec![]);
		run_to_block(13);
		assert_eq!(
			take_events(),
			vec![Event::ProofMissed {
				deal: id,
				shard: 5,
				period: 0,
				provider: providers[5],
				slashed: MISSED_SLASH,
				to_owner: PRICE,
			}]
		);
		// The shard's price for the period comes back, and the slash pays the owner as much
		// again; the rest of it goes to the treasury.
		assert_eq!(free(OWNER), owner_free + 7 + 7);
		assert_eq!(escrowed(OWNER), 144);
		assert_eq!(staked(providers[5]), STAKE - 50);
		assert_eq!(provider(providers[5]).slashes, 1);
		assert_eq!(free(TREASURY), ED + 43);
		let deal = deal(id);
		assert_eq!(deal.escrow, 144);
		assert_eq!(deal.shards[5].missed, 1);
		assert_eq!(deal.shards[5].provider, Some(providers[5]));
		assert_eq!(deal.shards[4].missed, 0);
		// Period 1 starts with a new seed.
		assert_eq!((deal.period, deal.period_start, deal.due), (1, 13, 23));
		assert_eq!(deal.seed, expected_seed(b"xmbl/storage/period", id, 0, 13));
		assert_eq!(Due::<Test>::iter().collect::<Vec<_>>(), vec![(23, id, ())]);
	});
}

/// A deal made to be missed earns its owner no more than it paid: at the lowest price, for
/// many periods, every missed shard-period pays the owner its price back and the price again
/// from the slash, and the treasury takes the rest. On the old code each of the six slashes
/// paid the owner all 50, so the `Slashed` and balance asserts fail there.
#[test]
fn a_slash_compensates_the_owner_up_to_the_price_and_the_treasury_takes_the_rest() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 100, MIN_SHARD_PRICE);
		run_to_block(13);
		// Every shard missed: six slashes, each paying the owner the shard's price.
		for &p in &providers {
			assert!(providers_event(pallet_xmbl_providers::Event::Slashed {
				provider: p,
				amount: 50,
				to_harmed: MIN_SHARD_PRICE,
				to_treasury: 50 - MIN_SHARD_PRICE,
			}));
		}
		let escrow = escrow_for(SHARDS, M, 100, MIN_SHARD_PRICE);
		assert_eq!(free(OWNER), ENDOWMENT - escrow + 12 + 12);
		assert_eq!(free(TREASURY), ED + 6 * 48);
		assert_eq!(deal(id).escrow, escrow - 12);
	});
}

#[test]
fn a_proof_after_a_miss_resets_the_count() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, _) = active_deal(OWNER, &file, 4, PRICE);
		prove(id, &file, 1..6);
		run_to_block(13);
		assert_eq!(deal(id).shards[0].missed, 1);
		prove(id, &file, 0..6);
		run_to_block(23);
		assert_eq!(deal(id).shards[0].missed, 0);
		// A miss in period 2 is the first in a row again: the shard is not lost.
		prove(id, &file, 1..6);
		System::reset_events();
		run_to_block(33);
		let events = take_events();
		assert!(!events.iter().any(|event| matches!(event, Event::ShardLost { .. })));
		assert_eq!(deal(id).shards[0].missed, 1);
	});
}

#[test]
fn a_shard_missed_max_missed_periods_in_a_row_is_repaired_by_a_new_provider() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 4, PRICE);
		prove(id, &file, 1..6);
		run_to_block(13);
		prove(id, &file, 1..6);
		System::reset_events();
		run_to_block(23);
		let repairer = deal(id).shards[0].provider.unwrap();
		assert_eq!(
			take_events(),
			vec![
				Event::ProofMissed {
					deal: id,
					shard: 0,
					period: 1,
					provider: providers[0],
					slashed: 50,
					to_owner: PRICE
				},
				Event::ShardLost { deal: id, shard: 0, provider: providers[0] },
				Event::ShardReassigned {
					deal: id,
					shard: 0,
					from: Some(providers[0]),
					to: Some(repairer),
					repair: true
				},
			]
		);
		// Not a provider of the deal, nor the one that lost the shard.
		assert!(!providers.contains(&repairer));
		let deal_now = deal(id);
		assert_eq!(deal_now.shards[0].state, ShardState::Pending { until: 28, repair: true });
		assert_eq!(deal_now.shards[0].missed, 0);
		assert_eq!((provider(providers[0]).used.bytes, live_assignments(providers[0])), (0, 0));
		assert!(!ProviderShards::<Test>::contains_key(providers[0], (id, 0)));
		assert!(ProviderShards::<Test>::contains_key(repairer, (id, 0)));
		assert_eq!((provider(repairer).used.bytes, live_assignments(repairer)), (SHARD_SIZE, 1));
		// 7 × 6 × 4 + 60, less two periods.
		assert_eq!(deal_now.escrow, 228 - 84);

		// The repairer rebuilds the shard and confirms: nothing is paid yet.
		run_to_block(25);
		let repairer_free = free(repairer);
		assert_ok!(confirm(repairer, &[(id, 0)]));
		assert_eq!(
			take_events(),
			vec![Event::ShardConfirmed { deal: id, shard: 0, provider: repairer }]
		);
		assert_eq!(free(repairer), repairer_free);
		let deal_now = deal(id);
		assert_eq!(deal_now.repair_reserve, 60);
		assert_eq!(deal_now.escrow, 228 - 84);
		assert_eq!(deal_now.shards[0].state, ShardState::Stored { from_period: 3, proven: None });
		// The provider that lost the shard may leave.
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(providers[0])));
	});
}

#[test]
fn shards_lost_together_go_to_providers_that_held_none_of_the_deal() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 4, PRICE);
		prove(id, &file, 2..6);
		run_to_block(13);
		prove(id, &file, 2..6);
		System::reset_events();
		run_to_block(23);
		let repairers =
			[deal(id).shards[0].provider.unwrap(), deal(id).shards[1].provider.unwrap()];
		let reassigned: Vec<_> = take_events()
			.into_iter()
			.filter(|event| matches!(event, Event::ShardReassigned { .. }))
			.collect();
		assert_eq!(
			reassigned,
			vec![
				Event::ShardReassigned {
					deal: id,
					shard: 0,
					from: Some(providers[0]),
					to: Some(repairers[0]),
					repair: true
				},
				Event::ShardReassigned {
					deal: id,
					shard: 1,
					from: Some(providers[1]),
					to: Some(repairers[1]),
					repair: true
				},
			]
		);
		// Neither goes to the provider that has just lost the other one: the two providers
		// outside the deal take them.
		let mut sorted = repairers.to_vec();
		sorted.sort();
		assert_eq!(sorted, (1..=8).filter(|who| !providers.contains(who)).collect::<Vec<_>>());
	});
}

#[test]
fn the_bounty_is_capped_by_what_is_left_of_the_reserve() {
	ExtBuilder::default().providers(10).build_and_execute(|| {
		let file = test_file(1);
		let (id, _) = active_deal(OWNER, &file, 8, PRICE);
		// Shards 0, 1 and 2 are lost at block 23 and repaired: the reserve pays two bounties.
		prove(id, &file, 3..6);
		run_to_block(13);
		prove(id, &file, 3..6);
		run_to_block(23);
		run_to_block(24);
		System::reset_events();
		for number in 0..3u8 {
			let repairer = deal(id).shards[usize::from(number)].provider.unwrap();
			assert_ok!(confirm(repairer, &[(id, number)]));
		}
		// The bounties are paid at the repairers' first proofs, in period 3.
		prove(id, &file, 3..6);
		run_to_block(33);
		prove(id, &file, 0..3);
		let bounties: Vec<Balance> = take_events()
			.into_iter()
			.filter_map(|event| match event {
				Event::ShardRepaired { bounty, .. } => Some(bounty),
				_ => None,
			})
			.collect();
		assert_eq!(bounties, vec![30, 30, 0]);
		assert_eq!(deal(id).repair_reserve, 0);
	});
}

#[test]
fn an_unassigned_shard_is_retried_at_the_next_deadline() {
	// Six providers, six shards: a lost shard has nowhere to go.
	ExtBuilder::default().providers(6).build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 5, PRICE);
		prove(id, &file, 1..6);
		run_to_block(13);
		prove(id, &file, 1..6);
		System::reset_events();
		run_to_block(23);
		assert_eq!(
			take_events().last(),
			Some(&Event::ShardReassigned {
				deal: id,
				shard: 0,
				from: Some(providers[0]),
				to: None,
				repair: true
			})
		);
		let deal_now = deal(id);
		assert_eq!(
			(deal_now.shards[0].provider, deal_now.shards[0].state),
			(None, ShardState::Unassigned)
		);
		assert_eq!(ProviderShards::<Test>::iter_prefix(providers[0]).count(), 0);
		assert_eq!((provider(providers[0]).used.bytes, live_assignments(providers[0])), (0, 0));

		// The provider that lost it leaves; a new one registers.
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(providers[0])));
		register_provider(7);
		prove(id, &file, 1..6);
		let owner_free = free(OWNER);
		System::reset_events();
		run_to_block(33);
		// The unassigned shard's period is refunded, no one is slashed, and provider 7 gets it.
		assert_eq!(
			take_events(),
			vec![Event::ShardReassigned {
				deal: id,
				shard: 0,
				from: None,
				to: Some(7),
				repair: true
			}]
		);
		assert_eq!(free(OWNER), owner_free + 7);
		assert_eq!(deal(id).shards[0].state, ShardState::Pending { until: 38, repair: true });
		run_to_block(34);
		assert_ok!(confirm(7, &[(id, 0)]));
		prove(id, &file, 1..6);
		run_to_block(43);
		prove(id, &file, [0]);
		assert_eq!(
			last_event(),
			Event::ShardRepaired { deal: id, shard: 0, provider: 7, bounty: BOUNTY }
		);
	});
}

#[test]
fn a_repair_left_unconfirmed_goes_to_another_provider() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 5, PRICE);
		prove(id, &file, 1..6);
		run_to_block(13);
		prove(id, &file, 1..6);
		run_to_block(23);
		let first = deal(id).shards[0].provider.unwrap();
		// The repairer never confirms: at the next deadline the repair goes elsewhere.
		prove(id, &file, 1..6);
		System::reset_events();
		run_to_block(33);
		let second = deal(id).shards[0].provider.unwrap();
		assert_eq!(
			take_events(),
			vec![Event::ShardReassigned {
				deal: id,
				shard: 0,
				from: Some(first),
				to: Some(second),
				repair: true
			}]
		);
		assert!(!providers[1..].contains(&second) && second != first);
		// Not slashed: it never held the shard.
		assert_eq!(staked(first), STAKE);
		assert_eq!((provider(first).used.bytes, live_assignments(first)), (0, 0));
	});
}

#[test]
fn the_end_of_a_deal_refunds_the_reserve_and_releases_the_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 2, PRICE);
		prove(id, &file, 0..6);
		run_to_block(13);
		prove(id, &file, 0..6);
		System::reset_events();
		run_to_block(22);
		assert!(Deals::<Test>::contains_key(id));
		run_to_block(23);
		assert_eq!(take_events(), vec![Event::DealEnded { deal: id, refund: 60 }]);
		assert_eq!(escrowed(OWNER), 0);
		assert_eq!(free(OWNER), ENDOWMENT - 84);
		for &p in &providers {
			assert_eq!(free(p), ENDOWMENT - STAKE + 14);
			assert_eq!((provider(p).used.bytes, live_assignments(p)), (0, 0));
			assert_eq!(provider(p).successes, 2);
		}
		assert!(!Deals::<Test>::contains_key(id));
		assert!(!Manifests::<Test>::contains_key(id));
		assert_eq!(Storage::deals_of(&OWNER), Vec::<DealId>::new());
		assert_eq!(ProviderShards::<Test>::iter().count(), 0);
		assert_eq!(Due::<Test>::iter().count(), 0);
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(providers[0])));
	});
}

#[test]
fn a_renewed_deal_runs_its_added_periods() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, _) = active_deal(OWNER, &file, 1, PRICE);
		assert_ok!(Storage::renew(RuntimeOrigin::signed(OWNER), id, 1));
		prove(id, &file, 0..6);
		run_to_block(13);
		assert_eq!(deal(id).period, 1);
		prove(id, &file, 0..6);
		System::reset_events();
		run_to_block(23);
		assert_eq!(take_events(), vec![Event::DealEnded { deal: id, refund: 60 }]);
		assert_eq!(free(OWNER), ENDOWMENT - 84);
	});
}

#[test]
fn the_last_period_missed_still_ends_the_deal() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, 1, PRICE);
		prove(id, &file, 0..4);
		System::reset_events();
		run_to_block(13);
		let events = take_events();
		assert_eq!(events.len(), 3);
		assert_eq!(events[2], Event::DealEnded { deal: id, refund: 60 });
		// Two shards refunded, and the two slashes pay the owner their price again.
		assert_eq!(free(OWNER), ENDOWMENT - 28 + 14);
		for &p in &providers {
			assert_eq!((provider(p).used.bytes, live_assignments(p)), (0, 0));
		}
	});
}

#[test]
fn at_most_max_deals_per_block_run_and_the_rest_carry_over() {
	ExtBuilder::default().max_deals_per_block(2).build_and_execute(|| {
		let files: Vec<StoredFile> = (0..5).map(test_file).collect();
		let ids: Vec<DealId> =
			files.iter().map(|file| create(OWNER, file, PERIODS, PRICE)).collect();
		assert!(ids.iter().all(|id| deal(*id).due == 3));
		let selecting =
			|| ids.iter().filter(|id| deal(**id).status == DealStatus::Selecting).count();
		let assigned_in = |events: Vec<Event<Test>>| {
			events
				.into_iter()
				.filter_map(|event| match event {
					Event::ShardsAssigned { deal, until, .. } => Some((deal, until)),
					_ => None,
				})
				.collect::<Vec<_>>()
		};
		let selection = <Test as Config>::WeightInfo::select_providers(6).saturating_add(
			<Providers as ProviderRegistry<AccountId, Balance>>::select_weight(6).saturating_mul(2),
		);
		let base = <Test as Config>::WeightInfo::on_initialize_base();

		System::reset_events();
		assert_eq!(run_block(3), base.saturating_add(selection.saturating_mul(2)));
		let first = assigned_in(take_events());
		assert_eq!(first.len(), 2);
		assert!(first.iter().all(|(_, until)| *until == 8));
		assert_eq!(selecting(), 3);
		assert_eq!(Due::<Test>::iter_prefix(3).count(), 3);
		assert_eq!(DueCursor::<Test>::get(), 3);

		assert_eq!(run_block(4), base.saturating_add(selection.saturating_mul(2)));
		let second = assigned_in(take_events());
		assert_eq!(second.len(), 2);
		assert!(second.iter().all(|(_, until)| *until == 9));
		assert_eq!(selecting(), 1);

		assert_eq!(run_block(5), base.saturating_add(selection));
		let third = assigned_in(take_events());
		assert_eq!(third.len(), 1);
		assert_eq!(third[0].1, 10);
		assert_eq!(selecting(), 0);
		assert_eq!(DueCursor::<Test>::get(), 6);
		let mut all: Vec<DealId> =
			first.iter().chain(&second).chain(&third).map(|(id, _)| *id).collect();
		all.sort();
		assert_eq!(all, ids);

		// Activated together at block 5, the five deals' periods all end at block 15, and
		// those ends are spread over blocks 15, 16 and 17 in the same way.
		for id in &ids {
			confirm_pending(*id);
			assert_eq!(deal(*id).due, 15);
		}
		let deadline = Storage::deadline_weight(6);
		assert_eq!(run_block(15), base.saturating_add(deadline.saturating_mul(2)));
		assert_eq!(ids.iter().filter(|id| deal(**id).period == 1).count(), 2);
		assert_eq!(run_block(16), base.saturating_add(deadline.saturating_mul(2)));
		assert_eq!(ids.iter().filter(|id| deal(**id).period == 1).count(), 4);
		assert_eq!(run_block(17), base.saturating_add(deadline));
		// Each new period starts at the block its deal actually ran.
		let mut starts: Vec<(u64, u64)> =
			ids.iter().map(|id| (deal(*id).period_start, deal(*id).due)).collect();
		starts.sort();
		assert_eq!(starts, vec![(15, 25), (15, 25), (16, 26), (16, 26), (17, 27)]);
		// A block with nothing due costs the base weight only.
		assert_eq!(run_block(18), base);
	});
}

#[test]
fn honest_deadlines_are_charged_less_so_more_of_them_fit_in_the_weight_limit() {
	ExtBuilder::default().build_and_execute(|| {
		let files: Vec<StoredFile> = (0..3).map(test_file).collect();
		let ids: Vec<DealId> =
			files.iter().map(|file| create(OWNER, file, PERIODS, PRICE)).collect();
		run_to_block(3);
		ids.iter().for_each(|id| confirm_pending(*id));
		let due = deal(ids[0]).due;
		assert!(ids
			.iter()
			.all(|id| deal(*id).due == due && deal(*id).status == DealStatus::Active));
		let base = <Test as Config>::WeightInfo::on_initialize_base();
		let honest = Storage::honest_deadline_weight();
		let worst = Storage::deadline_weight(SHARDS);
		assert!(honest.saturating_mul(3).all_lt(worst), "the test needs a cheap honest step");
		// Room for the base, one worst case and two honest steps.
		MaxScheduleWeight::set(base.saturating_add(worst).saturating_add(honest.saturating_mul(2)));

		// Every shard proven: after each honest step the worst case of the next still fits,
		// so all three run in one block, each charged as honest.
		for (id, file) in ids.iter().zip(&files) {
			prove(*id, file, 0..SHARDS as u8);
		}
		assert_eq!(run_block(due), base.saturating_add(honest.saturating_mul(3)));
		assert!(ids.iter().all(|id| deal(*id).period == 1 && deal(*id).due == due + PERIOD));
		assert_eq!(DueCursor::<Test>::get(), due + 1);

		// Nothing proven: each step is charged its worst case, after which the next one's does
		// not fit; it stays due (its read charged) and runs in the next block.
		let read =
			<<Test as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get().reads(1);
		let next = due + PERIOD;
		for (offset, ran) in [(0, 1), (1, 2)] {
			assert_eq!(run_block(next + offset), base.saturating_add(worst).saturating_add(read));
			assert_eq!(ids.iter().filter(|id| deal(**id).period == 2).count(), ran);
			assert_eq!(DueCursor::<Test>::get(), next);
		}
		assert_eq!(run_block(next + 2), base.saturating_add(worst));
		assert!(ids.iter().all(|id| deal(*id).period == 2));
		assert_eq!(run_block(next + 3), base);
		assert_eq!(DueCursor::<Test>::get(), next + 4);
	});
}

/// A deal's deadline at block 13 with `3 × per_block` more deals live (made three at a time
/// at blocks 4, 5, 7, 8, 9 and 10, and left uploading, part-confirmed or active),
/// none of them due then: the hook's weight, whether it read the due deal, and how many of
/// the other deals it read.
fn deadline_reads(per_block: u64) -> (Weight, bool, usize) {
	let mut ext = ExtBuilder::default().providers(12).build();
	let (due_deal, other_deals) = ext.execute_with(|| {
		let file = test_file(1);
		let (id, _) = active_deal(OWNER, &file, PERIODS, PRICE);
		assert_eq!(deal(id).due, 13);
		let mut others: Vec<(DealId, u64)> = Vec::new();
		for block in 4..=12u64 {
			run_to_block(block);
			if [4, 5, 7, 8, 9, 10].contains(&block) {
				for kind in 0..per_block {
					others
						.push((create(OTHER, &test_file(2 + kind % 3), PERIODS, PRICE), kind % 3));
				}
			}
			// Kind 1 is activated as soon as it has providers; kind 2 has one shard confirmed.
			for (other, kind) in &others {
				let status = deal(*other).status;
				if *kind == 1 && status == (DealStatus::Uploading { round: 0 }) {
					confirm_pending(*other);
				}
				if *kind == 2 && matches!(deal(*other).shards[0].state, ShardState::Pending { .. })
				{
					assert_ok!(confirm(deal(*other).shards[0].provider.unwrap(), &[(*other, 0)]));
				}
			}
		}
		assert!(others.iter().all(|(other, _)| deal(*other).due != 13));
		if per_block > 0 {
			assert!(others.iter().any(|(other, _)| deal(*other).status == DealStatus::Active));
			assert!(others.iter().any(|(other, _)| deal(*other).status != DealStatus::Active));
		}
		(
			deal(id).encode(),
			others.iter().map(|(other, _)| deal(*other).encode()).collect::<Vec<_>>(),
		)
	});
	ext.commit_all().unwrap();
	let (weight, proof) = ext.execute_and_prove(|| {
		System::set_block_number(13);
		Storage::on_initialize(13)
	});
	ext.execute_with(|| {
		assert_eq!(deal(0).period, 1);
		Storage::do_try_state().unwrap();
		Providers::do_try_state().unwrap();
	});
	// Every value read from the state is in the proof (values this long are trie nodes of
	// their own), so the deals read are exactly those whose encoding is in it.
	let nodes: Vec<&Vec<u8>> = proof.iter_nodes().collect();
	let read = |value: &Vec<u8>| nodes.contains(&value);
	(weight, read(&due_deal), other_deals.iter().filter(|other| read(other)).count())
}

#[test]
fn a_deadline_costs_the_same_whatever_the_number_of_other_deals() {
	let (alone, read_alone, _) = deadline_reads(0);
	let (crowded, read_crowded, others_read) = deadline_reads(3);
	let expected = <Test as Config>::WeightInfo::on_initialize_base()
		.saturating_add(Storage::deadline_weight(6));
	assert_eq!(alone, expected);
	assert_eq!(crowded, expected);
	assert!(read_alone && read_crowded);
	assert_eq!(others_read, 0);
}

/// The repair bounty is paid at the repairer's first accepted proof, not at its confirmation:
/// a repairer that confirms and never proves earns nothing, and the reserve pays the one that
/// proves. On the old code the bounty was paid at confirmation, so the first repairer's
/// balance assert (and the reserve's) fails there.
#[test]
fn the_repair_bounty_is_paid_at_the_first_proof_and_not_to_a_repairer_that_never_proves() {
	ExtBuilder::default().providers(10).build_and_execute(|| {
		let file = test_file(1);
		let (id, _) = active_deal(OWNER, &file, 8, PRICE);
		prove(id, &file, 1..6);
		run_to_block(13);
		prove(id, &file, 1..6);
		run_to_block(23);
		let idle = deal(id).shards[0].provider.unwrap();
		let idle_free = free(idle);
		run_to_block(24);
		assert_ok!(confirm(idle, &[(id, 0)]));
		assert_eq!(free(idle), idle_free);
		assert_eq!(deal(id).repair_reserve, 2 * BOUNTY);
		// It never proves: periods 3 and 4 missed, the shard lost again and repaired anew.
		for deadline in [33, 43, 53] {
			prove(id, &file, 1..6);
			run_to_block(deadline);
		}
		assert_eq!(free(idle), idle_free);
		assert!(staked(idle) < STAKE);
		let prover = deal(id).shards[0].provider.unwrap();
		assert_ne!(prover, idle);
		run_to_block(54);
		assert_ok!(confirm(prover, &[(id, 0)]));
		prove(id, &file, 1..6);
		run_to_block(63);
		let prover_free = free(prover);
		prove(id, &file, [0]);
		assert_eq!(
			last_event(),
			Event::ShardRepaired { deal: id, shard: 0, provider: prover, bounty: BOUNTY }
		);
		assert_eq!(free(prover), prover_free + PRICE + BOUNTY);
		assert_eq!(deal(id).repair_reserve, BOUNTY);
		// Only the first proof pays it.
		prove(id, &file, 1..6);
		run_to_block(73);
		prove(id, &file, [0]);
		assert!(matches!(last_event(), Event::ShardProven { .. }));
		assert_eq!(deal(id).repair_reserve, BOUNTY);
	});
}
