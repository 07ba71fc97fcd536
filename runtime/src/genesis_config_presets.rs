//! Genesis states the node can start from: `development` (one validator) and
//! `local_testnet` (three validators on one machine).

use crate::{AccountId, BalancesConfig, RuntimeGenesisConfig, SudoConfig, UNIT};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;

/// What each endowed dev account starts with: one million XMBL.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// A genesis state with the given validators, endowed accounts and sudo key.
fn genesis(
	validators: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.into_iter().map(|account| (account, ENDOWMENT)).collect(),
		},
		aura: polkadot_sdk::pallet_aura::GenesisConfig {
			authorities: validators.iter().map(|(aura, _)| aura.clone()).collect(),
		},
		grandpa: polkadot_sdk::pallet_grandpa::GenesisConfig {
			authorities: validators.into_iter().map(|(_, grandpa)| (grandpa, 1)).collect(),
		},
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The Aura (sr25519) and GRANDPA (ed25519) keys of a well-known dev account.
fn validator_keys(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(aura.public().into(), grandpa.public().into())
}

fn development_config_genesis() -> Value {
	genesis(
		vec![validator_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
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
