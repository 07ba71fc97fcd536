//! The shipped `chain-spec/local.json` is what the current runtime generates.
//!
//! The runtime WASM (`:code`) is not compared byte for byte: it embeds the paths it was
//! built from (panic locations, symbol hashes of path dependencies), so a build in
//! another checkout differs in those bytes while the runtime is the same. Instead both
//! WASMs are run: the shipped one must report the same `RuntimeVersion` and the same
//! metadata as the one `xmbl-node` builds from source, so a stale runtime cannot hide
//! in the spec. Every other genesis entry must match exactly.

use codec::{Decode, Encode};
use polkadot_sdk::{
	sc_executor::WasmExecutor,
	sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode},
	sp_io::{SubstrateHostFunctions, TestExternalities},
	sp_version::RuntimeVersion,
};
use serde_json::{Map, Value};
use xmbl_e2e::{repo_root, run_node_command};

/// The storage key of the runtime code, `:code`.
const CODE_KEY: &str = "0x3a636f6465";

/// The metadata version polkadot.js and polkadot-api read.
const METADATA_VERSION: u32 = 15;

fn raw_state(spec: &Value) -> Map<String, Value> {
	spec["genesis"]["raw"]["top"].as_object().expect("a raw spec").clone()
}

/// The runtime WASM a raw spec ships, decoded from hex.
fn code_of(state: &Map<String, Value>) -> Vec<u8> {
	let code = state[CODE_KEY].as_str().expect("the spec carries the runtime code");
	hex::decode(code.trim_start_matches("0x")).expect(":code is hex")
}

/// Call the runtime API `method` of `code` (possibly compressed) with SCALE `input`.
fn call_runtime(code: &[u8], method: &str, input: &[u8]) -> Vec<u8> {
	let executor = WasmExecutor::<SubstrateHostFunctions>::builder().build();
	let fetch = WrappedRuntimeCode(code.into());
	let runtime_code = RuntimeCode {
		code_fetcher: &fetch,
		heap_pages: None,
		hash: polkadot_sdk::sp_io::hashing::blake2_256(code).to_vec(),
	};
	let mut externalities = TestExternalities::default();
	let mut ext = externalities.ext();
	let (result, _) = executor.call(&mut ext, &runtime_code, method, input, CallContext::Offchain);
	result.unwrap_or_else(|e| panic!("{method}: {e}"))
}

fn version_of(code: &[u8]) -> RuntimeVersion {
	let output = call_runtime(code, "Core_version", &[]);
	RuntimeVersion::decode(&mut &output[..]).expect("Core_version returns a RuntimeVersion")
}

fn metadata_of(code: &[u8]) -> Vec<u8> {
	let output = call_runtime(code, "Metadata_metadata_at_version", &METADATA_VERSION.encode());
	let metadata = Option::<Vec<u8>>::decode(&mut &output[..]).expect("Option<OpaqueMetadata>");
	metadata.unwrap_or_else(|| panic!("the runtime has no metadata v{METADATA_VERSION}"))
}

#[test]
fn shipped_local_spec_matches_the_runtime() {
	let shipped: Value = serde_json::from_slice(
		&std::fs::read(repo_root().join("chain-spec/local.json")).expect("chain-spec/local.json"),
	)
	.expect("shipped spec is JSON");

	let output = run_node_command(&["build-spec", "--chain", "local", "--raw"]);
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let generated: Value = serde_json::from_slice(&output.stdout).expect("generated spec is JSON");

	const STALE: &str =
		"chain-spec/local.json is stale: regenerate it with chain-spec/regenerate.sh";
	let (mut shipped_state, mut generated_state) = (raw_state(&shipped), raw_state(&generated));
	let (shipped_code, generated_code) = (code_of(&shipped_state), code_of(&generated_state));
	assert_eq!(version_of(&shipped_code), version_of(&generated_code), "{STALE}");
	assert!(
		metadata_of(&shipped_code) == metadata_of(&generated_code),
		"metadata differs: {STALE}"
	);

	shipped_state.remove(CODE_KEY);
	generated_state.remove(CODE_KEY);
	assert!(shipped_state == generated_state, "genesis state differs: {STALE}");
	assert_eq!(shipped["properties"]["tokenSymbol"], "XMBL");
	assert_eq!(shipped["properties"]["tokenDecimals"], 12);
	assert_eq!(shipped["properties"]["ss58Format"], 42);
	assert_eq!(shipped["bootNodes"].as_array().map(Vec::len), Some(3), "three loopback bootnodes");
}
