//! Deals: creation, renewal and cancellation, and every error they return.

use super::*;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::{ArithmeticError, DispatchError, DispatchResult},
};

fn create_deal(
	owner: AccountId,
	manifest: Manifest,
	periods: u32,
	price: Balance,
) -> DispatchResult {
	Storage::create_deal(RuntimeOrigin::signed(owner), manifest, periods, price)
}

fn renew(owner: AccountId, id: DealId, periods: u32) -> DispatchResult {
	Storage::renew(RuntimeOrigin::signed(owner), id, periods)
}

fn cancel(owner: AccountId, id: DealId) -> DispatchResult {
	Storage::cancel(RuntimeOrigin::signed(owner), id)
}

/// Nothing of deal `id` is left in storage.
fn assert_gone(id: DealId, owner: AccountId) {
	assert!(!Deals::<Test>::contains_key(id));
	assert!(!Manifests::<Test>::contains_key(id));
	assert!(!DealsByOwner::<Test>::contains_key(owner, id));
	assert!(Due::<Test>::iter().all(|(_, deal, ())| deal != id));
	assert!(ProviderShards::<Test>::iter().all(|(_, (deal, _), ())| deal != id));
}

#[test]
fn create_deal_holds_the_price_the_repair_reserve_and_the_upload_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		assert_ok!(create_deal(OWNER, file.manifest.clone(), PERIODS, PRICE));

		// 7 per shard and period × 6 shards × 3 periods, plus 30 per parity shard, plus the
		// upload deposit of 5 per shard.
		assert_eq!(escrowed(OWNER), 186 + 30);
		assert_eq!(free(OWNER), ENDOWMENT - 216);
		assert_eq!(UploadDeposits::<Test>::get(0), Some(30));
		let expected = Deal::<Test> {
			owner: OWNER,
			file_root: file.manifest.file_root,
			data_shards: K,
			parity_shards: M,
			shard_size: SHARD_SIZE,
			price: PRICE,
			periods: PERIODS,
			period: 0,
			escrow: 186,
			repair_reserve: 60,
			status: DealStatus::Selecting,
			due: 1 + SELECTION_DELAY,
			period_start: 1,
			seed: [0; 32],
			shards: file
				.manifest
				.shards
				.iter()
				.map(|info| Shard::<Test> {
					root: info.root,
					provider: None,
					state: ShardState::Unassigned,
					missed: 0,
				})
				.collect::<Vec<_>>()
				.try_into()
				.unwrap(),
		};
		assert_eq!(deal(0), expected);
		assert_eq!(Manifests::<Test>::get(0), Some(file.manifest.clone()));
		assert_eq!(Storage::deals_of(&OWNER), vec![0]);
		assert_eq!(NextDealId::<Test>::get(), 1);
		assert_eq!(Due::<Test>::iter().collect::<Vec<_>>(), vec![(3, 0, ())]);
		assert_eq!(
			last_event(),
			Event::DealCreated {
				deal: 0,
				owner: OWNER,
				file_root: file.manifest.file_root,
				shards: 6,
				shard_size: SHARD_SIZE,
				periods: PERIODS,
				price: PRICE,
				escrow: 186,
				upload_deposit: 30,
				selection_at: 3,
			}
		);
		assert!(System::events().iter().any(|record| record.event
			== RuntimeEvent::Providers(pallet_xmbl_providers::Event::EscrowHeld {
				client: OWNER,
				amount: 216
			})));
	});
}

#[test]
fn deal_ids_count_up_and_each_owner_lists_its_deals() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		assert_eq!(create(OWNER, &file, PERIODS, PRICE), 0);
		assert_eq!(create(OTHER, &file, 1, 2), 1);
		assert_eq!(create(OWNER, &file, 2, PRICE), 2);
		assert_eq!(Storage::deals_of(&OWNER), vec![0, 2]);
		assert_eq!(Storage::deals_of(&OTHER), vec![1]);
		assert_eq!(escrowed(OWNER), 186 + escrow_for(SHARDS, M, 2, PRICE) + 2 * STANDARD_DEPOSIT);
		// 2 × 6 × 1 + 60, and the upload deposit.
		assert_eq!(escrowed(OTHER), 72 + STANDARD_DEPOSIT);
	});
}

