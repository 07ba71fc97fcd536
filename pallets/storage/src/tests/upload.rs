//! Selection, upload and activation: providers drawn at the selection block, shards
//! confirmed, unconfirmed shards reassigned at the end of each upload window, deals failed
//! after `MaxUploadRounds` windows or when too few providers can be drawn.

use super::*;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, dispatch::Pays},
	sp_runtime::DispatchError,
};

/// The storage providers of the mock (accounts `1..=count`) that are not in `deal`.
fn outside(count: u64, deal: &[AccountId]) -> Vec<AccountId> {
	(1..=count).filter(|who| !deal.contains(who)).collect()
}

#[test]
fn selection_draws_distinct_providers_at_the_selection_block() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		run_to_block(2);
		assert_eq!(deal(id).status, DealStatus::Selecting);
		assert_eq!(shard_providers(id), vec![None; 6]);

		System::reset_events();
		run_to_block(3);
		let providers = providers_of(id);
		let mut distinct = providers.clone();
		distinct.sort();
		distinct.dedup();
		assert_eq!(distinct.len(), 6);
		assert!(providers.iter().all(|who| (1..=8).contains(who)));
		assert_eq!(
			take_events(),
			vec![Event::ShardsAssigned { deal: id, providers: providers.clone(), until: 8 }]
		);

		let deal = deal(id);
		assert_eq!(deal.status, DealStatus::Uploading { round: 0 });
		assert_eq!(deal.due, 8);
		assert_eq!(Due::<Test>::iter().collect::<Vec<_>>(), vec![(8, id, ())]);
		for (number, shard) in deal.shards.iter().enumerate() {
			assert_eq!(shard.state, ShardState::Pending { until: 8, repair: false });
			assert!(ProviderShards::<Test>::contains_key(providers[number], (id, number as u8)));
		}
		for who in 1..=8 {
			let expected = if providers.contains(&who) { (SHARD_SIZE, 1) } else { (0, 0) };
			assert_eq!((provider(who).used.bytes, live_assignments(who)), expected);
		}
		// Nothing is paid during the upload.
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW + STANDARD_DEPOSIT);
	});
}

/// The last confirmation activates the deal and returns its upload deposit. On the old code
/// there was no deposit: the `UploadDepositReturned` event is missing there.
#[test]
fn the_last_confirmation_activates_the_deal() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		run_to_block(4);
		System::reset_events();
		for number in 0..5u8 {
			let post = confirm(providers[usize::from(number)], &[(id, number)]).unwrap();
			assert_eq!(post.pays_fee, Pays::No);
			assert_eq!(
				deal(id).shards[usize::from(number)].state,
				ShardState::Stored { from_period: 0, proven: None }
			);
		}
		assert_eq!(deal(id).status, DealStatus::Uploading { round: 0 });
		assert_eq!(
			take_events(),
			(0..5u8)
				.map(|shard| Event::ShardConfirmed {
					deal: id,
					shard,
					provider: providers[usize::from(shard)]
				})
				.collect::<Vec<_>>()
		);

		run_to_block(6);
		assert_ok!(confirm(providers[5], &[(id, 5)]));
		assert_eq!(
			take_events(),
			vec![
				Event::ShardConfirmed { deal: id, shard: 5, provider: providers[5] },
				Event::UploadDepositReturned { deal: id, amount: STANDARD_DEPOSIT },
				Event::DealActivated { deal: id, deadline: 6 + PERIOD },
			]
		);
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW);
		assert_eq!(free(OWNER), ENDOWMENT - STANDARD_ESCROW);
		assert!(!UploadDeposits::<Test>::contains_key(id));
		let deal = deal(id);
		assert_eq!(deal.status, DealStatus::Active);
		assert_eq!((deal.period, deal.period_start, deal.due), (0, 6, 16));
		// The period's seed is drawn from the randomness of the activation block.
		assert_eq!(deal.seed, expected_seed(b"xmbl/storage/period", id, 0, 6));
		assert_ne!(deal.seed, [0; 32]);
		assert_eq!(Due::<Test>::iter().collect::<Vec<_>>(), vec![(16, id, ())]);
		// The upload window's end no longer does anything.
		run_to_block(8);
		assert_eq!(take_events(), vec![]);
	});
}

