//! Runtime tests on the genesis presets' state: the presets themselves, the fee split, the
//! markets' per-block budgets and weight files, and compute jobs on the dev chain's providers.

use crate::{
	apis::{JobResultView, JobView},
	configs::{DealWithFees, TreasuryAccount, FEE_TO_AUTHOR_PERCENT},
	genesis_config_presets::{get_preset, preset_names, ENDOWMENT},
	AccountId, Balance, Balances, BlockNumber, Compute, Providers, Runtime, RuntimeCall,
	RuntimeGenesisConfig, RuntimeOrigin, Storage, System, Validators, EXISTENTIAL_DEPOSIT,
};
use codec::Encode;
use polkadot_sdk::{
	frame_support::{
		assert_ok,
		dispatch::{DispatchResultWithPostInfo, Pays},
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
	sp_runtime::{traits::Dispatchable, Digest, DigestItem},
};
use serde_json::Value;
use xmbl_primitives::{
	runtime_decl_for_compute_market_api::ComputeMarketApiV1, DutyTask, Escrow, JobId, JobSource,
	ProviderRegistry, ProviderRoles, WorkerDuty,
};

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

/// Weight files written by hand from their pallet's estimates, pending their first run of
/// `scripts/bench-weights.sh <pallet>`; each says so in its header. A file measured since must
/// leave this list.
const ESTIMATED_WEIGHTS: [&str; 1] = ["pallet_xmbl_compute"];

/// Every weight file in `src/weights/` was written by an optimised node, or is one of
/// [`ESTIMATED_WEIGHTS`] and says that it is not measured; and the runtime uses each: a debug
/// build measures the host's storage and hashing tens of times slower, and its weights would
/// throttle the chain (the node refuses `--output` when unoptimised).
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
		assert!(modules.contains(&format!("pub mod {name};")), "{name} is not in weights/mod.rs");
		if ESTIMATED_WEIGHTS.contains(&name) {
			assert!(
				text.starts_with(&format!("//! ESTIMATED weights for `{name}`: NOT MEASURED\n"))
					&& text.contains(&format!("`scripts/bench-weights.sh {name}`")),
				"{name}: not the estimates ESTIMATED_WEIGHTS lists (if it is measured now, take \
				 it off the list)"
			);
			continue;
		}
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
	}
}

/// The runtime's compute weight file, written by hand, is exactly the pallet's estimates
/// (`SubstrateWeight` with the runtime's database weights), for every call and step and every
/// replica count. Delete this test with the file's entry in [`ESTIMATED_WEIGHTS`] once
/// `scripts/bench-weights.sh pallet_xmbl_compute` has measured them.
#[test]
fn the_compute_weight_file_is_the_pallets_estimates() {
	use pallet_xmbl_compute::weights::{SubstrateWeight, WeightInfo};
	use polkadot_sdk::frame_support::traits::Get;
	type File = crate::weights::pallet_xmbl_compute::WeightInfo<Runtime>;
	type Estimates = SubstrateWeight<Runtime>;
	assert_eq!(File::submit_job(), Estimates::submit_job());
	assert_eq!(File::commit_result(), Estimates::commit_result());
	assert_eq!(File::reveal_result(), Estimates::reveal_result());
	assert_eq!(File::on_initialize_base(), Estimates::on_initialize_base());
	assert_eq!(File::prune(), Estimates::prune());
	for r in
		1..=u32::from(<<Runtime as pallet_xmbl_compute::Config>::MaxReplicas as Get<u8>>::get())
	{
		assert_eq!(File::select_workers(r), Estimates::select_workers(r), "select_workers({r})");
		assert_eq!(File::end_commit(r), Estimates::end_commit(r), "end_commit({r})");
		assert_eq!(File::resolve(r), Estimates::resolve(r), "resolve({r})");
	}
}