#[test]
fn create_deal_refuses_inconsistent_manifests() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let good = file.manifest.clone();

		let mut altered = good.clone();
		altered.file_root[0] ^= 1;
		assert_noop!(create_deal(OWNER, altered, 1, PRICE), Error::<Test>::InvalidManifest);

		// Each of these is re-rooted, so only the inconsistency itself is refused.
		let rerooted = |change: &dyn Fn(&mut Manifest)| {
			let mut manifest = good.clone();
			change(&mut manifest);
			manifest.file_root = manifest.compute_file_root();
			manifest
		};
		for manifest in [
			rerooted(&|m| m.version = 2),
			rerooted(&|m| {
				m.shards.pop();
			}),
			rerooted(&|m| m.shards[3].size += 1),
			rerooted(&|m| m.segment_size = 0),
			rerooted(&|m| m.plaintext_size += 70_000),
		] {
			assert_noop!(create_deal(OWNER, manifest, 1, PRICE), Error::<Test>::InvalidManifest);
		}
		assert_ok!(create_deal(OWNER, good, 1, PRICE));
	});
}

#[test]
fn create_deal_checks_the_file_and_the_shard_counts() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(create_deal(OWNER, manifest_of(0, 4, 2), 1, PRICE), Error::<Test>::EmptyFile);
		// k above MaxDataShards (8).
		assert_noop!(
			create_deal(OWNER, manifest_of(1_000, 9, 1), 1, PRICE),
			Error::<Test>::TooManyDataShards
		);
		// m of 0 (nothing to repair from) and above MaxParityShards (4).
		assert_noop!(
			create_deal(OWNER, manifest_of(1_000, 4, 0), 1, PRICE),
			Error::<Test>::BadParityShards
		);
		assert_noop!(
			create_deal(OWNER, manifest_of(1_000, 3, 5), 1, PRICE),
			Error::<Test>::BadParityShards
		);
		// 8 + 4 shards is the most, and needs 12 providers.
		assert_noop!(
			create_deal(OWNER, manifest_of(1_000, 8, 4), 1, PRICE),
			Error::<Test>::NotEnoughProviders
		);
		assert_ok!(create_deal(OWNER, manifest_of(1_000, 4, 4), 1, PRICE));
	});
}

#[test]
fn create_deal_refuses_shards_above_max_shard_size() {
	ExtBuilder::default().build_and_execute(|| {
		// 4 MiB in 1 MiB segments over 4 data shards: shards of exactly 1 MiB, the most.
		let largest = manifest_of(4 << 20, 4, 2);
		assert_eq!(largest.shard_size(), 1 << 20);
		let too_large = manifest_of((4 << 20) + 1, 4, 2);
		assert_eq!(too_large.shard_size(), (1 << 20) + 2);
		assert_noop!(create_deal(OWNER, too_large, 1, PRICE), Error::<Test>::ShardTooLarge);
		assert_ok!(create_deal(OWNER, largest, 1, PRICE));
		assert_eq!(deal(0).shard_size, 1 << 20);
	});
}

/// A price below `MinShardPrice` is refused. On the old code only a zero price was, so the
/// deal at `MIN_SHARD_PRICE - 1` (1 planck per shard-period) was made and the assert fails.
#[test]
fn create_deal_checks_periods_and_price() {
	ExtBuilder::default().build_and_execute(|| {
		let manifest = test_file(1).manifest;
		assert_noop!(create_deal(OWNER, manifest.clone(), 0, PRICE), Error::<Test>::BadPeriods);
		assert_noop!(create_deal(OWNER, manifest.clone(), 101, PRICE), Error::<Test>::BadPeriods);
		assert_noop!(create_deal(OWNER, manifest.clone(), 1, 0), Error::<Test>::PriceBelowMinimum);
		assert_noop!(
			create_deal(OWNER, manifest.clone(), 1, MIN_SHARD_PRICE - 1),
			Error::<Test>::PriceBelowMinimum
		);
		// MaxPeriods (100) is allowed: 7 × 6 × 100 + 60, and the upload deposit.
		assert_ok!(create_deal(OWNER, manifest, 100, PRICE));
		assert_eq!(escrowed(OWNER), 4_260 + STANDARD_DEPOSIT);
	});
}

#[test]
fn create_deal_needs_enough_selectable_providers() {
	ExtBuilder::default().providers(5).build_and_execute(|| {
		let file = test_file(1);
		assert_noop!(
			create_deal(OWNER, file.manifest.clone(), 1, PRICE),
			Error::<Test>::NotEnoughProviders
		);
		register_provider(6);
		assert_ok!(create_deal(OWNER, file.manifest, 1, PRICE));
	});
}

