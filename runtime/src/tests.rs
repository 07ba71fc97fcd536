//! Runtime tests on the genesis presets' state: the presets themselves and the fee split.

use crate::{
	configs::{DealWithFees, TreasuryAccount, FEE_TO_AUTHOR_PERCENT},
	genesis_config_presets::{get_preset, preset_names, ENDOWMENT},
	AccountId, Balance, Balances, Providers, RuntimeGenesisConfig, System, EXISTENTIAL_DEPOSIT,
};
use codec::Encode;
use polkadot_sdk::{
	frame_support::{
		genesis_builder_helper::build_state,
		traits::{
			fungible::{Balanced, Inspect},
			tokens::{Fortitude, Precision, Preservation},
			OnUnbalanced,
		},
	},
	sp_consensus_babe::{
		digests::{PreDigest, SecondaryPlainPreDigest},
		BABE_ENGINE_ID,
	},
	sp_genesis_builder::{self, PresetId},
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{Digest, DigestItem},
};
use serde_json::Value;
use xmbl_primitives::{ProviderRegistry, ProviderRoles};

/// `patch` merged into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// The state built from the preset `id` (the default config with the preset's patch).
fn preset_state(id: &str) -> TestExternalities {
	let patch: Value = serde_json::from_slice(
		&get_preset(&PresetId::from(id)).unwrap_or_else(|| panic!("preset {id} exists")),
	)
	.expect("a preset is JSON");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("to JSON");
	merge(&mut config, patch);
	let json = serde_json::to_vec(&config).expect("to JSON");
	let mut ext = TestExternalities::default();
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(json).expect("the preset builds"));
	ext
}

fn account(keyring: Sr25519Keyring) -> AccountId {
	keyring.to_account_id()
}

fn is_provider(who: &AccountId) -> bool {
	<Providers as ProviderRegistry<AccountId, Balance>>::provider(who)
		.is_some_and(|summary| summary.active && summary.roles == ProviderRoles::StorageAndCompute)
}

/// Whether `who`'s BABE key is an authority of the first epoch and its account a validator
/// of the first session.
fn is_authority(who: Sr25519Keyring) -> bool {
	let key: polkadot_sdk::sp_consensus_babe::AuthorityId = who.public().into();
	let babe = polkadot_sdk::pallet_babe::Authorities::<crate::Runtime>::get()
		.iter()
		.any(|(authority, _)| *authority == key);
	let session =
		pallet_session::Validators::<crate::Runtime>::get().contains(&who.to_account_id());
	assert_eq!(babe, session, "{who:?}: BABE authorities and session validators differ");
	babe
}

/// The number of BABE authorities of the first epoch.
fn authority_count() -> usize {
	polkadot_sdk::pallet_babe::Authorities::<crate::Runtime>::get().len()
}

#[test]
fn every_preset_builds_with_an_endowed_treasury() {
	let names = preset_names();
	assert_eq!(names.len(), 2);
	for id in names {
		let id = <PresetId as AsRef<str>>::as_ref(&id).to_owned();
		preset_state(&id).execute_with(|| {
			assert!(
				Balances::balance(&TreasuryAccount::get()) >= EXISTENTIAL_DEPOSIT,
				"{id}: treasury not endowed"
			);
			assert!(authority_count() > 0, "{id}: no authority");
			assert_eq!(
				polkadot_sdk::pallet_grandpa::Pallet::<crate::Runtime>::grandpa_authorities().len(),
				authority_count(),
				"{id}: GRANDPA and BABE authorities differ"
			);
		});
	}
}

