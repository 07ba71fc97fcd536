//! Unit tests: a mock runtime with pallet-balances and the real providers pallet (registry,
//! escrow and slashing), real manifests and shards made by the file-format pipeline, and real
//! Merkle proofs. Every test runs through [`ExtBuilder::build_and_execute`], which checks both
//! pallets' invariants when the test body ends (the two that drive the externalities
//! themselves, `invariants` and the read-counting test in `deadlines`, check them on their
//! own).
//!
//! One file per area: `deals` (create, renew, cancel), `upload` (selection, confirmation,
//! activation, reassignment, failure), `proofs`, `deadlines` (period ends, repair, deal end,
//! the per-block budget), `leaving` (shards handed back, providers leaving), `randomness`,
//! `duties` (`provider_duties`) and `invariants` (random operations).

use crate as pallet_xmbl_storage;
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
use xmbl_file_format::{EncodeParams, FileSecret, Manifest};
use xmbl_primitives::{Capacity, ProviderRegistry, ProviderRoles, ProviderSummary};

mod deadlines;
mod deals;
mod duties;
mod invariants;
mod leaving;
mod proofs;
mod randomness;
mod upload;

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;
pub(crate) type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Providers: pallet_xmbl_providers,
		Storage: pallet_xmbl_storage,
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
/// The treasury account.
pub(crate) const TREASURY: AccountId = 99;
/// Each endowed account's balance.
pub(crate) const ENDOWMENT: Balance = 1_000_000;
/// Blocks per proof period.
pub(crate) const PERIOD: u64 = 10;
/// Blocks from a deal to its selection.
pub(crate) const SELECTION_DELAY: u64 = 2;
/// Blocks to confirm an assigned shard.
pub(crate) const UPLOAD_WINDOW: u64 = 5;
/// Periods missed in a row before a shard is lost.
pub(crate) const MAX_MISSED: u8 = 2;
/// The slash per missed period.
pub(crate) const MISSED_SLASH: Balance = 50;
/// The repair bounty.
pub(crate) const BOUNTY: Balance = 30;
/// The lowest price per shard and period.
pub(crate) const MIN_SHARD_PRICE: Balance = 2;
/// The upload deposit per shard.
pub(crate) const UPLOAD_DEPOSIT: Balance = 5;
/// Leaves challenged per shard and period.
pub(crate) const CHALLENGED: u32 = 4;
/// The providers' unbonding period.
pub(crate) const UNBONDING: u64 = 100;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<ED>;
}

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	/// Per test: mixed into the mock randomness, so a test can change what a block draws.
	pub static RandomSalt: u64 = 0;
	/// Per test: `ExtBuilder::max_deals_per_block` sets it.
	pub static MaxDealsPerBlock: u32 = 16;
	/// Per test, unbounded unless a test sets it.
	pub static MaxScheduleWeight: Weight = Weight::MAX;
	/// Per test: the `(block, subject)` of every draw of the mock randomness, in order.
	pub static RandomDraws: Vec<(u64, Vec<u8>)> = Vec::new();
}

impl pallet_xmbl_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinStake = ConstU64<MIN_STAKE>;
	type StakePerGiB = ConstU64<1>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxEndpointLen = ConstU32<64>;
	type MaxSelectionDraws = ConstU32<16>;
	type MaxProviders = ConstU32<1_000>;
	type TreasuryAccount = TreasuryAccount;
	type TreasuryOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

/// Randomness that depends on the block number, the subject and [`RandomSalt`] only: a test
/// knows what each block draws and can change it.
pub struct MockRandomness;

impl Randomness<H256, u64> for MockRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let block = System::block_number();
		RandomDraws::mutate(|draws| draws.push((block, subject.to_vec())));
		let input = (subject, block, RandomSalt::get()).encode();
		(H256(sp_io::hashing::blake2_256(&input)), block)
	}
}