/// The compute market's per-block budget as configured. The hook charges every step its worst
/// case whatever the workers did, so these counts hold for honest and dishonest jobs alike:
/// the worst step it can start (a commit end with all 7 seats missed, slashed and drawn anew,
/// every draw made twice) always fits; `MaxJobsPerBlock` prunings (the jobs that ended in one
/// block are all pruned `OutputRetention` blocks later) fit with room for a worst step; and a
/// block with nothing else due runs at least the selections and resolutions of 3-replica jobs
/// that docs/compute.md counts ("Per-block bounds").
#[test]
fn the_compute_schedule_holds_a_worst_step_or_every_honest_pruning() {
	use pallet_xmbl_compute::{weights::WeightInfo as _, Config};
	use polkadot_sdk::frame_support::{traits::Get, weights::Weight};
	type Weights = <Runtime as Config>::WeightInfo;
	let limit = <Runtime as Config>::MaxScheduleWeight::get();
	let base = Weights::on_initialize_base();
	let replicas = u32::from(<<Runtime as Config>::MaxReplicas as Get<u8>>::get());
	let steps: u32 = <Runtime as Config>::MaxJobsPerBlock::get();
	let draws = |seats: u32| {
		<Providers as ProviderRegistry<AccountId, Balance>>::select_weight(seats)
			.saturating_mul(pallet_xmbl_compute::SELECTION_ROUNDS.into())
	};
	let worst = Compute::worst_step_weight(replicas);
	assert_eq!(
		worst,
		Weights::end_commit(replicas).saturating_add(draws(replicas)),
		"the worst step is a commit end with every seat drawn anew"
	);
	let selection = Weights::select_workers(3).saturating_add(draws(3));
	let resolution = Weights::resolve(3);
	let prune = Weights::prune();
	// Steps of `step` one block runs with nothing else due: the n-th starts while
	// `base + n × step` fits.
	let per_block = |step: Weight| {
		let room = limit.saturating_sub(base);
		(room.ref_time() / step.ref_time()).min(room.proof_size() / step.proof_size())
	};
	let ms = |weight: Weight| weight.ref_time() as f64 / 1e9;
	println!(
		"limit {:.1} ms, base {:.3} ms, worst step of {replicas} {:.2} ms; at 3 replicas: \
		 selection {:.3} ms ({} a block), resolution {:.3} ms ({} a block); pruning {:.3} ms \
		 ({} a block)",
		ms(limit),
		ms(base),
		ms(worst),
		ms(selection),
		per_block(selection),
		ms(resolution),
		per_block(resolution),
		ms(prune),
		per_block(prune)
	);
	assert!(base.saturating_add(worst).all_lte(limit), "a worst step does not fit");
	// Before each pruning its worst case must still fit, after `steps - 1` others.
	let before_last = base.saturating_add(prune.saturating_mul(u64::from(steps - 1)));
	assert!(before_last.saturating_add(worst).all_lte(limit), "{steps} prunings do not fit");
	assert!(per_block(selection) >= 56, "fewer 3-replica selections a block than documented");
	assert!(per_block(resolution) >= 117, "fewer 3-replica resolutions a block than documented");
}

/// The escrow hold is one per account, shared by the two markets: for every account, what the
/// providers pallet holds in escrow is exactly what its storage deals (escrow and upload
/// deposits) and its compute jobs (escrow) still owe. (The pallets' `escrow_owed` exists only
/// with `try-runtime`, which this runtime does not build, so the sums are made here.)
fn assert_escrow_is_both_markets() {
	use std::collections::BTreeMap;
	let mut owed: BTreeMap<AccountId, Balance> = BTreeMap::new();
	for (id, deal) in pallet_xmbl_storage::Deals::<Runtime>::iter() {
		let deposit = pallet_xmbl_storage::UploadDeposits::<Runtime>::get(id).unwrap_or(0);
		*owed.entry(deal.owner).or_default() += deal.escrow + deposit;
	}
	for (_, job) in pallet_xmbl_compute::Jobs::<Runtime>::iter() {
		*owed.entry(job.client).or_default() += job.escrow;
	}
	let accounts = polkadot_sdk::frame_system::Account::<Runtime>::iter_keys()
		.chain(owed.keys().cloned())
		.collect::<std::collections::BTreeSet<_>>();
	for who in accounts {
		assert_eq!(
			<Providers as Escrow<AccountId, Balance>>::held(&who),
			owed.get(&who).copied().unwrap_or(0),
			"{who}: the escrow hold is not what the deals and jobs owe"
		);
	}
}

/// Run the hooks the markets depend on, in the runtime's order, for every block up to `n`:
/// the VRF seed (`Validators`), then the storage and compute markets' schedules; the shared
/// escrow is checked after each block.
fn run_to_block(n: BlockNumber) {
	use polkadot_sdk::frame_support::traits::Hooks;
	while System::block_number() < n {
		let block = System::block_number() + 1;
		System::set_block_number(block);
		<Validators as Hooks<BlockNumber>>::on_initialize(block);
		<Storage as Hooks<BlockNumber>>::on_initialize(block);
		<Compute as Hooks<BlockNumber>>::on_initialize(block);
		assert_escrow_is_both_markets();
	}
}

