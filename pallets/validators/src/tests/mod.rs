//! Unit tests on a mock runtime with the session pallet (historical), balances and a VRF
//! output the test sets. Sessions last [`SESSION_LENGTH`] blocks.

use crate as pallet_xmbl_validators;
use crate::*;
use codec::Encode;
use polkadot_sdk::{
	frame_support::{
		self, derive_impl, parameter_types,
		traits::{ConstU32, ConstU64, Hooks, Randomness},
	},
	frame_system::{self, EnsureRoot},
	pallet_balances, sp_io,
	sp_runtime::{
		testing::{TestSignature, UintAuthorityId},
		traits::ConvertInto,
		BuildStorage,
	},
	sp_staking::SessionIndex,
};

mod membership;
mod offences;
mod randomness;

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Validators: pallet_xmbl_validators,
		Session: pallet_session,
		Historical: pallet_session::historical,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// Blocks per session in the mock.
pub(crate) const SESSION_LENGTH: u64 = 5;
/// Most validators of the mock.
pub(crate) const MAX_VALIDATORS: u32 = 5;

parameter_types! {
	/// The parent block's VRF output, as the test sets it.
	pub static ParentVrf: Option<sp_core::H256> = None;
}

/// BABE's `ParentBlockRandomness`, with the output the test sets.
pub struct TestVrf;
impl Randomness<Option<sp_core::H256>, u64> for TestVrf {
	fn random(subject: &[u8]) -> (Option<sp_core::H256>, u64) {
		use polkadot_sdk::sp_runtime::traits::Hash;
		let output = ParentVrf::get()
			.map(|vrf| polkadot_sdk::sp_runtime::traits::BlakeTwo256::hash_of(&(subject, vrf)));
		(output, System::block_number().saturating_sub(1))
	}
}
use polkadot_sdk::sp_core;

/// Records the validators the session pallet hands to consensus.
pub struct TestSessionHandler;
parameter_types! {
	pub static Active: Vec<AccountId> = Vec::new();
	pub static Disabled: Vec<u32> = Vec::new();
}
impl pallet_session::SessionHandler<AccountId> for TestSessionHandler {
	const KEY_TYPE_IDS: &'static [sp_core::crypto::KeyTypeId] = &[UintAuthorityId::ID];
	fn on_genesis_session<K: sp_runtime_keys::OpaqueKeys>(validators: &[(AccountId, K)]) {
		Active::set(validators.iter().map(|(v, _)| *v).collect());
	}
	fn on_new_session<K: sp_runtime_keys::OpaqueKeys>(
		_changed: bool,
		validators: &[(AccountId, K)],
		_queued: &[(AccountId, K)],
	) {
		Active::set(validators.iter().map(|(v, _)| *v).collect());
	}
	fn on_disabled(index: u32) {
		Disabled::mutate(|disabled| disabled.push(index));
	}
}
use polkadot_sdk::sp_runtime::traits as sp_runtime_keys;
use polkadot_sdk::sp_runtime::RuntimeAppPublic;

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<ConstU64<SESSION_LENGTH>, ConstU64<0>>;
	type NextSessionRotation = ();
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Test, Validators>;
	type SessionHandler = TestSessionHandler;
	type Keys = UintAuthorityId;
	/// Disable up to a third of the set (rounded down, at least one where the set has 4).
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

impl pallet_session::historical::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = crate::UnitIdentification;
}

impl Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type MinValidators = ConstU32<2>;
	type BlockVrf = TestVrf;
	type WeightInfo = ();
}

/// A test chain whose genesis validators are `validators` (each with its account number as
/// its session key), and accounts 1 to 10 funded.
pub(crate) fn new_test_ext(validators: &[AccountId]) -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=10).map(|who| (who, 1_000)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_xmbl_validators::GenesisConfig::<Test> { validators: validators.to_vec() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: validators.iter().map(|&v| (v, v, UintAuthorityId(v))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		ParentVrf::set(None);
		Disabled::set(Vec::new());
	});
	ext
}

/// Registers session key `who` for account `who`, with a valid ownership proof.
pub(crate) fn set_keys(who: AccountId) {
	let proof = TestSignature(who, who.encode()).encode();
	Session::set_keys(RuntimeOrigin::signed(who), UintAuthorityId(who), proof)
		.expect("a funded account sets its keys");
}

/// Runs blocks until `block`, with the hooks of the session and validators pallets.
pub(crate) fn run_to_block(block: u64) {
	while System::block_number() < block {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Validators::on_initialize(next);
		Session::on_initialize(next);
	}
}

/// Runs blocks until session `index` has started.
pub(crate) fn run_to_session(index: SessionIndex) {
	run_to_block(index as u64 * SESSION_LENGTH);
	assert_eq!(Session::current_index(), index);
}

/// The events the validators pallet deposited, oldest first.
pub(crate) fn validator_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Validators(event) => Some(event),
			_ => None,
		})
		.collect()
}
