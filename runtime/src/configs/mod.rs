//! One `impl Config` per pallet of the runtime.

use crate::{
	AccountId, Babe, Balance, Balances, Block, BlockNumber, Hash, Historical, Nonce, Offences,
	PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, Session, System, UncheckedExtrinsic, Validators,
	EPOCH_DURATION_IN_SLOTS, EXISTENTIAL_DEPOSIT, HOURS, MICRO_UNIT, MILLI_UNIT,
	PROVIDER_UNBONDING_PERIOD, SLOT_DURATION, SS58_PREFIX, STORAGE_MAX_MISSED_PERIODS,
	STORAGE_PROOF_PERIOD, STORAGE_UPLOAD_WINDOW, UNIT, VERSION,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{
			fungible::{Balanced, Credit},
			tokens::imbalance::ResolveTo,
			ConstU128, ConstU32, ConstU64, ConstU8, Imbalance, KeyOwnerProofSystem, OnUnbalanced,
			VariantCountOf,
		},
		weights::{
			constants::{ExtrinsicBaseWeight, ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
			ConstantMultiplier, IdentityFee, Weight,
		},
		PalletId,
	},
	frame_system::EnsureRoot,
	frame_system::{
		self, limits::BlockLength as SystemBlockLength, limits::BlockWeights as SystemBlockWeights,
	},
	pallet_authorship, pallet_babe, pallet_balances, pallet_grandpa, pallet_offences, pallet_sudo,
	pallet_timestamp,
	pallet_transaction_payment::{self, FungibleAdapter, Multiplier, TargetedFeeAdjustment},
	sp_consensus_babe::AuthorityId as BabeId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_core::crypto::KeyTypeId,
	sp_runtime::{
		traits::{AccountIdConversion, Bounded, ConvertInto, One, OpaqueKeys},
		FixedPointNumber, Perbill, Perquintill,
	},
	sp_version::RuntimeVersion,
};

/// Share of a block that normal (non-operational) extrinsics may fill.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// The most weight a block may have.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX);

parameter_types! {
	/// The storage market's scheduled steps may use half of a block's weight.
	pub StorageScheduleWeight: Weight = Perbill::from_percent(50) * MAXIMUM_BLOCK_WEIGHT;
	/// The compute market's scheduled steps may use a quarter of it.
	pub ComputeScheduleWeight: Weight = Perbill::from_percent(25) * MAXIMUM_BLOCK_WEIGHT;
}

/// Storage reads of the fee split per extrinsic, at most: the cached block author
/// (`Authorship::Author`), on its first use in a block the digest and the session's validators,
/// then the treasury's and the author's accounts.
pub const FEE_SPLIT_READS: u64 = 5;

