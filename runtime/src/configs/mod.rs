//! One `impl Config` per pallet of the runtime.

use crate::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	System, EXISTENTIAL_DEPOSIT, MICRO_UNIT, MILLI_UNIT, PROVIDER_UNBONDING_PERIOD, SLOT_DURATION,
	SS58_PREFIX, STORAGE_MAX_MISSED_PERIODS, STORAGE_PROOF_PERIOD, STORAGE_UPLOAD_WINDOW, UNIT,
	VERSION,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{
			fungible::{Balanced, Credit},
			tokens::imbalance::ResolveTo,
			ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, FindAuthor, Imbalance, OnUnbalanced,
			Randomness, VariantCountOf,
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
	pallet_aura, pallet_authorship, pallet_balances, pallet_grandpa, pallet_sudo, pallet_timestamp,
	pallet_transaction_payment::{self, FungibleAdapter, Multiplier, TargetedFeeAdjustment},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_core::{sr25519, Void},
	sp_runtime::{
		traits::{AccountIdConversion, BlakeTwo256, Bounded, Hash as HashT, One},
		ConsensusEngineId, FixedPointNumber, Perbill, Perquintill,
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
}

/// Storage reads of the fee split per extrinsic, at most: the cached block author
/// (`Authorship::Author`), on its first use in a block the digest and the Aura authorities,
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
}

impl pallet_aura::Config for Runtime {
	/// Aura authorities sign blocks with sr25519.
	type AuthorityId = AuraId;
	/// No validator is ever disabled: there is no staking/slashing of validators yet.
	type DisabledValidators = ();
	/// Upper bound of the authority set.
	type MaxAuthorities = ConstU32<32>;
	/// One block per slot.
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	/// Slot duration derived from the timestamp pallet's minimum period.
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Weights of GRANDPA's calls.
	type WeightInfo = ();
	/// Upper bound of the authority set.
	type MaxAuthorities = ConstU32<32>;
	/// No nominators: this is a proof-of-authority validator set.
	type MaxNominators = ConstU32<0>;
	/// No equivocation reporting, so no set-id to session mapping is kept.
	type MaxSetIdSessionEntries = ConstU64<0>;
	/// Equivocation proofs are not accepted (no session pallet to prove key ownership).
	type KeyOwnerProof = Void;
	/// No equivocation reporting.
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the unix epoch.
	type Moment = u64;
	/// Aura checks each block's timestamp against its slot.
	type OnTimestampSet = Aura;
	/// Half a slot, so that Aura's slot is `2 * MinimumPeriod`.
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	/// Weights of the timestamp inherent.
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Holds (provider stake, escrow) are keyed by the runtime's hold reasons.
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Freezes are keyed by the runtime's freeze reasons.
	type RuntimeFreezeReason = RuntimeFreezeReason;
	/// Weights generated for pallet-balances by its authors.
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
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
	/// Weights of the payment extension.
	type WeightInfo = ();
}

impl pallet_sudo::Config for Runtime {
	/// The overarching event type.
	type RuntimeEvent = RuntimeEvent;
	/// Any call can be dispatched as root.
	type RuntimeCall = RuntimeCall;
	/// Weights generated for pallet-sudo by its authors.
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// The Aura authority that sealed a block, as an account: validators' Aura keys are
/// sr25519 keys, and an sr25519 public key is an account id.
pub struct AuraAuthorAccount;

impl FindAuthor<AccountId> for AuraAuthorAccount {
	fn find_author<'a, I>(digests: I) -> Option<AccountId>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		let index = pallet_aura::Pallet::<Runtime>::find_author(digests)?;
		let authority = pallet_aura::Authorities::<Runtime>::get().get(index as usize)?.clone();
		Some(sr25519::Public::from(authority).into())
	}
}

impl pallet_authorship::Config for Runtime {
	/// The block author is the Aura authority of the block's slot.
	type FindAuthor = AuraAuthorAccount;
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

/// Randomness from the parent block's hash, mixed with the subject.
///
/// Nobody but the parent block's author knows it before that block is sealed, which is what
/// the storage market needs against anyone steering selection by ordering transactions: it
/// draws a deal's providers `SelectionDelay` blocks after the deal, and a period's challenges
/// when the period starts. The parent block's author can still grind it (try many blocks
/// and keep the one whose hash suits it); docs/storage.md weighs this, and BABE's VRF
/// output is the planned replacement.
pub struct ParentHashRandomness;

impl Randomness<Hash, BlockNumber> for ParentHashRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		let block = System::block_number();
		(BlakeTwo256::hash_of(&(subject, System::parent_hash())), block.saturating_sub(1))
	}
}

impl pallet_xmbl_storage::Config for Runtime {
	/// Prices and escrow are in the native token.
	type Currency = Balances;
	/// Providers are drawn from, and escrow and stake held by, the providers pallet.
	type Registry = crate::Providers;
	type Escrow = crate::Providers;
	type Slashing = crate::Providers;
	type Randomness = ParentHashRandomness;
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
	/// 1 XMBL per missed period (1 % of the minimum stake), paid to the owner first.
	type MissedProofSlash = ConstU128<UNIT>;
	/// 100 mXMBL to the provider that rebuilds a lost shard.
	type RepairBounty = ConstU128<{ 100 * MILLI_UNIT }>;
	/// 40 deals' steps per block (400 per 10-block period), within the weight below; more
	/// wait for the next block.
	type MaxDealsPerBlock = ConstU32<40>;
	/// Half a block. A step starts only while its worst case fits (24 shards all lost and
	/// drawn anew: 415 ms by the benchmarks, which ran on a debug build of the node and
	/// overstate) and is charged what it did, so honest period ends (1.9 ms each) fill the
	/// 40 steps while the largest dishonest ones run one per block (docs/storage.md; the
	/// runtime test `the_storage_schedule_holds_a_worst_step_or_every_honest_one`).
	type MaxScheduleWeight = StorageScheduleWeight;
	/// 32 shards per confirmation or proof extrinsic.
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
		)
		.expect("benchmark provider registers");
	}
}