#[test]
fn development_preset_has_alice_as_validator_and_five_providers() {
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(authority_count(), 1);
		assert!(is_authority(Sr25519Keyring::Alice));
		for (index, keyring) in (0u16..).zip(crate::genesis_config_presets::DEV_PROVIDERS) {
			let record = pallet_xmbl_providers::Providers::<crate::Runtime>::get(account(keyring))
				.unwrap_or_else(|| panic!("{keyring:?} is a provider"));
			assert_eq!(
				record.endpoint.to_vec(),
				format!("http://127.0.0.1:{}", 30400 + index).into_bytes(),
				"{keyring:?}"
			);
		}
		assert!(!is_provider(&account(Sr25519Keyring::Ferdie)));
		for keyring in Sr25519Keyring::well_known() {
			assert!(Balances::total_balance(&account(keyring)) == ENDOWMENT, "{keyring:?}");
		}
	});
}

#[test]
fn local_testnet_preset_has_three_validators_and_providers() {
	preset_state(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(authority_count(), 3);
		for keyring in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
			assert!(is_authority(keyring), "{keyring:?} authority");
			assert!(is_provider(&account(keyring)), "{keyring:?} provider");
		}
		assert!(!is_provider(&account(Sr25519Keyring::Dave)));
	});
}

/// Start block 1, sealed by BABE authority `authority` in a secondary slot, or without a
/// pre-runtime digest (no author found).
fn start_block(authority: Option<u32>) {
	let digest = Digest {
		logs: authority
			.map(|authority_index| {
				let pre_digest = PreDigest::SecondaryPlain(SecondaryPlainPreDigest {
					authority_index,
					slot: 5.into(),
				});
				DigestItem::PreRuntime(BABE_ENGINE_ID, pre_digest.encode())
			})
			.into_iter()
			.collect(),
	};
	System::initialize(&1, &Default::default(), &digest);
}

/// Take `amount` from Dave's free balance as a credit, as the payment extension does.
fn withdraw_from_dave(
	amount: Balance,
) -> polkadot_sdk::frame_support::traits::fungible::Credit<AccountId, Balances> {
	Balances::withdraw(
		&account(Sr25519Keyring::Dave),
		amount,
		Precision::Exact,
		Preservation::Preserve,
		Fortitude::Polite,
	)
	.expect("Dave is endowed")
}

/// Balances of (author, treasury) and total issuance.
fn snapshot(author: &AccountId) -> (Balance, Balance, Balance) {
	(
		Balances::total_balance(author),
		Balances::total_balance(&TreasuryAccount::get()),
		Balances::total_issuance(),
	)
}

const FEE: Balance = 1_000_000;
const TIP: Balance = 7_777;

#[test]
fn fees_go_20_percent_to_the_author_80_to_the_treasury_and_tips_to_the_author() {
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		start_block(Some(0));
		let alice = account(Sr25519Keyring::Alice);
		let (author_before, treasury_before, issuance) = snapshot(&alice);
		DealWithFees::on_unbalanceds(
			[withdraw_from_dave(FEE), withdraw_from_dave(TIP)].into_iter(),
		);
		let (author_after, treasury_after, issuance_after) = snapshot(&alice);
		let to_author = FEE * Balance::from(FEE_TO_AUTHOR_PERCENT) / 100;
		assert_eq!(to_author, 200_000);
		assert_eq!(author_after - author_before, to_author + TIP);
		assert_eq!(treasury_after - treasury_before, FEE - to_author);
		assert_eq!(issuance_after, issuance, "nothing burned");
	});
}

#[test]
fn a_fee_passed_alone_is_split_too() {
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		start_block(Some(0));
		let alice = account(Sr25519Keyring::Alice);
		let (author_before, treasury_before, issuance) = snapshot(&alice);
		DealWithFees::on_unbalanced(withdraw_from_dave(FEE));
		let (author_after, treasury_after, issuance_after) = snapshot(&alice);
		assert_eq!(author_after - author_before, 200_000);
		assert_eq!(treasury_after - treasury_before, 800_000);
		assert_eq!(issuance_after, issuance, "nothing burned");
	});
}

