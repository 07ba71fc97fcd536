//! The shipped `chain-spec/local.json` is what the current runtime generates.

use serde_json::Value;
use xmbl_e2e::{repo_root, run_node_command};

#[test]
fn shipped_local_spec_matches_the_runtime() {
	let shipped: Value = serde_json::from_slice(
		&std::fs::read(repo_root().join("chain-spec/local.json")).expect("chain-spec/local.json"),
	)
	.expect("shipped spec is JSON");

	let output = run_node_command(&["build-spec", "--chain", "local", "--raw"]);
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let generated: Value = serde_json::from_slice(&output.stdout).expect("generated spec is JSON");

	assert_eq!(
		shipped["genesis"], generated["genesis"],
		"chain-spec/local.json is stale: regenerate it with chain-spec/regenerate.sh"
	);
	assert_eq!(shipped["properties"]["tokenSymbol"], "XMBL");
	assert_eq!(shipped["properties"]["tokenDecimals"], 12);
	assert_eq!(shipped["properties"]["ss58Format"], 42);
	assert_eq!(shipped["bootNodes"].as_array().map(Vec::len), Some(3), "three loopback bootnodes");
}
