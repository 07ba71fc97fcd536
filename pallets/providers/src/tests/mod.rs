//! Unit tests: a mock runtime with pallet-balances, an `ExtBuilder`, and one file per area.
//! Every test runs through [`ExtBuilder::build_and_execute`], which checks the pallet's
//! invariants (`do_try_state`) when the test body ends.

use crate as pallet_xmbl_providers;
use crate::*;
use polkadot_sdk::frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{fungible::InspectHold, ConstU32, ConstU64},
};
use polkadot_sdk::{
	frame_support, frame_system, frame_system::EnsureRoot, pallet_balances, sp_io,
	sp_runtime::BuildStorage,
};

mod escrow;
mod invariants;
mod registration;
mod selection;
mod slashing;
mod unbonding;

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;
pub(crate) type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Registry: pallet_xmbl_providers,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

/// The existential deposit of the mock.
pub(crate) const ED: Balance = 10;
/// The minimum stake of the mock.
pub(crate) const MIN_STAKE: Balance = 100;
/// The unbonding period of the mock, in blocks.
pub(crate) const UNBONDING: u64 = 10;
/// The longest endpoint of the mock.
pub(crate) const MAX_ENDPOINT: u32 = 32;
/// The treasury account of the mock; endowed with the existential deposit at genesis.
pub(crate) const TREASURY: AccountId = 99;
/// Each of the accounts `1..=ACCOUNTS` starts with this balance.
pub(crate) const ENDOWMENT: Balance = 10_000;
/// The number of endowed ordinary accounts.
pub(crate) const ACCOUNTS: u64 = 8;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<ED>;
}

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	/// Per test: `ExtBuilder::max_providers` sets it.
	pub static MaxProviders: u32 = 10_000;
}

impl pallet_xmbl_providers::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinStake = ConstU64<MIN_STAKE>;
	type StakePerGiB = ConstU64<1>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxEndpointLen = ConstU32<MAX_ENDPOINT>;
	type MaxSelectionDraws = ConstU32<16>;
	type MaxProviders = MaxProviders;
	type TreasuryAccount = TreasuryAccount;
	type TreasuryOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
}

/// Builds the test externalities: accounts `1..=8` endowed, the treasury alive.
pub(crate) struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
	max_providers: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		let mut balances: Vec<(AccountId, Balance)> =
			(1..=ACCOUNTS).map(|who| (who, ENDOWMENT)).collect();
		balances.push((TREASURY, ED));
		Self { balances, max_providers: 10_000 }
	}
}

impl ExtBuilder {
	/// Give `who` a balance of `amount` (replacing any endowment).
	pub(crate) fn balance(mut self, who: AccountId, amount: Balance) -> Self {
		self.balances.retain(|(account, _)| *account != who);
		self.balances.push((who, amount));
		self
	}

	/// Bound each role index to `max` providers.
	pub(crate) fn max_providers(mut self, max: u32) -> Self {
		self.max_providers = max;
		self
	}

	/// The externalities at block 1 (so events are recorded).
	pub(crate) fn build(self) -> sp_io::TestExternalities {
		MaxProviders::set(self.max_providers);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub(crate) fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Registry::do_try_state().expect("invariants hold after the test");
		});
	}
}

/// `text` as an endpoint argument; panics if it is longer than the mock's limit.
pub(crate) fn endpoint(text: &str) -> EndpointOf<Test> {
	text.as_bytes().to_vec().try_into().expect("endpoint within MAX_ENDPOINT")
}

/// A storage-and-compute capacity.
pub(crate) fn capacity(bytes: u64, compute_slots: u32) -> Capacity {
	Capacity { bytes, compute_slots }
}

/// Register `who` for both roles with `stake` and a roomy capacity.
pub(crate) fn register(who: AccountId, stake: Balance) {
	assert_ok!(Registry::register(
		RuntimeOrigin::signed(who),
		ProviderRoles::StorageAndCompute,
		stake,
		capacity(1_000, 10),
		endpoint("ws://127.0.0.1:30333"),
		0,
	));
}

/// Register `who` for `roles` with `stake` and a roomy capacity.
pub(crate) fn register_as(who: AccountId, roles: ProviderRoles, stake: Balance) {
	assert_ok!(Registry::register(
		RuntimeOrigin::signed(who),
		roles,
		stake,
		capacity(1_000, 10),
		endpoint("ws://node:30333"),
		0,
	));
}

/// The `ProviderStake` hold of `who`.
pub(crate) fn staked(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ProviderStake.into(), &who)
}

/// The `Escrow` hold of `who`.
pub(crate) fn escrowed(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Escrow.into(), &who)
}

/// The free balance of `who`.
pub(crate) fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// The record of `who`.
pub(crate) fn record(who: AccountId) -> ProviderRecord<Test> {
	Providers::<Test>::get(who).expect("registered")
}

/// Advance to block `n`.
pub(crate) fn run_to_block(n: u64) {
	System::set_block_number(n);
}

/// The last event of this pallet.
pub(crate) fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|record| match record.event {
			RuntimeEvent::Registry(event) => Some(event),
			_ => None,
		})
		.expect("an event of the pallet")
}