/// Storage writes of the fee split per extrinsic, at most: the author cache, the treasury's
/// and the author's accounts.
pub const FEE_SPLIT_WRITES: u64 = 3;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// One second of compute per 3 s block: the rest of the slot is for import,
	/// propagation and the node's worker services.
	///
	/// Each extrinsic's base weight includes the fee split ([`DealWithFees`]), which runs
	/// after dispatch and is outside every call's weight: [`FEE_SPLIT_READS`] reads and
	/// [`FEE_SPLIT_WRITES`] writes.
	pub RuntimeBlockWeights: SystemBlockWeights = SystemBlockWeights::builder()
		.for_class(DispatchClass::all(), |weights| {
			weights.base_extrinsic = ExtrinsicBaseWeight::get().saturating_add(
				ParityDbWeight::get().reads_writes(FEE_SPLIT_READS, FEE_SPLIT_WRITES),
			);
		})
		.for_class(DispatchClass::Normal, |weights| {
			weights.max_total = Some(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.for_class(DispatchClass::Operational, |weights| {
			weights.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			weights.reserved =
				Some(MAXIMUM_BLOCK_WEIGHT - NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.avg_block_initialization(Perbill::from_percent(10))
		.build_or_panic();
	pub RuntimeBlockLength: SystemBlockLength = SystemBlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	/// The block type of the runtime.
	type Block = Block;
	/// Block weight limits, per dispatch class.
	type BlockWeights = RuntimeBlockWeights;
	/// Block length limit in bytes.
	type BlockLength = RuntimeBlockLength;
	/// Account identifier: an sr25519/ed25519/ecdsa public key (MultiSigner).
	type AccountId = AccountId;
	/// Per-account transaction counter.
	type Nonce = Nonce;
	/// Block and state hash.
	type Hash = Hash;
	/// Block hashes kept for mortal transactions (one period of eras).
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDb.
	type DbWeight = ParityDbWeight;
	/// The runtime version.
	type Version = Version;
	/// Balances live in `frame_system::Account`.
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Address prefix.
	type SS58Prefix = SS58Prefix;
	/// References an account may carry (holds, providers).
	type MaxConsumers = ConstU32<16>;
	/// Weights measured on this runtime (`scripts/bench-weights.sh`).
	type SystemWeightInfo = crate::weights::frame_system::WeightInfo<Runtime>;
	type ExtensionsWeightInfo = crate::weights::frame_system_extensions::WeightInfo<Runtime>;
}

parameter_types! {
	/// An epoch of [`EPOCH_DURATION_IN_SLOTS`] slots.
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	/// With secondary slots every slot has an author, so a block per slot.
	pub const ExpectedBlockTime: u64 = SLOT_DURATION;
	/// An equivocation report is valid for a whole session: nodes that see both headers
	/// late can still report them.
	pub const ReportLongevity: u64 = EPOCH_DURATION_IN_SLOTS;
}

impl pallet_babe::Config for Runtime {
	/// One epoch is one session.
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	/// The session pallet ends epochs, so that the authorities change with the session.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	/// A disabled validator's blocks are refused.
	type DisabledValidators = Session;
	/// Weights of BABE's calls (equivocation reports) as its authors measured them.
	type WeightInfo = ();
	/// Upper bound of the authority set.
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	/// No nominators.
	type MaxNominators = ConstU32<0>;
	/// A proof that a BABE key belonged to a validator of the session it signed in.
	type KeyOwnerProof = <Historical as KeyOwnerProofSystem<(KeyTypeId, BabeId)>>::Proof;
	/// Reports are checked against the historical session roots and go to the offences
	/// pallet, which has the offender disabled and removed by the validators pallet.
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

/// The most validators the chain may have: BABE's and GRANDPA's authority bound.
pub const MAX_VALIDATORS: u32 = 32;

impl pallet_xmbl_validators::Config for Runtime {
	/// Governance (sudo on these chains) admits and removes validators (docs/chain.md).
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	/// The chain goes on with one validator; a removal or offence never takes the last.
	type MinValidators = ConstU32<1>;
	/// Each block's VRF output, read in the next block.
	type BlockVrf = pallet_babe::ParentBlockRandomness<Runtime>;
	/// Weights measured by the pallet's benchmarks.
	type WeightInfo = crate::weights::pallet_xmbl_validators::WeightInfo<Runtime>;
}

impl pallet_session::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// A validator is identified by its account.
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	/// Sessions end with BABE's epochs.
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	/// The validators pallet decides the set; the historical wrapper keeps a root of each
	/// session's keys for equivocation proofs.
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Runtime, Validators>;
	/// BABE and GRANDPA take the new authorities.
	type SessionHandler = <crate::opaque::SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = crate::opaque::SessionKeys;
	/// Up to a third of the set (rounded down) may be disabled at once, so that an offence
	/// never stops BABE or GRANDPA by itself.
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	/// Weights of `set_keys` and `purge_keys` as their authors measured them.
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	/// No deposit for keys: admission is by governance, which is the spam filter.
	type Currency = Balances;
	type KeyDeposit = ConstU128<0>;
}

impl pallet_session::historical::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Validators have no exposure to record: the account alone identifies them.
	type FullIdentification = ();
	type FullIdentificationOf = pallet_xmbl_validators::UnitIdentification;
}

impl pallet_offences::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// An offender as the historical session pallet proves it.
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	/// Offenders are disabled and removed from the validator set.
	type OnOffenceHandler = Validators;
}

impl<LocalCall> polkadot_sdk::frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Equivocation reports are unsigned transactions the node submits from its import queue.
impl<LocalCall> polkadot_sdk::frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

impl pallet_grandpa::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Weights of GRANDPA's calls (equivocation reports) as its authors measured them.
	type WeightInfo = ();
	/// Upper bound of the authority set.
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	/// No nominators: validators are admitted by governance.
	type MaxNominators = ConstU32<0>;
	/// Set ids mapped to sessions for the last 28 sessions (14 minutes here), far more than
	/// the one session an equivocation report stays valid.
	type MaxSetIdSessionEntries = ConstU64<28>;
	/// A proof that a GRANDPA key belonged to a validator of the session it voted in.
	type KeyOwnerProof = <Historical as KeyOwnerProofSystem<(KeyTypeId, GrandpaId)>>::Proof;
	/// Reports are checked against the historical session roots and go to the offences
	/// pallet, as BABE's do.
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the unix epoch.
	type Moment = u64;
	/// BABE checks each block's timestamp against its slot.
	type OnTimestampSet = Babe;
	/// Half a slot: blocks are at least that far apart.
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	/// Weights of the timestamp inherent, measured on this runtime.
	type WeightInfo = crate::weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_balances::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Holds (provider stake, escrow) are keyed by the runtime's hold reasons.
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Freezes are keyed by the runtime's freeze reasons.
	type RuntimeFreezeReason = RuntimeFreezeReason;
	/// Weights measured on this runtime.
	type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
	/// Balance type: 128 bits with 12 decimals.
	type Balance = Balance;
	/// Dust of reaped accounts is burned.
	type DustRemoval = ();
	/// 0.001 XMBL keeps an account alive.
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	/// Account data lives in `frame_system`.
	type AccountStore = System;
	/// Reserves are not used (holds are): no identifier needed.
	type ReserveIdentifier = [u8; 8];
	/// Freeze identifier: the runtime's freeze reasons.
	type FreezeIdentifier = RuntimeFreezeReason;
	/// Locks are deprecated in favour of freezes; keep a small bound.
	type MaxLocks = ConstU32<16>;
	/// Reserves are deprecated in favour of holds.
	type MaxReserves = ConstU32<0>;
	/// One freeze per reason.
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	/// Nothing to do after a hold is slashed.
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Blocks a quarter full keep fees where they are; fuller blocks raise them.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier follows block fullness: the value polkadot-sdk's relay
	/// chains use. A block filled to the normal limit raises fees by about 0.004 %;
	/// doubling them takes about 18,500 such blocks (15 hours at 3 s).
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	/// Fees never fall below the unadjusted fee.
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	/// No ceiling, as in the polkadot-sdk templates.
	pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

impl pallet_transaction_payment::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Fees are withdrawn from the sender's free balance and split by [`DealWithFees`].
	type OnChargeTransaction = FungibleAdapter<Balances, DealWithFees>;
	/// One unit of balance per picosecond of weight.
	type WeightToFee = IdentityFee<Balance>;
	/// One micro-XMBL per byte of extrinsic.
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<MICRO_UNIT>>;
	/// Fees rise while blocks are fuller than [`TargetBlockFullness`] and fall back to the
	/// floor of 1 (the fees docs/economics.md measures) while they are emptier.
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	/// Operational extrinsics pay 5x for their priority.
	type OperationalFeeMultiplier = ConstU8<5>;
	/// Weights of the payment extension, measured on this runtime.
	type WeightInfo = crate::weights::pallet_transaction_payment::WeightInfo<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Any call can be dispatched as root.
	type RuntimeCall = RuntimeCall;
	/// Weights measured on this runtime.
	type WeightInfo = crate::weights::pallet_sudo::WeightInfo<Runtime>;
}

impl pallet_authorship::Config for Runtime {
	/// The block author is the session validator whose BABE key sealed the block.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	/// Nothing else to note about authors.
	type EventHandler = ();
}

/// Percent of each transaction fee paid to the block author; the rest, and nothing of
/// the tips, goes to the treasury. Authors earn enough to include transactions rather
/// than leave them out, and most fees fund the treasury (docs/economics.md).
pub const FEE_TO_AUTHOR_PERCENT: u32 = 20;

/// Splits transaction fees: [`FEE_TO_AUTHOR_PERCENT`] of the fee and all of the tip
/// to the block author, the rest of the fee to the treasury. Nothing is burned.
pub struct DealWithFees;

impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	/// A single credit is a fee without a tip: split like any other.
	fn on_unbalanced(fees: Credit<AccountId, Balances>) {
		Self::on_unbalanceds(core::iter::once(fees))
	}

	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		let Some(fees) = fees_then_tips.next() else { return };
		let (mut to_author, to_treasury) =
			fees.ration(FEE_TO_AUTHOR_PERCENT, 100 - FEE_TO_AUTHOR_PERCENT);
		if let Some(tips) = fees_then_tips.next() {
			tips.merge_into(&mut to_author);
		}
		ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(to_treasury);
		// Without an author (blocks are always sealed by one), or if it cannot take the
		// credit, the author's part goes to the treasury as well.
		let unpaid = match pallet_authorship::Pallet::<Runtime>::author() {
			Some(author) => Balances::resolve(&author, to_author).err(),
			None => Some(to_author),
		};
		if let Some(unpaid) = unpaid {
			ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(unpaid);
		}
	}
}