/// `ComputeMarketApi::job`.
fn api_job(id: JobId) -> Option<JobView> {
	<Runtime as ComputeMarketApiV1<_, _, _, _, _>>::job(id)
}

/// `ComputeMarketApi::job_result`.
fn api_job_result(id: JobId) -> Option<JobResultView> {
	<Runtime as ComputeMarketApiV1<_, _, _, _, _>>::job_result(id)
}

/// `ComputeMarketApi::worker_duties`.
fn api_worker_duties(worker: &AccountId) -> Vec<WorkerDuty<BlockNumber>> {
	<Runtime as ComputeMarketApiV1<_, _, _, _, _>>::worker_duties(worker.clone())
}

/// `ComputeMarketApi::jobs_of`.
fn api_jobs_of(client: &AccountId) -> Vec<JobId> {
	<Runtime as ComputeMarketApiV1<_, _, _, _, _>>::jobs_of(client.clone())
}

/// A job's program in the tests: the chain never runs it, so any bytes do.
const PROGRAM: &[u8] = b"\0asm\x01\0\0\0";
/// The input of the inline jobs.
const INPUT: &[u8] = b"two words\n";
/// The jobs' fuel and memory limits.
const FUEL: u64 = 1_000_000;
const MEMORY: u64 = 1 << 20;
/// The tests' whole reward of 3 replicas: 10 mXMBL a share, and 2 left over for the client.
const REWARD: Balance = 30 * crate::MILLI_UNIT + 2;
/// The tests' deadline, in blocks from submission.
const DEADLINE: BlockNumber = 100;

/// `bytes` bounded by `S`.
fn bounded<S: polkadot_sdk::frame_support::traits::Get<u32>>(
	bytes: &[u8],
) -> polkadot_sdk::frame_support::BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("within the bound")
}

/// `submit_job` by `client` of 3 replicas of `program` on `input` with the argument `-w`,
/// dispatched as the transaction's call.
fn submit_job(
	client: &AccountId,
	program: pallet_xmbl_compute::ProgramOf<Runtime>,
	input: pallet_xmbl_compute::InputOf<Runtime>,
) -> DispatchResultWithPostInfo {
	RuntimeCall::Compute(pallet_xmbl_compute::Call::submit_job {
		program,
		input,
		args: vec![bounded(b"-w")].try_into().expect("one argument"),
		fuel: FUEL,
		memory_bytes: MEMORY,
		replicas: 3,
		reward: REWARD,
		deadline: DEADLINE,
		input_key: None,
	})
	.dispatch(RuntimeOrigin::signed(client.clone()))
}

/// What `who` has free and in compute slots in use.
fn worker_state(who: &AccountId) -> (Balance, u32, u64) {
	let summary = <Providers as ProviderRegistry<AccountId, Balance>>::provider(who)
		.expect("a worker is a provider");
	(Balances::free_balance(who), summary.used.compute_slots, summary.successes)
}

