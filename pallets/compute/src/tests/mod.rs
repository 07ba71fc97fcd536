//! Unit tests: a mock runtime with pallet-balances and the real providers pallet (registry,
//! escrow and slashing), and a table of stored files standing in for the storage market.
//! Every test runs through [`ExtBuilder::build_and_execute`], which checks both pallets'
//! invariants, and that each client's escrow is exactly what its jobs hold, when the test
//! body ends (`invariants` checks them after every step).
//!
//! One file per area: `submit` (every bound and source), `selection` (the draw and its
//! randomness), `commit`, `reveal`, `resolution` (majority, ties, misses, deadlines,
//! pruning, the per-block budget), `duties` (`worker_duties`) and `invariants` (random
//! operations).

use crate as pallet_xmbl_compute;
use crate::*;
use codec::Encode;
use polkadot_sdk::frame_support::{
	assert_ok, derive_impl,
	dispatch::DispatchResultWithPostInfo,
	parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks, Randomness},
	weights::Weight,
	BoundedVec,
};
use polkadot_sdk::{
	frame_support, frame_system, frame_system::EnsureRoot, pallet_balances, sp_core::H256, sp_io,
	sp_runtime::BuildStorage,
};
use std::collections::BTreeMap;
use xmbl_primitives::{
	commitment, Capacity, DealId, JobSource, ProviderRoles, StoredFile, StoredFiles,
};

mod commit;
mod duties;
mod invariants;
mod resolution;
mod reveal;
mod selection;
mod submit;

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;
pub(crate) type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Providers: pallet_xmbl_providers,
		Compute: pallet_xmbl_compute,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

/// The existential deposit.
pub(crate) const ED: Balance = 10;
/// The providers' minimum stake.
pub(crate) const MIN_STAKE: Balance = 1_000;
/// The stake each mock provider registers with.
pub(crate) const STAKE: Balance = MIN_STAKE * 10;
/// Compute slots of each mock provider.
pub(crate) const SLOTS: u32 = 4;
/// The treasury account.
pub(crate) const TREASURY: AccountId = 99;
/// Each endowed account's balance.
pub(crate) const ENDOWMENT: Balance = 1_000_000;
/// Blocks from a job to its selection.
pub(crate) const SELECTION_DELAY: u64 = 2;
/// Blocks to run and commit.
pub(crate) const COMMIT_WINDOW: u64 = 4;
/// Blocks to reveal.
pub(crate) const REVEAL_WINDOW: u64 = 3;
/// The latest deadline, in blocks from submission.
pub(crate) const MAX_DEADLINE: u64 = 100;
/// The earliest deadline: `SELECTION_DELAY + COMMIT_WINDOW + REVEAL_WINDOW`.
pub(crate) const MIN_DEADLINE: u64 = SELECTION_DELAY + COMMIT_WINDOW + REVEAL_WINDOW;
/// The lowest reward per replica.
pub(crate) const MIN_REWARD: Balance = 10;
/// The slash for a wrong result.
pub(crate) const WRONG_SLASH: Balance = 200;
/// The slash for a missed commitment or reveal.
pub(crate) const MISSED_SLASH: Balance = 50;
/// The longest inline output.
pub(crate) const MAX_INLINE_OUTPUT: u32 = 64;
/// The longest output.
pub(crate) const MAX_KEPT_OUTPUT: u64 = 1_024;
/// Blocks a finished job is retained.
pub(crate) const RETENTION: u64 = 20;
/// The most replicas.
pub(crate) const MAX_REPLICAS: u8 = 5;
/// The most rounds.
pub(crate) const MAX_ROUNDS: u8 = 2;
/// The most fuel.
pub(crate) const MAX_FUEL: u64 = 1_000_000;
/// The most memory.
pub(crate) const MAX_MEMORY: u64 = 1 << 20;
/// Bytes of the largest stored program and input.
pub(crate) const MAX_STORED_PROGRAM: u64 = 4_000;
pub(crate) const MAX_STORED_INPUT: u64 = 10_000;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<ED>;
}

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	/// Per test: mixed into the mock randomness, so a test can change what a block draws.
	pub static RandomSalt: u64 = 0;
	/// Per test: `ExtBuilder::max_jobs_per_block` sets it.
	pub static MaxJobsPerBlock: u32 = 16;
	/// Per test, unbounded unless a test sets it.
	pub static MaxScheduleWeight: Weight = Weight::MAX;
	/// Per test: the `(block, subject)` of every draw of the mock randomness, in order.
	pub static RandomDraws: Vec<(u64, Vec<u8>)> = Vec::new();
	/// Per test: the storage market's files.
	pub static Files: BTreeMap<DealId, StoredFile<AccountId>> = BTreeMap::new();
}