impl pallet_xmbl_storage::Config for Test {
	type Currency = Balances;
	type Registry = Providers;
	type Escrow = Providers;
	type Slashing = Providers;
	type Randomness = MockRandomness;
	type MaxDataShards = ConstU8<8>;
	type MaxParityShards = ConstU8<4>;
	type MaxShards = ConstU32<12>;
	type MaxShardSize = ConstU64<{ 1 << 20 }>;
	type MaxPeriods = ConstU32<100>;
	type ProofPeriod = ConstU64<PERIOD>;
	type SelectionDelay = ConstU64<SELECTION_DELAY>;
	type UploadWindow = ConstU64<UPLOAD_WINDOW>;
	type MaxUploadRounds = ConstU8<3>;
	type ChallengedLeaves = ConstU32<CHALLENGED>;
	type MaxMissedPeriods = ConstU8<MAX_MISSED>;
	type MissedProofSlash = ConstU64<MISSED_SLASH>;
	type RepairBounty = ConstU64<BOUNTY>;
	type MinShardPrice = ConstU64<MIN_SHARD_PRICE>;
	type UploadDeposit = ConstU64<UPLOAD_DEPOSIT>;
	type TreasuryAccount = TreasuryAccount;
	type MaxDealsPerBlock = MaxDealsPerBlock;
	type MaxScheduleWeight = MaxScheduleWeight;
	type MaxBatch = ConstU32<16>;
	type ProviderUnbondingPeriod = ConstU64<UNBONDING>;
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

	fn register_storage_provider(who: &AccountId, bytes: u64) {
		assert_ok!(Providers::register(
			RuntimeOrigin::signed(*who),
			ProviderRoles::Storage,
			MIN_STAKE * 10,
			Capacity { bytes, compute_slots: 0 },
			b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
			0,
		));
	}
}

/// Builds the test externalities: accounts `1..=20` endowed, the treasury alive, and
/// `providers` storage providers registered (accounts `1..=providers`).
pub(crate) struct ExtBuilder {
	providers: u64,
	max_deals_per_block: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { providers: 8, max_deals_per_block: 16 }
	}
}

/// The account that makes deals in the tests.
pub(crate) const OWNER: AccountId = 100;
/// Another account with a balance.
pub(crate) const OTHER: AccountId = 101;

impl ExtBuilder {
	/// Register `count` storage providers (accounts `1..=count`).
	pub(crate) fn providers(mut self, count: u64) -> Self {
		self.providers = count;
		self
	}

	/// Run at most `max` deals' steps per block.
	pub(crate) fn max_deals_per_block(mut self, max: u32) -> Self {
		self.max_deals_per_block = max;
		self
	}

	pub(crate) fn build(self) -> sp_io::TestExternalities {
		RandomSalt::set(0);
		RandomDraws::set(Vec::new());
		MaxDealsPerBlock::set(self.max_deals_per_block);
		MaxScheduleWeight::set(Weight::MAX);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(AccountId, Balance)> =
			(1..=20).map(|who| (who, ENDOWMENT)).collect();
		balances.extend([(TREASURY, ED), (OWNER, ENDOWMENT), (OTHER, ENDOWMENT)]);
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		let providers = self.providers;
		ext.execute_with(|| {
			System::set_block_number(1);
			for who in 1..=providers {
				assert_ok!(Providers::register(
					RuntimeOrigin::signed(who),
					ProviderRoles::Storage,
					STAKE,
					Capacity { bytes: 10 << 20, compute_slots: 0 },
					b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
					0,
				));
			}
		});
		ext
	}

	/// Run `test`, then check both pallets' invariants.
	pub(crate) fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Storage::do_try_state().expect("storage invariants hold after the test");
			assert_escrow_is_what_deals_owe();
			Providers::do_try_state().expect("provider invariants hold after the test");
		});
	}
}

/// The mock has no other market: each owner's escrow hold is exactly what its deals owe
/// (`do_try_state` can only check that the shared hold covers it).
pub(crate) fn assert_escrow_is_what_deals_owe() {
	for (owner, total) in Storage::escrow_owed() {
		assert_eq!(escrowed(owner), total, "escrow of {owner} differs from what its deals owe");
	}
}

