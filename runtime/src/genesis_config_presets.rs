//! Genesis states the node can start from: `development` (one validator) and
//! `local_testnet` (three validators on one machine).

use crate::{
	configs::TreasuryAccount, opaque::SessionKeys, AccountId, BabeConfig, BalancesConfig,
	ProvidersConfig, RuntimeGenesisConfig, SessionConfig, SudoConfig, ValidatorsConfig,
	BABE_GENESIS_EPOCH_CONFIG, EXISTENTIAL_DEPOSIT, UNIT,
};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	sp_consensus_babe::AuthorityId as BabeId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;
use xmbl_primitives::{Capacity, ProviderRoles};

/// What each endowed dev account starts with: one million XMBL.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// The stake a genesis provider registers with: 1,000 XMBL.
pub const GENESIS_PROVIDER_STAKE: crate::Balance = 1_000 * UNIT;

/// What a genesis provider declares: 10 GiB of shard storage and 4 compute slots.
pub const GENESIS_PROVIDER_CAPACITY: Capacity =
	Capacity { bytes: 10 * 1024 * 1024 * 1024, compute_slots: 4 };

/// The port of the shard server of the `index`-th genesis provider on loopback
/// (`xmbl-node --storage-port`, one port per provider identity).
pub const fn genesis_storage_port(index: u16) -> u16 {
	30400 + index
}

/// The dev accounts that are storage and compute providers from genesis on the dev chain:
/// five, so that a default 3+2 deal finds distinct providers on one machine.
pub const DEV_PROVIDERS: [Sr25519Keyring; 5] = [
	Sr25519Keyring::Alice,
	Sr25519Keyring::Bob,
	Sr25519Keyring::Charlie,
	Sr25519Keyring::Dave,
	Sr25519Keyring::Eve,
];

/// The `index`-th genesis storage and compute provider: `account`, serving shards at
/// `http://127.0.0.1:<genesis_storage_port(index)>`.
fn provider(
	index: u16,
	account: Sr25519Keyring,
) -> (AccountId, ProviderRoles, crate::Balance, Capacity, Vec<u8>) {
	(
		account.to_account_id(),
		ProviderRoles::StorageAndCompute,
		GENESIS_PROVIDER_STAKE,
		GENESIS_PROVIDER_CAPACITY,
		alloc::format!("http://127.0.0.1:{}", genesis_storage_port(index)).into_bytes(),
	)
}

/// Genesis providers `accounts`, numbered in order.
fn providers(
	accounts: &[Sr25519Keyring],
) -> Vec<(AccountId, ProviderRoles, crate::Balance, Capacity, Vec<u8>)> {
	(0u16..)
		.zip(accounts)
		.map(|(index, account)| provider(index, *account))
		.collect()
}

/// A genesis validator: its account and its session keys.
type GenesisValidator = (AccountId, BabeId, GrandpaId);

/// A genesis state with the given validators, providers, endowed accounts and sudo
/// key. The treasury account starts with the existential deposit, so that it exists.
/// BABE and GRANDPA take their first authorities from the session pallet's keys.
fn genesis(
	validators: Vec<GenesisValidator>,
	providers: Vec<(AccountId, ProviderRoles, crate::Balance, Capacity, Vec<u8>)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts
				.into_iter()
				.map(|account| (account, ENDOWMENT))
				.chain([(TreasuryAccount::get(), EXISTENTIAL_DEPOSIT)])
				.collect(),
		},
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		validators: ValidatorsConfig {
			validators: validators.iter().map(|(account, _, _)| account.clone()).collect(),
		},
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|(account, babe, grandpa)| {
					(account.clone(), account, SessionKeys { babe, grandpa })
				})
				.collect(),
		},
		sudo: SudoConfig { key: Some(root) },
		providers: ProvidersConfig { providers },
	})
}

/// A well-known dev account as a validator: its sr25519 account, its BABE (sr25519) and
/// GRANDPA (ed25519) keys from the same seed, as `--alice` and friends insert them.
fn validator_keys(babe: Sr25519Keyring, grandpa: Ed25519Keyring) -> GenesisValidator {
	(babe.to_account_id(), babe.public().into(), grandpa.public().into())
}

fn development_config_genesis() -> Value {
	genesis(
		vec![validator_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		providers(&DEV_PROVIDERS),
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

fn local_testnet_genesis() -> Value {
	genesis(
		vec![
			validator_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			validator_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			validator_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		],
		providers(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]),
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON patch of the named preset, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