impl pallet_xmbl_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinStake = ConstU64<MIN_STAKE>;
	type StakePerGiB = ConstU64<1>;
	type UnbondingPeriod = ConstU64<100>;
	type MaxEndpointLen = ConstU32<64>;
	type MaxSelectionDraws = ConstU32<16>;
	type MaxProviders = ConstU32<1_000>;
	type TreasuryAccount = TreasuryAccount;
	type TreasuryOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

/// Randomness that depends on the block number, the subject and [`RandomSalt`] only.
pub struct MockRandomness;

impl Randomness<H256, u64> for MockRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let block = System::block_number();
		RandomDraws::mutate(|draws| draws.push((block, subject.to_vec())));
		let input = (subject, block, RandomSalt::get()).encode();
		(H256(sp_io::hashing::blake2_256(&input)), block)
	}
}

/// The storage market's files: the [`Files`] table.
pub struct MockFiles;

impl StoredFiles<AccountId> for MockFiles {
	fn file(deal: DealId) -> Option<StoredFile<AccountId>> {
		Files::get().get(&deal).cloned()
	}
}

impl pallet_xmbl_compute::Config for Test {
	type Currency = Balances;
	type Registry = Providers;
	type Escrow = Providers;
	type Slashing = Providers;
	type Randomness = MockRandomness;
	type StoredFiles = MockFiles;
	type MaxInlineProgram = ConstU32<256>;
	type MaxInlineInput = ConstU32<128>;
	type MaxStoredProgram = ConstU64<MAX_STORED_PROGRAM>;
	type MaxStoredInput = ConstU64<MAX_STORED_INPUT>;
	type MaxArgs = ConstU32<4>;
	type MaxArgLen = ConstU32<8>;
	type MaxFuel = ConstU64<MAX_FUEL>;
	type MaxMemory = ConstU64<MAX_MEMORY>;
	type MaxReplicas = ConstU8<MAX_REPLICAS>;
	type MaxRounds = ConstU8<MAX_ROUNDS>;
	type MinJobReward = ConstU64<MIN_REWARD>;
	type SelectionDelay = ConstU64<SELECTION_DELAY>;
	type CommitWindow = ConstU64<COMMIT_WINDOW>;
	type RevealWindow = ConstU64<REVEAL_WINDOW>;
	type MaxDeadline = ConstU64<MAX_DEADLINE>;
	type WrongResultSlash = ConstU64<WRONG_SLASH>;
	type MissedJobSlash = ConstU64<MISSED_SLASH>;
	type MaxInlineOutput = ConstU32<MAX_INLINE_OUTPUT>;
	type MaxKeptOutput = ConstU64<MAX_KEPT_OUTPUT>;
	type OutputRetention = ConstU64<RETENTION>;
	type MaxJobsPerBlock = MaxJobsPerBlock;
	type MaxScheduleWeight = MaxScheduleWeight;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Funds accounts and registers providers for the benchmarks run as tests.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn fund(who: &AccountId) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, ENDOWMENT * 100);
	}

	fn register_compute_provider(who: &AccountId, slots: u32) {
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(*who),
			ProviderRoles::Compute,
			STAKE,
			Capacity { bytes: 0, compute_slots: slots },
			b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
			0,
		));
	}
}

/// The account that submits jobs in the tests.
pub(crate) const CLIENT: AccountId = 100;
/// Another account with a balance.
pub(crate) const OTHER: AccountId = 101;

/// Builds the test externalities: accounts `1..=20` endowed, the treasury alive, and
/// `providers` compute providers registered (accounts `1..=providers`, `SLOTS` slots each).
pub(crate) struct ExtBuilder {
	providers: u64,
	max_jobs_per_block: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { providers: 8, max_jobs_per_block: 16 }
	}
}

impl ExtBuilder {
	/// Register `count` compute providers (accounts `1..=count`).
	pub(crate) fn providers(mut self, count: u64) -> Self {
		self.providers = count;
		self
	}

	/// Run at most `max` jobs' steps per block.
	pub(crate) fn max_jobs_per_block(mut self, max: u32) -> Self {
		self.max_jobs_per_block = max;
		self
	}

