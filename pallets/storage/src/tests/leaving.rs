//! Providers handing shards back (`leave_shards`) and leaving the market
//! (`Providers::announce_exit`, then `unbond` once their shards have moved).

use super::*;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::{DispatchError, DispatchResult},
};

fn leave(provider: AccountId, shards: &[(DealId, u8)]) -> DispatchResult {
	Storage::leave_shards(RuntimeOrigin::signed(provider), shards.to_vec().try_into().unwrap())
}

/// A provider with a shard announces its exit and hands the shard back: it proves the current
/// period and is paid for it, its shard moves to a new provider at the period end as a
/// repair, without a slash, and it unbonds and withdraws its whole stake. On the old code a
/// provider with a live shard could not leave at all (`unbond` refused it with
/// `HasLiveAssignments` until the deal ended) and kept being drawn for new deals.
#[test]
fn an_exiting_provider_hands_its_shard_back_and_unbonds() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		let leaver = providers[2];
		assert_noop!(
			Providers::unbond(RuntimeOrigin::signed(leaver)),
			pallet_xmbl_providers::Error::<Test>::HasLiveAssignments
		);
		assert_ok!(Providers::announce_exit(RuntimeOrigin::signed(leaver)));
		assert!(!provider(leaver).active);
		assert_ok!(leave(leaver, &[(id, 2)]));
		assert_eq!(
			last_event(),
			Event::ShardLeaving { deal: id, shard: 2, provider: leaver, at: 13 }
		);
		assert_eq!(LeavingShards::<Test>::get(id), 1 << 2);
		// Still its shard this period: it proves and is paid.
		let leaver_free = free(leaver);
		prove(id, &file, 0..6);
		assert_eq!(free(leaver), leaver_free + PRICE);

		System::reset_events();
		run_to_block(13);
		let successor = deal(id).shards[2].provider.unwrap();
		assert_eq!(
			take_events(),
			vec![Event::ShardReassigned {
				deal: id,
				shard: 2,
				from: Some(leaver),
				to: Some(successor),
				repair: true
			}]
		);
		assert!(!providers.contains(&successor));
		assert_eq!(deal(id).shards[2].state, ShardState::Pending { until: 18, repair: true });
		assert_eq!(LeavingShards::<Test>::get(id), 0);
		assert_eq!(staked(leaver), STAKE);
		assert_eq!((provider(leaver).used.bytes, live_assignments(leaver)), (0, 0));
		assert_eq!(Storage::provider_duties(&leaver), vec![]);

		assert_ok!(Providers::unbond(RuntimeOrigin::signed(leaver)));
		run_to_block(13 + UNBONDING);
		assert_ok!(Providers::withdraw(RuntimeOrigin::signed(leaver)));
		assert_eq!(free(leaver), leaver_free + PRICE + STAKE);
	});
}

/// A provider that hands a shard back and then does not prove the period is slashed like any
/// other, and the shard moves all the same. On the old code there was no `leave_shards`.
#[test]
fn a_shard_handed_back_but_not_proven_is_still_slashed_and_moves() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		assert_ok!(leave(providers[0], &[(id, 0)]));
		prove(id, &file, 1..6);
		System::reset_events();
		run_to_block(13);
		let successor = deal(id).shards[0].provider.unwrap();
		assert_eq!(
			take_events(),
			vec![
				Event::ProofMissed {
					deal: id,
					shard: 0,
					period: 0,
					provider: providers[0],
					slashed: MISSED_SLASH,
					to_owner: PRICE
				},
				Event::ShardReassigned {
					deal: id,
					shard: 0,
					from: Some(providers[0]),
					to: Some(successor),
					repair: true
				},
			]
		);
		assert_eq!(staked(providers[0]), STAKE - MISSED_SLASH);
		assert_eq!(live_assignments(providers[0]), 0);
	});
}

#[test]
fn leave_shards_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		assert_ok!(confirm(providers[0], &[(id, 0)]));
		// Not while the deal uploads.
		assert_noop!(leave(providers[0], &[(id, 0)]), Error::<Test>::DealNotActive);
		confirm_pending(id);
		assert_noop!(leave(providers[0], &[]), Error::<Test>::EmptyBatch);
		assert_noop!(leave(providers[0], &[(id, 0), (id, 0)]), Error::<Test>::DuplicateInBatch);
		assert_noop!(leave(providers[0], &[(id + 1, 0)]), Error::<Test>::UnknownDeal);
		assert_noop!(leave(providers[0], &[(id, 6)]), Error::<Test>::UnknownShard);
		assert_noop!(leave(providers[0], &[(id, 1)]), Error::<Test>::NotAssigned);
		assert_noop!(
			Storage::leave_shards(RuntimeOrigin::none(), vec![(id, 0)].try_into().unwrap()),
			DispatchError::BadOrigin
		);
		// A shard of the batch that is not the provider's is skipped; its own is leaving.
		System::reset_events();
		assert_ok!(leave(providers[0], &[(id, 1), (id, 0)]));
		assert_eq!(
			take_events(),
			vec![
				Event::LeaveSkipped {
					deal: id,
					shard: 1,
					provider: providers[0],
					error: Error::<Test>::NotAssigned.into(),
				},
				Event::ShardLeaving { deal: id, shard: 0, provider: providers[0], at: 13 },
			]
		);
		assert_noop!(leave(providers[0], &[(id, 0)]), Error::<Test>::AlreadyLeaving);
		// A shard pending its repair cannot be handed back: it is not stored yet.
		prove(id, &file, 1..6);
		run_to_block(13);
		let successor = deal(id).shards[0].provider.unwrap();
		assert_noop!(leave(successor, &[(id, 0)]), Error::<Test>::NotStored);
	});
}