/// An inline job of 3 replicas on the dev chain's genesis providers, through the calls and
/// the runtime API: its workers are drawn `SelectionDelay` blocks after it with a duty each,
/// commit and reveal the same result for free, and at the next block the result is final,
/// each worker paid exactly `reward / 3` (and counted a success, its slot released), the
/// remainder back to the client, whose escrow is empty again; nothing is minted or burned.
/// `OutputRetention` blocks later the job and its result are pruned.
#[test]
fn an_inline_job_of_three_replicas_is_final_and_paid_on_the_dev_chain() {
	use pallet_xmbl_compute::{Config, Event, JobOutcomeKind, JobOutput, JobResult, JobStatus};
	use polkadot_sdk::{frame_support::traits::Get, sp_io::hashing::blake2_256};
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		run_to_block(1);
		let client = account(Sr25519Keyring::Ferdie);
		let issuance = Balances::total_issuance();
		let client_free = Balances::free_balance(&client);
		let submitted = System::block_number();
		assert_ok!(submit_job(
			&client,
			JobSource::Inline(bounded(PROGRAM)),
			JobSource::Inline(bounded(INPUT))
		));
		let id: JobId = 0;
		assert_eq!(api_jobs_of(&client), vec![id]);
		assert_eq!(<Providers as Escrow<AccountId, Balance>>::held(&client), REWARD);
		assert_eq!(api_job(id).expect("the job").status, JobStatus::Selecting);

		let selected = submitted + <<Runtime as Config>::SelectionDelay as Get<BlockNumber>>::get();
		run_to_block(selected);
		let job = api_job(id).expect("the job");
		assert_eq!(job.status, JobStatus::Committing);
		let workers: Vec<AccountId> = job.seated().map(|worker| worker.who.clone()).collect();
		assert_eq!(workers.len(), 3);
		let until = selected + <<Runtime as Config>::CommitWindow as Get<BlockNumber>>::get();
		let before: Vec<_> = workers.iter().map(worker_state).collect();
		for (worker, (_, slots, _)) in workers.iter().zip(&before) {
			assert!(
				crate::genesis_config_presets::DEV_PROVIDERS
					.iter()
					.any(|keyring| keyring.to_account_id() == *worker),
				"{worker} is not a genesis provider"
			);
			assert_eq!(*slots, 1, "{worker} holds one compute slot");
			assert_eq!(
				api_worker_duties(worker),
				vec![WorkerDuty {
					job: id,
					task: DutyTask::RunAndCommit { round: 0, until },
					program: JobSource::Inline(PROGRAM.to_vec()),
					input: JobSource::Inline(INPUT.to_vec()),
					args: vec![b"-w".to_vec()],
					fuel: FUEL,
					memory_bytes: MEMORY,
					input_key: None,
				}]
			);
		}

		run_to_block(selected + 1);
		let result: pallet_xmbl_compute::JobResultOf<Runtime> = JobResult {
			kind: JobOutcomeKind::Success,
			fuel_used: 4_321,
			output: JobOutput::Inline(bounded(b"2\n")),
		};
		let salt = |n: usize| [n as u8 + 1; 32];
		for (n, worker) in workers.iter().enumerate() {
			let post = RuntimeCall::Compute(pallet_xmbl_compute::Call::commit_result {
				job: id,
				commitment: xmbl_primitives::commitment(&result, &salt(n), worker),
			})
			.dispatch(RuntimeOrigin::signed(worker.clone()))
			.expect("the commitment is accepted");
			assert_eq!(post.pays_fee, Pays::No, "an accepted commitment is free");
		}
		let reveal_until =
			selected + 1 + <<Runtime as Config>::RevealWindow as Get<BlockNumber>>::get();
		assert_eq!(api_job(id).expect("the job").status, JobStatus::Revealing);
		for worker in &workers {
			assert_eq!(
				api_worker_duties(worker).iter().map(|duty| duty.task).collect::<Vec<_>>(),
				vec![DutyTask::Reveal { round: 0, until: reveal_until }]
			);
		}

		run_to_block(selected + 2);
		for (n, worker) in workers.iter().enumerate() {
			let post = RuntimeCall::Compute(pallet_xmbl_compute::Call::reveal_result {
				job: id,
				result: result.clone(),
				salt: salt(n),
			})
			.dispatch(RuntimeOrigin::signed(worker.clone()))
			.expect("the reveal is accepted");
			assert_eq!(post.pays_fee, Pays::No, "an accepted reveal is free");
		}
		assert!(api_job_result(id).is_none(), "resolved at the next block, not in the call");

		let resolved = selected + 3;
		run_to_block(resolved);
		let job = api_job(id).expect("the job is retained");
		assert_eq!(job.status, JobStatus::Completed);
		let final_result = api_job_result(id).expect("a final result");
		assert_eq!((final_result.result.clone(), final_result.at), (result.clone(), resolved));
		let share = REWARD / 3;
		assert_eq!(share, 10 * crate::MILLI_UNIT);
		for (worker, (free, _, successes)) in workers.iter().zip(&before) {
			assert_eq!(worker_state(worker), (free + share, 0, successes + 1), "{worker}");
		}
		assert!(System::events().iter().any(|record| record.event
			== crate::RuntimeEvent::Compute(Event::JobCompleted {
				job: id,
				kind: JobOutcomeKind::Success,
				fuel_used: 4_321,
				result_hash: blake2_256(&result.encode()),
				workers: workers.clone(),
				share,
				refund: 2,
			})));
		assert_eq!(<Providers as Escrow<AccountId, Balance>>::held(&client), 0);
		assert_eq!(Balances::free_balance(&client), client_free - 3 * share);
		assert_eq!(Balances::total_issuance(), issuance, "nothing minted or burned");
		assert!(api_worker_duties(&workers[0]).is_empty());

		run_to_block(resolved + <<Runtime as Config>::OutputRetention as Get<BlockNumber>>::get());
		assert_eq!((api_job(id), api_job_result(id)), (None, None), "pruned");
		assert!(api_jobs_of(&client).is_empty());
	});
}