parameter_types! {
	/// The treasury's account is derived from this id; no key controls it.
	pub const TreasuryPalletId: PalletId = PalletId(*b"xmbl/trs");
	/// Receives most fees and what slashes do not pay to harmed clients.
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
}

impl pallet_xmbl_providers::Config for Runtime {
	/// Stake and escrow are holds on the native token.
	type Currency = Balances;
	/// The runtime's hold reasons include the pallet's `ProviderStake` and `Escrow`.
	type RuntimeHoldReason = RuntimeHoldReason;
	/// 100 XMBL: enough that a provider who misses proofs loses something real.
	type MinStake = ConstU128<{ 100 * UNIT }>;
	/// 1 XMBL per GiB of storage capacity: the minimum stake backs 100 GiB.
	type StakePerGiB = ConstU128<UNIT>;
	/// Two and a half minutes on this development chain (see [`PROVIDER_UNBONDING_PERIOD`]).
	type UnbondingPeriod = ConstU32<PROVIDER_UNBONDING_PERIOD>;
	/// A multiaddr or URL fits in 128 bytes.
	type MaxEndpointLen = ConstU32<128>;
	/// 16 draws per provider asked for: a selection of 10 reads at most 160 entries.
	type MaxSelectionDraws = ConstU32<16>;
	/// At most 10,000 active providers per role.
	type MaxProviders = ConstU32<10_000>;
	/// The treasury account.
	type TreasuryAccount = TreasuryAccount;
	/// Only governance (sudo on this chain) spends from the treasury.
	type TreasuryOrigin = EnsureRoot<AccountId>;
	/// Weights measured by the pallet's benchmarks.
	type WeightInfo = crate::weights::pallet_xmbl_providers::WeightInfo<Runtime>;
}