#[test]
fn a_provider_confirms_shards_of_several_deals_at_once() {
	ExtBuilder::default().build_and_execute(|| {
		let first = create(OWNER, &test_file(1), PERIODS, PRICE);
		let second = create(OTHER, &test_file(2), PERIODS, PRICE);
		run_to_block(3);
		let (a, b) = (providers_of(first), providers_of(second));
		// Six of eight providers each: at least four are in both deals.
		let common = *a.iter().find(|who| b.contains(who)).unwrap();
		let in_a = a.iter().position(|who| *who == common).unwrap() as u8;
		let in_b = b.iter().position(|who| *who == common).unwrap() as u8;
		System::reset_events();
		assert_ok!(confirm(common, &[(first, in_a), (second, in_b)]));
		assert_eq!(
			take_events(),
			vec![
				Event::ShardConfirmed { deal: first, shard: in_a, provider: common },
				Event::ShardConfirmed { deal: second, shard: in_b, provider: common },
			]
		);
		assert!(matches!(deal(first).shards[usize::from(in_a)].state, ShardState::Stored { .. }));
		assert!(matches!(deal(second).shards[usize::from(in_b)].state, ShardState::Stored { .. }));
	});
}

#[test]
fn confirm_shards_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		// Before selection no shard is anyone's.
		assert_noop!(confirm(1, &[(id, 0)]), Error::<Test>::NotAssigned);
		let providers = run_selection(id);
		let stranger = outside(8, &providers)[0];

		assert_noop!(confirm(providers[0], &[]), Error::<Test>::EmptyBatch);
		assert_noop!(confirm(providers[0], &[(id, 0), (id, 0)]), Error::<Test>::DuplicateInBatch);
		assert_noop!(confirm(providers[0], &[(id + 1, 0)]), Error::<Test>::UnknownDeal);
		assert_noop!(confirm(providers[0], &[(id, 6)]), Error::<Test>::UnknownShard);
		assert_noop!(confirm(providers[1], &[(id, 0)]), Error::<Test>::NotAssigned);
		assert_noop!(confirm(stranger, &[(id, 0)]), Error::<Test>::NotAssigned);
		assert_noop!(confirm(OWNER, &[(id, 0)]), Error::<Test>::NotAssigned);
		assert_noop!(
			Storage::confirm_shards(RuntimeOrigin::none(), vec![(id, 0)].try_into().unwrap()),
			DispatchError::BadOrigin
		);
		// A batch whose every shard is refused fails with the first one's error.
		assert_noop!(confirm(providers[0], &[(id, 1), (id, 2)]), Error::<Test>::NotAssigned);
		// A shard of the batch that is not the provider's is skipped; its own is confirmed,
		// and the call is free.
		System::reset_events();
		let confirmed = confirm(providers[0], &[(id, 1), (id, 0)]).expect("shard 0 is confirmed");
		assert_eq!(confirmed.pays_fee, Pays::No);
		assert_eq!(
			take_events(),
			vec![
				Event::ConfirmationSkipped {
					deal: id,
					shard: 1,
					provider: providers[0],
					error: Error::<Test>::NotAssigned.into(),
				},
				Event::ShardConfirmed { deal: id, shard: 0, provider: providers[0] },
			]
		);
		assert!(matches!(deal(id).shards[1].state, ShardState::Pending { .. }));
		assert_noop!(confirm(providers[0], &[(id, 0)]), Error::<Test>::NotPending);

		// A failed confirmation pays its fee.
		let error = confirm(providers[0], &[(id, 0)]).unwrap_err();
		assert_eq!(error.error, Error::<Test>::NotPending.into());
		assert_eq!(error.post_info.pays_fee, Pays::Yes);
	});
}

