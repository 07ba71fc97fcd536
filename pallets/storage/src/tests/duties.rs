//! `provider_duties`, what a provider's node reads to know what to do: receive a shard,
//! prove it (which leaves, until when) or keep it, through a deal's life.

use super::*;
use polkadot_sdk::frame_support::assert_ok;

fn duties(who: AccountId) -> Vec<ShardDuty<u64>> {
	Storage::provider_duties(&who)
}

#[test]
fn duties_follow_a_deal_through_its_life() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, 4, PRICE);
		let duty = |shard: u8, task: ShardTask<u64>| ShardDuty {
			deal: id,
			shard,
			root: file.manifest.shards[usize::from(shard)].root,
			size: SHARD_SIZE,
			task,
		};
		// Selecting: nobody has anything to do yet.
		assert!((1..=8).all(|who| duties(who).is_empty()));

		// Selected at block 3: receive the shard before the upload window ends.
		let providers = run_selection(id);
		for (number, &p) in providers.iter().enumerate() {
			assert_eq!(
				duties(p),
				vec![duty(number as u8, ShardTask::Receive { repair: false, until: 8 })]
			);
		}
		assert!((1..=8).filter(|who| !providers.contains(who)).all(|who| duties(who).is_empty()));

		// Confirmed while others are still uploading: keep it; nothing is due before the deal's
		// next scheduled step, the end of the upload window.
		assert_ok!(confirm(providers[0], &[(id, 0)]));
		assert_eq!(duties(providers[0]), vec![duty(0, ShardTask::Keep { until: 8 })]);

		// Active from block 4: prove the period's challenged leaves before block 14.
		run_to_block(4);
		confirm_pending(id);
		let seed = deal(id).seed;
		let leaves_0 = Storage::challenge(&seed, 0, SHARD_SIZE);
		assert_eq!(
			duties(providers[0]),
			vec![duty(0, ShardTask::Prove { period: 0, leaves: leaves_0.clone(), deadline: 14 })]
		);
		assert_eq!(
			duties(providers[2]),
			vec![duty(
				2,
				ShardTask::Prove {
					period: 0,
					leaves: Storage::challenge(&seed, 2, SHARD_SIZE),
					deadline: 14
				}
			)]
		);
		// The leaves reported are the ones a proof must carry.
		assert_ok!(submit(providers[0], vec![proof_of(id, 0, 0, &file.shards[0], &leaves_0)]));
		assert_eq!(duties(providers[0]), vec![duty(0, ShardTask::Keep { until: 14 })]);
		// Everyone but shard 1's provider proves period 0.
		prove(id, &file, 2..6);

		// Period 1: new leaves, a new deadline.
		run_to_block(14);
		let seed = deal(id).seed;
		assert_eq!(
			duties(providers[0]),
			vec![duty(
				0,
				ShardTask::Prove {
					period: 1,
					leaves: Storage::challenge(&seed, 0, SHARD_SIZE),
					deadline: 24
				}
			)]
		);
		prove(id, &file, [0, 2, 3, 4, 5]);

		// Shard 1 missed twice is lost at block 24: its provider has nothing left to do, and
		// the repairer rebuilds it.
		run_to_block(24);
		let repairer = deal(id).shards[1].provider.unwrap();
		assert!(duties(providers[1]).is_empty());
		assert_eq!(duties(repairer), vec![duty(1, ShardTask::Receive { repair: true, until: 29 })]);
		run_to_block(25);
		assert_ok!(confirm(repairer, &[(id, 1)]));
		// Confirmed during period 2: it proves from period 3, which starts at block 34.
		assert_eq!(duties(repairer), vec![duty(1, ShardTask::Keep { until: 34 })]);
		prove(id, &file, [0, 2, 3, 4, 5]);
		run_to_block(34);
		let seed = deal(id).seed;
		assert_eq!(
			duties(repairer),
			vec![duty(
				1,
				ShardTask::Prove {
					period: 3,
					leaves: Storage::challenge(&seed, 1, SHARD_SIZE),
					deadline: 44
				}
			)]
		);

		// The deal's last period ends at block 44: nothing is left for anyone.
		run_to_block(44);
		assert!(!Deals::<Test>::contains_key(id));
		assert!((1..=8).all(|who| duties(who).is_empty()));
	});
}

#[test]
fn duties_list_every_shard_in_deal_and_shard_order() {
	ExtBuilder::default().build_and_execute(|| {
		let first = create(OWNER, &test_file(1), PERIODS, PRICE);
		let second = create(OTHER, &test_file(2), PERIODS, PRICE);
		run_to_block(3);
		let (a, b) = (providers_of(first), providers_of(second));
		for who in 1..=8u64 {
			let expected: Vec<(DealId, u8)> = [(first, &a), (second, &b)]
				.into_iter()
				.filter_map(|(id, providers)| {
					providers.iter().position(|p| *p == who).map(|shard| (id, shard as u8))
				})
				.collect();
			let listed: Vec<(DealId, u8)> =
				duties(who).iter().map(|duty| (duty.deal, duty.shard)).collect();
			assert_eq!(listed, expected, "provider {who}");
		}
		// A cancelled deal's shards leave the lists.
		assert_ok!(Storage::cancel(RuntimeOrigin::signed(OWNER), first));
		for who in 1..=8u64 {
			assert!(duties(who).iter().all(|duty| duty.deal == second));
		}
	});
}