impl pallet_xmbl_storage::Config for Runtime {
	/// Prices and escrow are in the native token.
	type Currency = Balances;
	/// Providers are drawn from, and escrow and stake held by, the providers pallet.
	type Registry = crate::Providers;
	type Escrow = crate::Providers;
	type Slashing = crate::Providers;
	/// Providers and challenges are drawn from the VRF outputs of every block so far
	/// (docs/chain.md: who can know or bias it, and when).
	type Randomness = Validators;
	/// Up to 16 data and 8 parity shards: a file survives the loss of up to 8 providers.
	type MaxDataShards = ConstU8<16>;
	type MaxParityShards = ConstU8<8>;
	type MaxShards = ConstU32<24>;
	/// 4 GiB shards: files up to 64 GiB at k = 16.
	type MaxShardSize = ConstU64<{ 4 << 30 }>;
	/// A million periods: about a year at 30-second periods.
	type MaxPeriods = ConstU32<1_000_000>;
	type ProofPeriod = ConstU32<STORAGE_PROOF_PERIOD>;
	/// Providers are drawn two blocks after the deal, from randomness that did not exist
	/// when it was made.
	type SelectionDelay = ConstU32<2>;
	type UploadWindow = ConstU32<STORAGE_UPLOAD_WINDOW>;
	/// Three upload windows (with reassignment) before a deal fails and is refunded.
	type MaxUploadRounds = ConstU8<3>;
	/// 4 leaves of 4 KiB per shard and period: a provider keeping half of a shard passes a
	/// period with probability 1/16, and two in a row with 1/256.
	type ChallengedLeaves = ConstU32<4>;
	type MaxMissedPeriods = ConstU8<STORAGE_MAX_MISSED_PERIODS>;
	/// 1 XMBL per missed period (1 % of the minimum stake): the owner is paid at most the
	/// missed shard-period's price from it, the treasury the rest.
	type MissedProofSlash = ConstU128<UNIT>;
	/// 100 µXMBL per shard and period at least, a tenth of the client's default price.
	type MinShardPrice = ConstU128<{ 100 * MICRO_UNIT }>;
	/// 10 mXMBL per shard held until the deal is active: what a deal that is never uploaded
	/// forfeits for the capacity it held.
	type UploadDeposit = ConstU128<{ 10 * MILLI_UNIT }>;
	/// Receives the upload deposit of shards never confirmed.
	type TreasuryAccount = TreasuryAccount;
	/// 100 mXMBL to the provider that rebuilds a lost shard.
	type RepairBounty = ConstU128<{ 100 * MILLI_UNIT }>;
	/// 1,000 deals' steps per block (10,000 per 10-block period), within the weight below;
	/// more wait for the next block.
	type MaxDealsPerBlock = ConstU32<1_000>;
	/// Half a block. A step starts only while its worst case fits (a 24-shard selection with
	/// every draw made twice: 33.8 ms by the benchmarks of an optimised node) and is charged
	/// what it did, so honest period ends (0.40 ms each) fill the 1,000 steps (401 ms, with
	/// room left for a worst case) while the largest dishonest ones run 14 per block
	/// (docs/storage.md "Per-block bounds"; the runtime test
	/// `the_storage_schedule_holds_a_worst_step_or_every_honest_one`).
	type MaxScheduleWeight = StorageScheduleWeight;
	/// 32 shards per confirmation or proof extrinsic: a full batch of proofs is at most 607 KB,
	/// a sixth of a block's length for normal extrinsics, and weighs 11.5 ms.
	type MaxBatch = ConstU32<32>;
	type ProviderUnbondingPeriod = ConstU32<PROVIDER_UNBONDING_PERIOD>;
	/// Weights measured by the pallet's benchmarks.
	type WeightInfo = crate::weights::pallet_xmbl_storage::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = StorageBenchmarkHelper;
}