#[test]
fn unconfirmed_shards_go_to_other_providers_when_the_window_ends() {
	ExtBuilder::default().providers(12).build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		for number in 0..4u8 {
			assert_ok!(confirm(providers[usize::from(number)], &[(id, number)]));
		}
		run_to_block(7);
		assert_eq!(deal(id).status, DealStatus::Uploading { round: 0 });

		System::reset_events();
		run_to_block(8);
		let deal_now = deal(id);
		let (new4, new5) =
			(deal_now.shards[4].provider.unwrap(), deal_now.shards[5].provider.unwrap());
		assert_eq!(
			take_events(),
			vec![
				Event::ShardReassigned {
					deal: id,
					shard: 4,
					from: Some(providers[4]),
					to: Some(new4),
					repair: false
				},
				Event::ShardReassigned {
					deal: id,
					shard: 5,
					from: Some(providers[5]),
					to: Some(new5),
					repair: false
				},
			]
		);
		// Providers that held no shard of the deal took them: neither the one that failed the
		// other shard.
		assert!(outside(12, &providers).contains(&new4) && outside(12, &providers).contains(&new5));
		assert_ne!(new4, new5);
		assert_eq!(deal_now.status, DealStatus::Uploading { round: 1 });
		assert_eq!(deal_now.due, 13);
		assert_eq!(deal_now.shards[4].state, ShardState::Pending { until: 13, repair: false });
		for old in [providers[4], providers[5]] {
			assert_eq!((provider(old).used.bytes, live_assignments(old)), (0, 0));
			assert_eq!(ProviderShards::<Test>::iter_prefix(old).count(), 0);
		}
		for fresh in [new4, new5] {
			assert_eq!((provider(fresh).used.bytes, live_assignments(fresh)), (SHARD_SIZE, 1));
		}
		// Confirmed shards stay where they are.
		assert_eq!(deal_now.shards[0].provider, Some(providers[0]));
		assert_eq!(deal_now.shards[0].state, ShardState::Stored { from_period: 0, proven: None });

		assert_noop!(confirm(providers[4], &[(id, 4)]), Error::<Test>::NotAssigned);
		run_to_block(9);
		assert_ok!(confirm(new4, &[(id, 4)]));
		assert_ok!(confirm(new5, &[(id, 5)]));
		assert_eq!(last_event(), Event::DealActivated { deal: id, deadline: 9 + PERIOD });
		assert_eq!(escrowed(OWNER), STANDARD_ESCROW);
	});
}

/// A deal whose upload never completes fails after `MaxUploadRounds` windows: its price is
/// refunded, but its upload deposit is not: the five providers that took their shard are
/// paid one shard's part each, the part of the shard never confirmed goes to the treasury.
/// On the old code the owner got everything back (`free(OWNER) == ENDOWMENT`) and the
/// providers nothing for the capacity they held and the shards they took, so the event and
/// balance asserts fail there.
#[test]
fn a_deal_fails_after_max_upload_rounds_and_is_refunded() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		for number in 1..6u8 {
			assert_ok!(confirm(providers[usize::from(number)], &[(id, number)]));
		}
		// Shard 0 is never confirmed: windows end at 8 and 13 (rounds 1 and 2) ...
		System::reset_events();
		run_to_block(13);
		let reassigned = take_events()
			.into_iter()
			.filter(|event| matches!(event, Event::ShardReassigned { shard: 0, repair: false, .. }))
			.count();
		assert_eq!(reassigned, 2);
		run_to_block(17);
		assert_eq!(deal(id).status, DealStatus::Uploading { round: 2 });
		assert_eq!(deal(id).due, 18);

		// ... and the third window's end (MaxUploadRounds = 3) fails the deal.
		run_to_block(18);
		assert_eq!(
			take_events(),
			vec![
				Event::UploadDepositForfeited {
					deal: id,
					to_providers: 5 * UPLOAD_DEPOSIT,
					to_treasury: UPLOAD_DEPOSIT
				},
				Event::DealFailed {
					deal: id,
					reason: DealFailure::UploadIncomplete,
					refund: STANDARD_ESCROW
				}
			]
		);
		for &p in &providers[1..] {
			assert_eq!(free(p), ENDOWMENT - STAKE + UPLOAD_DEPOSIT);
		}
		assert_eq!(free(TREASURY), ED + UPLOAD_DEPOSIT);
		assert!(!Deals::<Test>::contains_key(id));
		assert!(!Manifests::<Test>::contains_key(id));
		assert_eq!(Storage::deals_of(&OWNER), Vec::<DealId>::new());
		assert_eq!(Due::<Test>::iter().count(), 0);
		assert_eq!(ProviderShards::<Test>::iter().count(), 0);
		assert_eq!(escrowed(OWNER), 0);
		assert_eq!(free(OWNER), ENDOWMENT - STANDARD_DEPOSIT);
		for who in 1..=8 {
			assert_eq!((provider(who).used.bytes, live_assignments(who)), (0, 0));
		}
	});
}

#[test]
fn too_few_providers_at_selection_fail_the_deal_with_a_refund() {
	ExtBuilder::default().providers(6).build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		// Enough providers when the deal was made; one leaves before the selection.
		run_to_block(2);
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(6)));
		System::reset_events();
		run_to_block(3);
		assert_eq!(
			take_events(),
			vec![Event::DealFailed {
				deal: id,
				reason: DealFailure::NotEnoughProviders,
				refund: STANDARD_ESCROW + STANDARD_DEPOSIT
			}]
		);
		assert!(!Deals::<Test>::contains_key(id));
		assert_eq!(Due::<Test>::iter().count(), 0);
		assert_eq!(escrowed(OWNER), 0);
		assert_eq!(free(OWNER), ENDOWMENT);
		for who in 1..=6 {
			assert_eq!((provider(who).used.bytes, live_assignments(who)), (0, 0));
		}
	});
}

