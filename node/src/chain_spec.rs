//! Chain specs: `dev` and `local` are built from the runtime's genesis presets;
//! anything else is read as a chain spec JSON file (such as `chain-spec/local.json`).

use polkadot_sdk::{
	sc_service::{ChainType, Properties},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
};
use std::path::PathBuf;

/// Chain spec of the XMBL chain; no extensions.
pub type ChainSpec = polkadot_sdk::sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, so wallets show XMBL correctly.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), xmbl_runtime::TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), xmbl_runtime::TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), xmbl_runtime::SS58_PREFIX.into());
	properties
}

fn wasm_binary() -> Result<&'static [u8], String> {
	xmbl_runtime::WASM_BINARY.ok_or_else(|| {
		"this xmbl-node was built without the runtime WASM (SKIP_WASM_BUILD): rebuild it without that variable".into()
	})
}

/// Single validator (Alice) with funded dev accounts.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("XMBL Development")
		.with_id("xmbl_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Where the validators of the local network listen, with the peer ids of their
/// node keys 0x…01, 0x…02 and 0x…03 (public keys: for loopback only; see
/// `scripts/local-network.sh` and `xmbl-node key inspect-node-key`).
const LOCAL_BOOTNODES: [&str; 3] = [
	"/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp",
	"/ip4/127.0.0.1/tcp/30334/p2p/12D3KooWHdiAxVd8uMQR1hGWXccidmfCwLqcMpGwR6QcTP6QRMuD",
	"/ip4/127.0.0.1/tcp/30335/p2p/12D3KooWSCufgHzV4fCwRijfH2k3abrpAJxTKxEvN1FDuRXA2U9x",
];

/// Three validators (Alice, Bob, Charlie) on one machine.
pub fn local_testnet() -> Result<ChainSpec, String> {
	let boot_nodes = LOCAL_BOOTNODES
		.iter()
		.map(|address| address.parse().map_err(|e| format!("bootnode {address}: {e}")))
		.collect::<Result<_, String>>()?;
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("XMBL Local Testnet")
		.with_id("xmbl_local")
		.with_chain_type(ChainType::Local)
		.with_boot_nodes(boot_nodes)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The chain spec named by `--chain`.
pub fn load(id: &str) -> Result<Box<dyn polkadot_sdk::sc_service::ChainSpec>, String> {
	Ok(match id {
		"dev" => Box::new(development()?),
		"" | "local" => Box::new(local_testnet()?),
		path => {
			let path = PathBuf::from(path);
			if !path.is_file() {
				return Err(format!(
					"unknown chain '{}': use `dev`, `local` or the path of a chain spec JSON file (such as chain-spec/local.json)",
					path.display()
				));
			}
			let spec = ChainSpec::from_json_file(path.clone()).map_err(|error| {
				format!(
					"{} is not a valid chain spec: {} (regenerate it with chain-spec/regenerate.sh)",
					path.display(),
					error.replace('\n', " ")
				)
			})?;
			Box::new(spec)
		},
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sc_network::{config::ed25519, Multiaddr};

	/// Fails if a bootnode's peer id is not the one of node key 0x…01, 0x…02, 0x…03 in
	/// order (a typo would leave the local network's nodes unable to find each other), or if
	/// a port is not the one `scripts/local-network.sh` gives that node.
	#[test]
	fn local_bootnodes_are_the_peer_ids_of_the_fixed_node_keys() {
		for (index, address) in LOCAL_BOOTNODES.iter().enumerate() {
			let mut secret = [0u8; 32];
			secret[31] = index as u8 + 1;
			let key = ed25519::SecretKey::try_from_bytes(&mut secret).expect("a valid secret");
			let peer_id = ed25519::Keypair::from(key).public().to_peer_id();
			let expected: Multiaddr =
				format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", 30333 + index).parse().unwrap();
			assert_eq!(address.parse::<Multiaddr>().unwrap(), expected, "bootnode {index}");
		}
	}

	/// Fails if `dev` or `local` stop naming their presets and properties, or if an unknown
	/// name is not refused with the accepted values.
	#[test]
	fn named_chains_load_and_unknown_ones_name_the_choices() {
		for (id, name, chain_type) in [
			("dev", "XMBL Development", ChainType::Development),
			("local", "XMBL Local Testnet", ChainType::Local),
		] {
			let spec = load(id).expect(id);
			assert_eq!(spec.name(), name);
			assert_eq!(spec.chain_type(), chain_type);
			assert_eq!(spec.properties()["tokenSymbol"], "XMBL");
			assert_eq!(spec.properties()["tokenDecimals"], 12);
		}
		assert_eq!(load("local").unwrap().boot_nodes().len(), 3);
		let Err(error) = load("no-such-chain") else { panic!("an unknown chain is refused") };
		assert_eq!(
			error,
			"unknown chain 'no-such-chain': use `dev`, `local` or the path of a chain spec JSON \
			 file (such as chain-spec/local.json)"
		);
	}
}