	pub(crate) fn build(self) -> sp_io::TestExternalities {
		RandomSalt::set(0);
		RandomDraws::set(Vec::new());
		Files::set(BTreeMap::new());
		MaxJobsPerBlock::set(self.max_jobs_per_block);
		MaxScheduleWeight::set(Weight::MAX);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(AccountId, Balance)> =
			(1..=20).map(|who| (who, ENDOWMENT)).collect();
		balances.extend([(TREASURY, ED), (CLIENT, ENDOWMENT), (OTHER, ENDOWMENT)]);
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		let providers = self.providers;
		ext.execute_with(|| {
			System::set_block_number(1);
			for who in 1..=providers {
				register_provider(who);
			}
		});
		ext
	}

	/// Run `test`, then check both pallets' invariants and the escrow.
	pub(crate) fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Compute::do_try_state().expect("compute invariants hold after the test");
			Providers::do_try_state().expect("provider invariants hold after the test");
			assert_escrow_is_what_jobs_hold();
		});
	}
}

/// Register `who` as a compute provider like the builder's providers.
pub(crate) fn register_provider(who: AccountId) {
	assert_ok!(Providers::register(
		RuntimeOrigin::signed(who),
		ProviderRoles::Compute,
		STAKE,
		Capacity { bytes: 0, compute_slots: SLOTS },
		b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
		0,
	));
}

/// The mock has no other market: each client's escrow hold is exactly what its jobs hold.
pub(crate) fn assert_escrow_is_what_jobs_hold() {
	let owed = Compute::escrow_owed();
	for who in (1..=21).chain([CLIENT, OTHER, TREASURY]) {
		let expected = owed.get(&who).copied().unwrap_or(0);
		assert_eq!(escrowed(who), expected, "escrow of {who} differs from what its jobs hold");
	}
}

/// Run `on_initialize` of every block after the current one up to `n`.
pub(crate) fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Providers::on_initialize(next);
		Compute::on_initialize(next);
	}
}

/// The events of this pallet so far.
pub(crate) fn compute_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Compute(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// This pallet's events since the events were last reset, and reset them.
pub(crate) fn take_events() -> Vec<Event<Test>> {
	let events = compute_events();
	System::reset_events();
	events
}

/// The reward most tests pay: 3 replicas at 100 each.
pub(crate) const REWARD: Balance = 300;
/// The deadline most tests set: room for both rounds.
pub(crate) const DEADLINE: u64 = 30;
/// The fuel most jobs ask for.
pub(crate) const FUEL: u64 = 10_000;

/// The spec most tests use: a small inline program and input, one argument.
pub(crate) fn spec() -> JobSpec<Test> {
	JobSpec {
		program: JobSource::Inline(b"\0asm\x01\0\0\0".to_vec().try_into().unwrap()),
		input: JobSource::Inline(b"input".to_vec().try_into().unwrap()),
		args: vec![b"-n".to_vec().try_into().unwrap()].try_into().unwrap(),
		fuel: FUEL,
		memory_bytes: 1 << 16,
		input_key: None,
	}
}

/// `submit_job` of `spec` by `client`.
pub(crate) fn submit_spec(
	client: AccountId,
	spec: JobSpec<Test>,
	replicas: u8,
	reward: Balance,
	deadline: u64,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Compute::submit_job(
		RuntimeOrigin::signed(client),
		spec.program,
		spec.input,
		spec.args,
		spec.fuel,
		spec.memory_bytes,
		replicas,
		reward,
		deadline,
		spec.input_key,
	)
}

/// A standard job by `client` with `replicas` replicas and `reward`; its id.
pub(crate) fn submit(client: AccountId, replicas: u8, reward: Balance) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(submit_spec(client, spec(), replicas, reward, DEADLINE));
	id
}

/// The job `id`.
pub(crate) fn job(id: JobId) -> Job<Test> {
	Jobs::<Test>::get(id).expect("a job")
}

/// The workers of job `id` holding a seat, in the order drawn.
pub(crate) fn seated(id: JobId) -> Vec<AccountId> {
	job(id).seated().map(|w| w.who).collect()
}

/// Run to job `id`'s selection; its workers in the order drawn.
pub(crate) fn run_selection(id: JobId) -> Vec<AccountId> {
	assert_eq!(job(id).status, JobStatus::Selecting);
	run_to_block(job(id).due);
	assert_eq!(job(id).status, JobStatus::Committing);
	seated(id)
}