#[test]
fn without_an_author_everything_goes_to_the_treasury() {
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		start_block(None);
		let alice = account(Sr25519Keyring::Alice);
		let (author_before, treasury_before, issuance) = snapshot(&alice);
		DealWithFees::on_unbalanceds(
			[withdraw_from_dave(FEE), withdraw_from_dave(TIP)].into_iter(),
		);
		let (author_after, treasury_after, issuance_after) = snapshot(&alice);
		assert_eq!(author_after, author_before);
		assert_eq!(treasury_after - treasury_before, FEE + TIP);
		assert_eq!(issuance_after, issuance, "nothing burned");
	});
}

/// The storage market's per-block budget as configured: one worst-case step always fits, and
/// while every period ends honestly all `MaxDealsPerBlock` steps of the largest deals fit too.
#[test]
fn the_storage_schedule_holds_a_worst_step_or_every_honest_one() {
	use pallet_xmbl_storage::{weights::WeightInfo as _, Config};
	use polkadot_sdk::frame_support::{traits::Get, weights::Weight};
	type Storage = pallet_xmbl_storage::Pallet<crate::Runtime>;
	let limit = <crate::Runtime as Config>::MaxScheduleWeight::get();
	let base = <crate::Runtime as Config>::WeightInfo::on_initialize_base();
	let shards: u32 = <crate::Runtime as Config>::MaxShards::get();
	let steps: u32 = <crate::Runtime as Config>::MaxDealsPerBlock::get();
	let worst = Storage::worst_step_weight(shards);
	let honest = Storage::honest_deadline_weight();
	let ms = |weight: Weight| weight.ref_time() as f64 / 1e9;
	println!(
		"limit {:.1} ms, base {:.1} ms, worst step of {shards} shards {:.1} ms, honest deadline {:.1} ms",
		ms(limit),
		ms(base),
		ms(worst),
		ms(honest)
	);
	assert!(base.saturating_add(worst).all_lte(limit));
	// Before each step its worst case must still fit, after `steps - 1` honest ones.
	let before_last = base.saturating_add(honest.saturating_mul(u64::from(steps - 1)));
	assert!(before_last.saturating_add(worst).all_lte(limit), "{steps} honest steps do not fit");
	// Measured as one block: `MaxDealsPerBlock` honest period ends among 100,000 deals.
	let at_bound = <crate::Runtime as Config>::WeightInfo::deadlines_at_bound(steps);
	println!("{steps} honest period ends among 100,000 deals: {:.1} ms", ms(at_bound));
	assert!(at_bound.all_lte(limit), "the bound's block does not fit its share");
}

/// Every weight file in `src/weights/` was written by an optimised node, and the runtime
/// uses each: a debug build measures the host's storage and hashing tens of times slower,
/// and its weights would throttle the chain (the node refuses `--output` when unoptimised).
#[test]
fn every_weight_file_comes_from_an_optimised_build() {
	let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/weights");
	let modules = std::fs::read_to_string(dir.join("mod.rs")).expect("weights/mod.rs");
	let mut files = std::fs::read_dir(&dir)
		.expect("src/weights")
		.map(|entry| entry.expect("a directory entry").path())
		.filter(|path| path.file_name().is_some_and(|name| name != "mod.rs"))
		.collect::<Vec<_>>();
	files.sort();
	assert!(files.len() >= 3, "the weights of our pallets at least: {files:?}");
	for file in files {
		let name = file.file_stem().and_then(|stem| stem.to_str()).expect("a UTF-8 file name");
		let text = std::fs::read_to_string(&file).expect("a weight file");
		let binary = text
			.lines()
			.skip_while(|line| *line != "// Executed Command:")
			.nth(1)
			.and_then(|line| line.strip_prefix("// "))
			.unwrap_or_else(|| panic!("{name}: no executed command in the header"));
		assert!(
			binary.ends_with("/release/xmbl-node"),
			"{name}: written by {binary}, not a release build (scripts/bench-weights.sh)"
		);
		assert!(text.contains("WASM-EXECUTION: `Compiled`"), "{name}: not on compiled WASM");
		assert!(modules.contains(&format!("pub mod {name};")), "{name} is not in weights/mod.rs");
	}
}