/// A file encoded by the real pipeline: its manifest and shards.
pub(crate) struct StoredFile {
	pub manifest: Manifest,
	pub shards: Vec<Vec<u8>>,
}

/// Encode `len` pseudo-random bytes (from `seed`) as `k + m` shards, unencrypted.
pub(crate) fn encode_file(len: usize, k: u8, m: u8, seed: u64) -> StoredFile {
	use rand::{RngCore, SeedableRng};
	let mut data = vec![0u8; len];
	rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut data);
	let mut shards: Vec<Vec<u8>> = vec![Vec::new(); usize::from(k + m)];
	let mut params = EncodeParams::new(k, m);
	params.segment_size = 64 << 10;
	let manifest = xmbl_file_format::encode(&data[..], &params, FileSecret::Public, &mut shards)
		.expect("the pipeline encodes");
	StoredFile { manifest, shards }
}

/// Run `on_initialize` of every block after the current one up to `n`.
pub(crate) fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Providers::on_initialize(next);
		Storage::on_initialize(next);
	}
}

/// The events of this pallet so far.
pub(crate) fn storage_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Storage(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The price per shard and period most tests use.
pub(crate) const PRICE: Balance = 7;
/// Periods most tests buy.
pub(crate) const PERIODS: u32 = 3;
/// `k` and `m` of the standard test file.
pub(crate) const K: u8 = 4;
pub(crate) const M: u8 = 2;
/// Shards of the standard test file.
pub(crate) const SHARDS: u32 = (K + M) as u32;
/// Bytes of the standard test file: two segments (64 KiB and 34,464 bytes), so each shard
/// is 16,384 + 8,616 = 25,000 bytes: seven leaves, the last one 424 bytes long.
pub(crate) const FILE_LEN: usize = 100_000;
/// Bytes of every shard of the standard test file.
pub(crate) const SHARD_SIZE: u64 = 25_000;

/// The standard test file (4 + 2 shards), its bytes drawn from `seed`.
pub(crate) fn test_file(seed: u64) -> StoredFile {
	encode_file(FILE_LEN, K, M, seed)
}

/// What a deal of `shards` shards holds in its `escrow`, `parity` of them parity shards (the
/// upload deposit, `UPLOAD_DEPOSIT × shards`, is held besides it until the deal is active).
pub(crate) fn escrow_for(shards: u32, parity: u8, periods: u32, price: Balance) -> Balance {
	price * Balance::from(shards) * Balance::from(periods) + BOUNTY * Balance::from(parity)
}

/// What a standard deal holds in its `escrow`: `PRICE × 6 × PERIODS + BOUNTY × 2` = 186.
pub(crate) const STANDARD_ESCROW: Balance =
	PRICE * SHARDS as Balance * PERIODS as Balance + BOUNTY * M as Balance;
/// The upload deposit of a standard deal: `UPLOAD_DEPOSIT × 6` = 30.
pub(crate) const STANDARD_DEPOSIT: Balance = UPLOAD_DEPOSIT * SHARDS as Balance;

/// A consistent manifest of a public file of `plaintext` bytes in 1 MiB segments and `k + m`
/// shards whose roots are made up: enough for `create_deal`, which never sees the bytes.
pub(crate) fn manifest_of(plaintext: u64, k: u8, m: u8) -> Manifest {
	let mut manifest = Manifest {
		version: xmbl_file_format::FORMAT_VERSION,
		plaintext_size: plaintext,
		segment_size: 1 << 20,
		data_shards: k,
		parity_shards: m,
		encryption: xmbl_file_format::Encryption::None,
		shards: Vec::new(),
		file_root: [0; 32],
	};
	let size = manifest.shard_size();
	manifest.shards = (0..k + m)
		.map(|i| xmbl_file_format::ShardInfo { root: [i; 32], size })
		.collect();
	manifest.file_root = manifest.compute_file_root();
	manifest
}

/// `create_deal` for `file`, signed by `owner`; the new deal's id.
pub(crate) fn create(owner: AccountId, file: &StoredFile, periods: u32, price: Balance) -> DealId {
	let id = NextDealId::<Test>::get();
	assert_ok!(Storage::create_deal(
		RuntimeOrigin::signed(owner),
		file.manifest.clone(),
		periods,
		price
	));
	id
}

/// The live deal `id`.
pub(crate) fn deal(id: DealId) -> Deal<Test> {
	Deals::<Test>::get(id).expect("a live deal")
}

/// The providers of deal `id`'s shards, in shard order (`None` where unassigned).
pub(crate) fn shard_providers(id: DealId) -> Vec<Option<AccountId>> {
	deal(id).shards.iter().map(|shard| shard.provider).collect()
}

/// The providers of deal `id`'s shards, in shard order; every shard must have one.
pub(crate) fn providers_of(id: DealId) -> Vec<AccountId> {
	shard_providers(id).into_iter().map(|p| p.expect("an assigned shard")).collect()
}

/// Run to deal `id`'s selection block; its providers in shard order.
pub(crate) fn run_selection(id: DealId) -> Vec<AccountId> {
	let deal = deal(id);
	assert_eq!(deal.status, DealStatus::Selecting);
	run_to_block(deal.due);
	providers_of(id)
}

/// `confirm_shards` of `shards`, signed by `provider`.
pub(crate) fn confirm(provider: AccountId, shards: &[(DealId, u8)]) -> DispatchResultWithPostInfo {
	Storage::confirm_shards(RuntimeOrigin::signed(provider), shards.to_vec().try_into().unwrap())
}

/// Every pending shard of deal `id`, confirmed by its provider.
pub(crate) fn confirm_pending(id: DealId) {
	for (number, shard) in deal(id).shards.iter().enumerate() {
		if matches!(shard.state, ShardState::Pending { .. }) {
			assert_ok!(confirm(shard.provider.unwrap(), &[(id, number as u8)]));
		}
	}
}

/// A deal for `file` by `owner`, its providers selected and every shard confirmed: active,
/// in period 0. Its providers in shard order.
pub(crate) fn active_deal(
	owner: AccountId,
	file: &StoredFile,
	periods: u32,
	price: Balance,
) -> (DealId, Vec<AccountId>) {
	let id = create(owner, file, periods, price);
	let providers = run_selection(id);
	confirm_pending(id);
	assert_eq!(deal(id).status, DealStatus::Active);
	(id, providers)
}

/// The bytes of leaves `indices` of `shard` and one Merkle proof for them.
pub(crate) fn leaves_and_proof(
	shard: &[u8],
	indices: &[u64],
) -> (BoundedVec<BoundedVec<u8, LeafLen>, <Test as Config>::ChallengedLeaves>, xmbl_merkle::Proof) {
	let layout = xmbl_merkle::Layout::new(shard.len() as u64);
	let (_, outboard) = xmbl_merkle::outboard(shard);
	let proof = xmbl_merkle::prove(&layout, shard, &outboard, indices).expect("provable leaves");
	let leaves: Vec<BoundedVec<u8, LeafLen>> = indices
		.iter()
		.map(|&index| {
			let (start, len) = layout.leaf_range(index).expect("a leaf of the shard");
			shard[start as usize..(start + len) as usize].to_vec().try_into().unwrap()
		})
		.collect();
	(leaves.try_into().expect("at most CHALLENGED leaves"), proof)
}

/// A proof of leaves `indices` of `shard` (the bytes of shard `number` of deal `id`) for
/// `period`.
pub(crate) fn proof_of(
	id: DealId,
	number: u8,
	period: u32,
	shard: &[u8],
	indices: &[u64],
) -> ShardProof<Test> {
	let (leaves, proof) = leaves_and_proof(shard, indices);
	ShardProof { deal: id, shard: number, period, leaves, proof }
}

/// The honest proof of shard `number` of deal `id` for the deal's current period, from the
/// shard's bytes: the leaves `Storage::challenge` names for the period's seed.
pub(crate) fn honest_proof(id: DealId, number: u8, file: &StoredFile) -> ShardProof<Test> {
	let deal = deal(id);
	let indices = Storage::challenge(&deal.seed, number, deal.shard_size);
	proof_of(id, number, deal.period, &file.shards[usize::from(number)], &indices)
}

/// `submit_proofs` of `proofs`, signed by `provider`.
pub(crate) fn submit(
	provider: AccountId,
	proofs: Vec<ShardProof<Test>>,
) -> DispatchResultWithPostInfo {
	Storage::submit_proofs(RuntimeOrigin::signed(provider), proofs.try_into().unwrap())
}

/// Every shard of deal `id` listed in `shards`, proven by its provider for the current period.
pub(crate) fn prove(id: DealId, file: &StoredFile, shards: impl IntoIterator<Item = u8>) {
	for number in shards {
		let provider = deal(id).shards[usize::from(number)].provider.unwrap();
		assert_ok!(submit(provider, vec![honest_proof(id, number, file)]));
	}
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

/// The registry's record of provider `who`.
pub(crate) fn provider(who: AccountId) -> ProviderSummary<Balance> {
	<Providers as ProviderRegistry<AccountId, Balance>>::provider(&who).expect("registered")
}

/// The live assignments of provider `who`.
pub(crate) fn live_assignments(who: AccountId) -> u32 {
	pallet_xmbl_providers::Providers::<Test>::get(who)
		.expect("registered")
		.live_assignments
}

/// The stake each mock provider registers with.
pub(crate) const STAKE: Balance = MIN_STAKE * 10;

/// Register `who` as a storage provider like the builder's providers.
pub(crate) fn register_provider(who: AccountId) {
	assert_ok!(Providers::register(
		RuntimeOrigin::signed(who),
		ProviderRoles::Storage,
		STAKE,
		Capacity { bytes: 10 << 20, compute_slots: 0 },
		b"http://127.0.0.1:8000".to_vec().try_into().unwrap(),
		0,
	));
}

/// The last event of this pallet.
pub(crate) fn last_event() -> Event<Test> {
	storage_events().pop().expect("an event of the storage pallet")
}

/// This pallet's events since the events were last reset, and reset them.
pub(crate) fn take_events() -> Vec<Event<Test>> {
	let events = storage_events();
	System::reset_events();
	events
}

/// Salt what the mock randomness draws from now on (see [`RandomSalt`]).
pub(crate) fn set_salt(salt: u64) {
	RandomSalt::set(salt);
}

#[test]
fn the_standard_file_has_the_documented_shape() {
	let file = test_file(1);
	assert_eq!(file.manifest.shard_size(), SHARD_SIZE);
	assert_eq!(file.shards.len(), SHARDS as usize);
	assert!(file.shards.iter().all(|shard| shard.len() as u64 == SHARD_SIZE));
	assert_eq!(xmbl_merkle::Layout::new(SHARD_SIZE).leaf_count(), 7);
	for (shard, info) in file.shards.iter().zip(&file.manifest.shards) {
		assert_eq!(blake3_root(shard), info.root);
	}
	assert_eq!(STANDARD_ESCROW, escrow_for(SHARDS, M, PERIODS, PRICE));
	assert_eq!(STANDARD_ESCROW, 186);
}

/// The BLAKE3 hash of `bytes`, as the merkle crate computes it.
pub(crate) fn blake3_root(bytes: &[u8]) -> Root {
	*xmbl_merkle::outboard(bytes).0.as_bytes()
}

/// The seed the pallet draws for `context`, deal `id` and `extra` at `block`, computed here
/// from the documented formula rather than by the pallet's own function, so a broken seed
/// function fails the tests that compare against it: `blake2_256(SCALE(subject, random))`
/// where `subject = SCALE(context, id, extra)` and `random` is the runtime's randomness for
/// `subject` (the mock's: `blake2_256(SCALE(subject, block, RandomSalt))`).
pub(crate) fn expected_seed(context: &[u8], id: DealId, extra: u32, block: u64) -> [u8; 32] {
	let subject = (context, id, extra).encode();
	let random = sp_io::hashing::blake2_256(&(&subject[..], block, RandomSalt::get()).encode());
	sp_io::hashing::blake2_256(&(subject, random).encode())
}