/// A 3 + 2 public storage deal of `owner`'s for `size` bytes, made through the storage pallet.
fn create_deal(owner: &AccountId, size: u64) -> xmbl_primitives::DealId {
	use polkadot_sdk::frame_support::traits::Get;
	let mut manifest = xmbl_file_format::Manifest {
		version: xmbl_file_format::FORMAT_VERSION,
		plaintext_size: size,
		segment_size: 1 << 20,
		data_shards: 3,
		parity_shards: 2,
		encryption: xmbl_file_format::Encryption::None,
		shards: Vec::new(),
		file_root: [0; 32],
	};
	let shard_size = manifest.shard_size();
	manifest.shards = (0..5)
		.map(|i| xmbl_file_format::ShardInfo { root: [i; 32], size: shard_size })
		.collect();
	manifest.file_root = manifest.compute_file_root();
	let id = pallet_xmbl_storage::NextDealId::<Runtime>::get();
	assert_ok!(Storage::create_deal(
		RuntimeOrigin::signed(owner.clone()),
		manifest,
		10,
		<<Runtime as pallet_xmbl_storage::Config>::MinShardPrice as Get<Balance>>::get(),
	));
	id
}

/// A job's stored program or input must be a live deal (`DealNotFound`), of the job's client
/// (`NotDealOwner`: checked first, so another account's deal is refused whatever its state),
/// and active (`DealNotActive` until every shard is stored); once each of the five genesis
/// providers confirmed its shard, the owner's job on it is accepted, and the owner's escrow
/// holds exactly the deal's and the job's parts.
#[test]
fn a_job_reads_only_an_active_deal_of_its_client() {
	use pallet_xmbl_compute::Error;
	use polkadot_sdk::frame_support::{assert_noop, traits::Get};
	preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		run_to_block(1);
		let owner = account(Sr25519Keyring::Ferdie);
		let stranger = account(Sr25519Keyring::Dave);
		let inline = || JobSource::Inline(bounded(INPUT));
		assert_noop!(
			submit_job(&owner, JobSource::Deal(0), inline()),
			Error::<Runtime>::DealNotFound
		);
		let deal = create_deal(&owner, 5_000);
		assert_noop!(
			submit_job(&stranger, JobSource::Deal(deal), inline()),
			Error::<Runtime>::NotDealOwner
		);
		assert_noop!(
			submit_job(&owner, JobSource::Inline(bounded(PROGRAM)), JobSource::Deal(deal)),
			Error::<Runtime>::DealNotActive
		);

		run_to_block(
			System::block_number()
				+ <<Runtime as pallet_xmbl_storage::Config>::SelectionDelay as Get<BlockNumber>>::get(),
		);
		let shards = pallet_xmbl_storage::Deals::<Runtime>::get(deal).expect("the deal").shards;
		for (number, shard) in (0u8..).zip(shards) {
			let provider = shard.provider.expect("every shard has a provider");
			assert_ok!(Storage::confirm_shards(
				RuntimeOrigin::signed(provider),
				vec![(deal, number)].try_into().expect("one shard")
			));
		}
		assert_eq!(
			pallet_xmbl_storage::Deals::<Runtime>::get(deal).expect("the deal").status,
			pallet_xmbl_storage::DealStatus::Active
		);
		assert_noop!(
			submit_job(&stranger, JobSource::Inline(bounded(PROGRAM)), JobSource::Deal(deal)),
			Error::<Runtime>::NotDealOwner
		);
		// 10 periods of 5 shards at the lowest price and 2 repair bounties; the upload deposit
		// went back at activation.
		let deal_escrow = 50
			* <<Runtime as pallet_xmbl_storage::Config>::MinShardPrice as Get<Balance>>::get()
			+ 2 * <<Runtime as pallet_xmbl_storage::Config>::RepairBounty as Get<Balance>>::get();
		assert_eq!(<Providers as Escrow<AccountId, Balance>>::held(&owner), deal_escrow);
		assert_ok!(submit_job(&owner, JobSource::Deal(deal), JobSource::Deal(deal)));
		assert_eq!(api_jobs_of(&owner), vec![0]);
		assert_eq!(<Providers as Escrow<AccountId, Balance>>::held(&owner), deal_escrow + REWARD);
		assert_escrow_is_both_markets();
	});
}
