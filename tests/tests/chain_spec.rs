//! The shipped `chain-spec/local.json` is what the current runtime generates.
//!
//! The runtime WASM (`:code`) is left out of the comparison: it embeds the paths it
//! was built from (panic locations, symbol hashes of path dependencies), so a build
//! in another checkout differs in those bytes while the runtime is the same. Every
//! other genesis entry must match.

use serde_json::Value;
use xmbl_e2e::{repo_root, run_node_command};

/// The storage key of the runtime code, `:code`.
const CODE_KEY: &str = "0x3a636f6465";

#[test]
fn shipped_local_spec_matches_the_runtime() {
	let shipped: Value = serde_json::from_slice(
		&std::fs::read(repo_root().join("chain-spec/local.json")).expect("chain-spec/local.json"),
	)
	.expect("shipped spec is JSON");

	let output = run_node_command(&["build-spec", "--chain", "local", "--raw"]);
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let generated: Value = serde_json::from_slice(&output.stdout).expect("generated spec is JSON");

	let state_without_code = |spec: &Value| {
		let mut top = spec["genesis"]["raw"]["top"].as_object().expect("a raw spec").clone();
		assert!(top.remove(CODE_KEY).is_some(), "the spec carries the runtime code");
		top
	};
	assert!(
		state_without_code(&shipped) == state_without_code(&generated),
		"chain-spec/local.json is stale: regenerate it with chain-spec/regenerate.sh"
	);
	assert_eq!(shipped["properties"]["tokenSymbol"], "XMBL");
	assert_eq!(shipped["properties"]["tokenDecimals"], 12);
	assert_eq!(shipped["properties"]["ss58Format"], 42);
	assert_eq!(shipped["bootNodes"].as_array().map(Vec::len), Some(3), "three loopback bootnodes");
}