#[test]
fn create_deal_holds_only_what_keeps_the_owner_alive() {
	ExtBuilder::default().build_and_execute(|| {
		let manifest = test_file(1).manifest;
		// 166,650 × 6 + 60 + 30 (the upload deposit) = 999,990: all but the existential
		// deposit.
		assert_noop!(
			create_deal(OWNER, manifest.clone(), 1, 166_651),
			pallet_xmbl_providers::Error::<Test>::InsufficientBalance
		);
		// An account without funds.
		assert_noop!(
			create_deal(21, manifest.clone(), 1, PRICE),
			pallet_xmbl_providers::Error::<Test>::InsufficientBalance
		);
		// A price whose total overflows the balance type.
		assert_noop!(
			create_deal(OWNER, manifest.clone(), 1, Balance::MAX / 2),
			DispatchError::Arithmetic(ArithmeticError::Overflow)
		);
		assert_noop!(
			Storage::create_deal(RuntimeOrigin::none(), manifest.clone(), 1, PRICE),
			DispatchError::BadOrigin
		);
		assert_ok!(create_deal(OWNER, manifest, 1, 166_650));
		assert_eq!(free(OWNER), ED);
		assert_eq!(escrowed(OWNER), ENDOWMENT - ED);
	});
}

#[test]
fn deal_ids_do_not_wrap() {
	ExtBuilder::default().build_and_execute(|| {
		let manifest = test_file(1).manifest;
		NextDealId::<Test>::put(DealId::MAX);
		assert_noop!(create_deal(OWNER, manifest.clone(), 1, PRICE), Error::<Test>::Overflow);
		NextDealId::<Test>::put(DealId::MAX - 1);
		assert_ok!(create_deal(OWNER, manifest, 1, PRICE));
		assert_eq!(Storage::deals_of(&OWNER), vec![DealId::MAX - 1]);
	});
}

#[test]
fn renew_buys_more_periods() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		assert_ok!(renew(OWNER, id, 2));
		// 7 × 6 × 2 more.
		assert_eq!(last_event(), Event::DealRenewed { deal: id, added: 2, periods: 5, held: 84 });
		assert_eq!(deal(id).periods, 5);
		assert_eq!(deal(id).escrow, 270);
		assert_eq!(escrowed(OWNER), 270 + STANDARD_DEPOSIT);
		assert_eq!(free(OWNER), ENDOWMENT - 270 - STANDARD_DEPOSIT);
		// The repair reserve is bought once.
		assert_eq!(deal(id).repair_reserve, 60);
		// Up to MaxPeriods in all.
		assert_ok!(renew(OWNER, id, 95));
		assert_eq!(deal(id).periods, 100);
	});
}

#[test]
fn renew_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		assert_noop!(renew(OWNER, 7, 1), Error::<Test>::UnknownDeal);
		assert_noop!(renew(OTHER, id, 1), Error::<Test>::NotOwner);
		assert_noop!(renew(OWNER, id, 0), Error::<Test>::BadPeriods);
		// 3 + 98 is above MaxPeriods.
		assert_noop!(renew(OWNER, id, 98), Error::<Test>::BadPeriods);
		assert_noop!(renew(OWNER, id, u32::MAX), Error::<Test>::BadPeriods);
		assert_noop!(Storage::renew(RuntimeOrigin::none(), id, 1), DispatchError::BadOrigin);

		// 2,000 × 6 × 99 = 1,188,000 is more than the owner has.
		let dear = create(OTHER, &file, 1, 2_000);
		assert_noop!(
			renew(OTHER, dear, 99),
			pallet_xmbl_providers::Error::<Test>::InsufficientBalance
		);
		assert_ok!(renew(OTHER, dear, 10));
	});
}

#[test]
fn cancel_before_selection_refunds_everything() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		// No provider has held capacity for it yet: the upload deposit comes back too.
		assert_ok!(cancel(OWNER, id));
		assert_eq!(
			last_event(),
			Event::DealCancelled { deal: id, refund: STANDARD_ESCROW + STANDARD_DEPOSIT }
		);
		assert_eq!(escrowed(OWNER), 0);
		assert_eq!(free(OWNER), ENDOWMENT);
		assert_gone(id, OWNER);
		assert_eq!(Storage::deals_of(&OWNER), Vec::<DealId>::new());
		// Nothing runs at the block the selection was due.
		System::reset_events();
		run_to_block(3 + UPLOAD_WINDOW);
		assert_eq!(storage_events(), vec![]);
		// Ids are not reused.
		assert_eq!(create(OWNER, &file, PERIODS, PRICE), 1);
	});
}