/// Funds accounts and registers storage providers for the storage pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct StorageBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_xmbl_storage::BenchmarkHelper<AccountId> for StorageBenchmarkHelper {
	fn fund(who: &AccountId) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 1_000_000 * UNIT);
	}

	fn register_storage_provider(who: &AccountId, bytes: u64) {
		crate::Providers::register(
			RuntimeOrigin::signed(who.clone()),
			xmbl_primitives::ProviderRoles::Storage,
			1_000 * UNIT,
			xmbl_primitives::Capacity { bytes, compute_slots: 0 },
			b"http://127.0.0.1:8000"
				.to_vec()
				.try_into()
				.expect("endpoint within MaxEndpointLen"),
			0,
		)
		.expect("benchmark provider registers");
	}
}

impl pallet_xmbl_compute::Config for Runtime {
	/// Rewards and escrow are in the native token.
	type Currency = Balances;
	/// Workers are drawn from, and escrow and stake held by, the providers pallet (the escrow
	/// hold is shared with the storage market).
	type Registry = crate::Providers;
	type Escrow = crate::Providers;
	type Slashing = crate::Providers;
	/// Workers are drawn from the VRF outputs of every block so far, as storage providers are.
	type Randomness = Validators;
	/// Jobs read programs and inputs from the storage market's active deals.
	type StoredFiles = crate::Storage;
	/// 64 KiB of inline program and of inline input: a largest job is 139 KB, under 4 % of a
	/// block's length for normal extrinsics; larger ones are stored first.
	type MaxInlineProgram = ConstU32<{ 64 * 1024 }>;
	type MaxInlineInput = ConstU32<{ 64 * 1024 }>;
	/// 8 MiB of stored program (the job runner's module bound) and 64 MiB of stored input
	/// (what each worker fetches and holds in memory beside the job).
	type MaxStoredProgram = ConstU64<{ 8 << 20 }>;
	type MaxStoredInput = ConstU64<{ 64 << 20 }>;
	/// 32 arguments of up to 256 bytes: a command line, not a data channel.
	type MaxArgs = ConstU32<32>;
	type MaxArgLen = ConstU32<256>;
	/// 10^10 fuel (1–2 s of SHA-256 on the reference machine) and 256 MiB of memory: the job
	/// runner's default limits, which every worker can give.
	type MaxFuel = ConstU64<10_000_000_000>;
	type MaxMemory = ConstU64<{ 256 << 20 }>;
	/// Up to 7 replicas, a majority of 4; 3 commit rounds replace workers that miss theirs.
	type MaxReplicas = ConstU8<7>;
	type MaxRounds = ConstU8<3>;
	/// 1 mXMBL per replica at least: every job pays each worker it occupies something.
	type MinJobReward = ConstU128<MILLI_UNIT>;
	/// Workers are drawn two blocks after the job, from randomness that did not exist when it
	/// was submitted.
	type SelectionDelay = ConstU32<2>;
	/// A minute to fetch, run and commit; 30 s to reveal.
	type CommitWindow = ConstU32<20>;
	type RevealWindow = ConstU32<10>;
	/// 12 hours, far beyond the 72 blocks of a job's three rounds (2 + 3 × 20 + 10): a
	/// deadline ends only a job that a full schedule carried over for that long.
	type MaxDeadline = ConstU32<{ 12 * HOURS }>;
	/// 10 XMBL for a result other than the final one (10 % of the minimum stake), 1 XMBL for a
	/// missed commitment or reveal, as for a missed storage proof.
	type WrongResultSlash = ConstU128<{ 10 * UNIT }>;
	type MissedJobSlash = ConstU128<UNIT>;
	/// Outputs up to 16 KiB are revealed on chain; up to 16 MiB are kept by the workers and
	/// revealed by hash and length.
	type MaxInlineOutput = ConstU32<{ 16 * 1024 }>;
	type MaxKeptOutput = ConstU64<{ 16 << 20 }>;
	/// Results (and kept outputs) stay 12 hours after a job ends, then are pruned.
	type OutputRetention = ConstU32<{ 12 * HOURS }>;
	/// 500 jobs' steps per block at most; the weight below binds first for every step but a
	/// pruning (docs/compute.md "Per-block bounds"; the runtime test
	/// `the_compute_schedule_holds_a_worst_step_or_every_honest_pruning`).
	type MaxJobsPerBlock = ConstU32<500>;
	/// A quarter of a block (250 ms): a step starts only while its worst case (7 workers
	/// missing their commitments, slashed and replaced) fits, and is charged that case.
	type MaxScheduleWeight = ComputeScheduleWeight;
	/// The pallet's estimates, pending `scripts/bench-weights.sh pallet_xmbl_compute`.
	type WeightInfo = crate::weights::pallet_xmbl_compute::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ComputeBenchmarkHelper;
}

/// Funds accounts and registers compute providers for the compute pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ComputeBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_xmbl_compute::BenchmarkHelper<AccountId> for ComputeBenchmarkHelper {
	fn fund(who: &AccountId) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		Balances::set_balance(who, 1_000_000 * UNIT);
	}

	fn register_compute_provider(who: &AccountId, slots: u32) {
		crate::Providers::register(
			RuntimeOrigin::signed(who.clone()),
			xmbl_primitives::ProviderRoles::Compute,
			1_000 * UNIT,
			xmbl_primitives::Capacity { bytes: 0, compute_slots: slots },
			b"http://127.0.0.1:8000"
				.to_vec()
				.try_into()
				.expect("endpoint within MaxEndpointLen"),
			0,
		)
		.expect("benchmark provider registers");
	}
}