#[test]
fn providers_drawn_without_room_are_released_when_the_selection_fails() {
	ExtBuilder::default().providers(6).build_and_execute(|| {
		let file = test_file(1);
		// Provider 6 has room for less than a shard: it stays selectable but cannot take one.
		assert_ok!(Providers::update(RuntimeOrigin::signed(6), Some(1_000), None, None, None));
		let id = create(OWNER, &file, PERIODS, PRICE);
		System::reset_events();
		run_to_block(3);
		assert_eq!(
			take_events(),
			vec![Event::DealFailed {
				deal: id,
				reason: DealFailure::NotEnoughProviders,
				refund: STANDARD_ESCROW + STANDARD_DEPOSIT
			}]
		);
		// The five providers that took a shard's capacity have it back.
		for who in 1..=6 {
			assert_eq!((provider(who).used.bytes, live_assignments(who)), (0, 0));
		}
		assert_eq!(free(OWNER), ENDOWMENT);
	});
}

/// A deal never uploaded holds the providers' capacity for `MaxUploadRounds` windows and then
/// fails; its upload deposit goes to the treasury, since no provider took a shard. On the old
/// code the owner got all of it back, so such a deal cost nothing: the owner and treasury
/// balance asserts fail there.
#[test]
fn a_deal_never_uploaded_forfeits_its_upload_deposit() {
	ExtBuilder::default().providers(12).build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		System::reset_events();
		run_to_block(18);
		let events = take_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::UploadDepositForfeited {
					deal: id,
					to_providers: 0,
					to_treasury: STANDARD_DEPOSIT
				},
				Event::DealFailed {
					deal: id,
					reason: DealFailure::UploadIncomplete,
					refund: STANDARD_ESCROW
				},
			]
		);
		assert_eq!(free(OWNER), ENDOWMENT - STANDARD_DEPOSIT);
		assert_eq!(free(TREASURY), ED + STANDARD_DEPOSIT);
		assert!(!UploadDeposits::<Test>::contains_key(id));
	});
}

/// Selection draws only providers whose minimum price the deal pays; a deal that too few of
/// them would take fails at selection with everything refunded. On the old code providers
/// had no minimum price: the providers asking more than 7 were drawn, so the first deal's
/// assert that none of them holds a shard fails there, and the second deal was not refused.
#[test]
fn selection_skips_providers_asking_more_than_the_deal_pays() {
	ExtBuilder::default().providers(6).build_and_execute(|| {
		// Three providers more, asking 8 per shard and period: six take a deal at 7, nine one
		// at 8.
		for who in 7..=9 {
			assert_ok!(Providers::register(
				RuntimeOrigin::signed(who),
				ProviderRoles::Storage,
				STAKE,
				Capacity { bytes: 10 << 20, compute_slots: 0 },
				b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
				PRICE + 1,
			));
		}
		for seed in 0..4 {
			let id = create(OWNER, &test_file(seed), PERIODS, PRICE);
			set_salt(seed);
			let mut chosen = run_selection(id);
			chosen.sort();
			assert_eq!(chosen, vec![1, 2, 3, 4, 5, 6]);
		}
		// Provider 1 asks 8 now: five providers take a deal at 7, too few for six shards.
		assert_ok!(Providers::update(RuntimeOrigin::signed(1), None, None, None, Some(PRICE + 1)));
		let refused = create(OTHER, &test_file(9), PERIODS, PRICE);
		System::reset_events();
		run_to_block(deal(refused).due);
		let failed: Vec<_> = take_events()
			.into_iter()
			.filter(|event| matches!(event, Event::DealFailed { .. }))
			.collect();
		assert_eq!(
			failed,
			vec![Event::DealFailed {
				deal: refused,
				reason: DealFailure::NotEnoughProviders,
				refund: STANDARD_ESCROW + STANDARD_DEPOSIT
			}]
		);
		// At 8 every provider with room takes one.
		let dear = create(OTHER, &test_file(10), PERIODS, PRICE + 1);
		assert_eq!(run_selection(dear).len(), 6);
	});
}