/// A cancel during the upload pays the provider that took its shard one shard's upload
/// deposit, sends the unconfirmed shards' part to the treasury and refunds the price. On the
/// old code there was no deposit and the cancel refunded everything, so the provider's and
/// the treasury's balance asserts fail there.
#[test]
fn cancel_during_upload_pays_the_delivered_shard_and_releases_the_providers_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let providers = run_selection(id);
		assert_ok!(confirm(providers[0], &[(id, 0)]));
		for &p in &providers {
			assert_eq!(provider(p).used.bytes, SHARD_SIZE);
			assert_eq!(live_assignments(p), 1);
		}
		System::reset_events();
		assert_ok!(cancel(OWNER, id));
		let events = take_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::UploadDepositForfeited {
					deal: id,
					to_providers: UPLOAD_DEPOSIT,
					to_treasury: 5 * UPLOAD_DEPOSIT
				},
				Event::DealCancelled { deal: id, refund: STANDARD_ESCROW },
			]
		);
		assert_eq!(free(OWNER), ENDOWMENT - STANDARD_DEPOSIT);
		assert_eq!(free(providers[0]), ENDOWMENT - STAKE + UPLOAD_DEPOSIT);
		assert_eq!(free(providers[1]), ENDOWMENT - STAKE);
		assert_eq!(free(TREASURY), ED + 5 * UPLOAD_DEPOSIT);
		for &p in &providers {
			assert_eq!(provider(p).used.bytes, 0);
			assert_eq!(live_assignments(p), 0);
		}
		assert_gone(id, OWNER);
		// With nothing assigned any more, a provider may leave.
		assert_ok!(Providers::unbond(RuntimeOrigin::signed(providers[0])));
	});
}

#[test]
fn cancel_of_an_active_deal_refunds_what_was_not_proven() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let (id, providers) = active_deal(OWNER, &file, PERIODS, PRICE);
		prove(id, &file, 0..6);
		run_to_block(deal(id).due);
		prove(id, &file, [0, 1]);
		// Period 0: 6 proofs; period 1: 2 proofs; 8 × 7 paid, the rest comes back.
		assert_ok!(cancel(OWNER, id));
		assert_eq!(last_event(), Event::DealCancelled { deal: id, refund: 186 - 56 });
		assert_eq!(escrowed(OWNER), 0);
		assert_eq!(free(OWNER), ENDOWMENT - 56);
		assert_eq!(free(providers[0]), ENDOWMENT - STAKE + 14);
		assert_eq!(free(providers[5]), ENDOWMENT - STAKE + 7);
		for &p in &providers {
			assert_eq!(provider(p).used.bytes, 0);
			assert_eq!(live_assignments(p), 0);
		}
		assert_gone(id, OWNER);
	});
}

#[test]
fn cancel_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		assert_noop!(cancel(OWNER, 9), Error::<Test>::UnknownDeal);
		assert_noop!(cancel(OTHER, id), Error::<Test>::NotOwner);
		assert_noop!(Storage::cancel(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
		assert_ok!(cancel(OWNER, id));
		assert_noop!(cancel(OWNER, id), Error::<Test>::UnknownDeal);
	});
}

/// The compute market's view of a deal (`StoredFiles`): fails if the owner, root, size or
/// encryption is not the deal's, if a deal not yet active reads as readable, or if a gone
/// deal is found.
#[test]
fn stored_files_report_owner_root_size_and_whether_the_deal_is_active() {
	use xmbl_primitives::{StoredFile, StoredFiles};
	ExtBuilder::default().build_and_execute(|| {
		let file = test_file(1);
		let id = create(OWNER, &file, PERIODS, PRICE);
		let expected = |readable| StoredFile {
			owner: OWNER,
			root: file.manifest.file_root,
			size: FILE_LEN as u64,
			encrypted: false,
			readable,
		};
		assert_eq!(<Storage as StoredFiles<AccountId>>::file(id), Some(expected(false)));
		run_selection(id);
		assert_eq!(<Storage as StoredFiles<AccountId>>::file(id), Some(expected(false)));
		confirm_pending(id);
		assert_eq!(<Storage as StoredFiles<AccountId>>::file(id), Some(expected(true)));
		assert_eq!(<Storage as StoredFiles<AccountId>>::file(id + 1), None);
		assert_ok!(cancel(OWNER, id));
		assert_eq!(<Storage as StoredFiles<AccountId>>::file(id), None);
	});
}