/// A successful result with inline output `output`.
pub(crate) fn success(output: &[u8], fuel_used: u64) -> JobResultOf<Test> {
	JobResult {
		kind: JobOutcomeKind::Success,
		fuel_used,
		output: JobOutput::Inline(output.to_vec().try_into().unwrap()),
	}
}

/// The salt worker `who` uses.
pub(crate) fn salt(who: AccountId) -> [u8; 32] {
	[who as u8; 32]
}

/// `commit_result` by `who` of its commitment to `result`.
pub(crate) fn commit(
	who: AccountId,
	id: JobId,
	result: &JobResultOf<Test>,
) -> DispatchResultWithPostInfo {
	Compute::commit_result(RuntimeOrigin::signed(who), id, commitment(result, &salt(who), &who))
}

/// `reveal_result` by `who` of `result` with its salt.
pub(crate) fn reveal(
	who: AccountId,
	id: JobId,
	result: &JobResultOf<Test>,
) -> DispatchResultWithPostInfo {
	Compute::reveal_result(RuntimeOrigin::signed(who), id, result.clone(), salt(who))
}

/// `blake2_256(SCALE(result))`, as the pallet keys reveals.
pub(crate) fn result_hash(result: &JobResultOf<Test>) -> Hash32 {
	sp_io::hashing::blake2_256(&result.encode())
}

/// Job `id` selected; each worker commits to the result at its index in `results` (`None`:
/// it does not commit); the reveal phase reached (by the last commitment, or by running to
/// the end of the commit window). The workers in the order drawn.
pub(crate) fn committed_job(id: JobId, results: &[Option<JobResultOf<Test>>]) -> Vec<AccountId> {
	let workers = run_selection(id);
	for (who, result) in workers.iter().zip(results) {
		if let Some(result) = result {
			assert_ok!(commit(*who, id, result));
		}
	}
	if job(id).status == JobStatus::Committing {
		run_to_block(job(id).due);
	}
	workers
}

/// The escrow `who` has on hold.
pub(crate) fn escrowed(who: AccountId) -> Balance {
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&pallet_xmbl_providers::HoldReason::Escrow.into(), &who)
}

/// The stake `who` has on hold.
pub(crate) fn staked(who: AccountId) -> Balance {
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&pallet_xmbl_providers::HoldReason::ProviderStake.into(), &who)
}

/// The free balance of `who`.
pub(crate) fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// The compute slots provider `who` has in use.
pub(crate) fn slots_used(who: AccountId) -> u32 {
	pallet_xmbl_providers::Providers::<Test>::get(who)
		.expect("registered")
		.used
		.compute_slots
}

/// The successes on provider `who`'s record.
pub(crate) fn successes(who: AccountId) -> u64 {
	pallet_xmbl_providers::Providers::<Test>::get(who)
		.expect("registered")
		.successes
}

/// Put deal `deal` of `owner` in the mock storage market: 1,000 bytes, unencrypted.
pub(crate) fn store_file(deal: DealId, owner: AccountId, readable: bool) {
	store_file_of(deal, owner, 1_000, false);
	Files::mutate(|files| files.get_mut(&deal).expect("just stored").readable = readable);
}

/// Put active deal `deal` of `owner`, `size` bytes long, in the mock storage market.
pub(crate) fn store_file_of(deal: DealId, owner: AccountId, size: u64, encrypted: bool) {
	Files::mutate(|files| {
		let root = [deal as u8; 32];
		files.insert(deal, StoredFile { owner, root, size, encrypted, readable: true })
	});
}

/// Salt what the mock randomness draws from now on.
pub(crate) fn set_salt(salt: u64) {
	RandomSalt::set(salt);
}

/// The seed the pallet draws for `context`, job `id` and `extra` at `block`, computed here
/// from the documented formula: `blake2_256(SCALE(subject, random))` where `subject =
/// SCALE(context, id, extra)` and `random` is the mock's randomness for `subject`.
pub(crate) fn expected_seed(context: &[u8], id: JobId, extra: u32, block: u64) -> [u8; 32] {
	let subject = (context, id, extra).encode();
	let random = sp_io::hashing::blake2_256(&(&subject[..], block, RandomSalt::get()).encode());
	sp_io::hashing::blake2_256(&(subject, random).encode())
}

/// A bounded inline byte vector.
pub(crate) fn bounded<S: polkadot_sdk::frame_support::traits::Get<u32>>(
	bytes: &[u8],
) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("within the bound")
}
