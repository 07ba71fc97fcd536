//! The `xmbl` CLI against a real dev node: the genesis provider is there; a second
//! account registers as a provider, is shown, unbonds, cannot withdraw early, and
//! withdraws its whole stake after the unbonding period.

use serde_json::Value;
use std::{process::Command, time::Duration};
use xmbl_e2e::{client_binary, Node, NodeConfig};

/// Run `xmbl` against `node` as `suri`; the JSON it printed, or its error line.
fn xmbl(node: &Node, suri: &str, args: &[&str]) -> Result<Value, String> {
	let url = format!("ws://127.0.0.1:{}", node.rpc_port);
	let output = Command::new(client_binary())
		.args(["--url", &url, "--suri", suri])
		.args(args)
		.output()
		.expect("run xmbl");
	if output.status.success() {
		Ok(serde_json::from_slice(&output.stdout).expect("xmbl prints JSON"))
	} else {
		Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
	}
}

#[test]
fn a_provider_registers_shows_unbonds_and_withdraws() {
	let node = Node::start(
		"dev",
		NodeConfig {
			chain: "dev".into(),
			validator: Some("alice".into()),
			node_key: Some(format!("{:064x}", 0xde7)),
			extra_args: vec![],
		},
	);
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));

	// The dev node's own account is a storage and compute provider from genesis.
	let alice = xmbl(&node, "//Alice", &["provider", "show"]).unwrap();
	assert_eq!(alice["roles"], "StorageAndCompute", "{alice}");
	assert_eq!(alice["status"], "active");

	let dave = "//Dave";
	let before = xmbl(&node, dave, &["balance"]).unwrap();
	assert_eq!(before["held"], "0");
	assert_eq!(
		xmbl(&node, dave, &["provider", "show"]).unwrap_err(),
		format!("error: {} is not a registered provider", before["account"].as_str().unwrap())
	);

	// Bad input is refused before anything is signed, and on chain with the error's name.
	assert!(xmbl(&node, dave, &["provider", "register", "--roles", "both", "--stake", "1.2.3", "--endpoint", "x"])
		.unwrap_err()
		.contains("not an XMBL amount"));
	let too_small = xmbl(
		&node,
		dave,
		&["provider", "register", "--roles", "both", "--stake", "1", "--bytes", "1000", "--slots", "1", "--endpoint", "x"],
	);
	assert!(too_small.unwrap_err().contains("Providers.StakeBelowMinimum"));

	let free = |who: &str| planck(&xmbl(&node, dave, &["balance", who]).unwrap()["free"]);
	let held = |who: &str| planck(&xmbl(&node, dave, &["balance", who]).unwrap()["held"]);
	let (dave_before, alice_before, treasury_before) = (free(dave), free("//Alice"), free("treasury"));

	let registered = xmbl(
		&node,
		dave,
		&[
			"provider", "register", "--roles", "both", "--stake", "250", "--bytes", "1048576", "--slots", "2",
			"--endpoint", "ws://127.0.0.1:19944",
		],
	)
	.unwrap();
	assert!(registered["events"][0].as_str().unwrap().starts_with("Registered"), "{registered}");

	// The fee Dave paid went 20 % to the block author (Alice, the only validator) and
	// 80 % to the treasury; nothing was burned.
	let stake = 250 * 10u128.pow(12);
	assert_eq!(held(dave), stake);
	let fee = dave_before - free(dave) - stake;
	let (to_author, to_treasury) = (free("//Alice") - alice_before, free("treasury") - treasury_before);
	assert!(fee > 0, "the registration paid a fee");
	assert_eq!(to_author + to_treasury, fee, "the whole fee went to the author and the treasury");
	assert_eq!(to_author, fee * 20 / 100, "author's share of {fee}");

	let shown = xmbl(&node, dave, &["provider", "show"]).unwrap();
	assert_eq!(shown["stake"], "250");
	assert_eq!(shown["capacity"]["bytes"], 1_048_576);
	assert_eq!(shown["capacity"]["slots"], 2);
	assert_eq!(shown["endpoint"], "ws://127.0.0.1:19944");
	assert_eq!(shown["status"], "active");
	assert_eq!(xmbl(&node, dave, &["balance"]).unwrap()["held"], "250");

	let unbonded = xmbl(&node, dave, &["provider", "unbond"]).unwrap();
	assert!(unbonded["events"][0].as_str().unwrap().starts_with("UnbondingStarted"), "{unbonded}");
	let unlock_at = xmbl(&node, dave, &["provider", "show"]).unwrap()["status"]["unbonding"]["unlock_at"]
		.as_u64()
		.expect("unbonding status");

	let early = xmbl(&node, dave, &["provider", "withdraw"]).unwrap_err();
	assert!(early.contains("Providers.UnbondingNotFinished"), "{early}");
	assert_eq!(xmbl(&node, dave, &["balance"]).unwrap()["held"], "250", "a refused withdraw changes nothing");

	node.wait_until("the unbonding period ends", Duration::from_secs(120), |n| {
		n.best_number().is_ok_and(|b| b >= unlock_at)
	});
	let withdrawn = xmbl(&node, dave, &["provider", "withdraw"]).unwrap();
	assert!(withdrawn["events"][0].as_str().unwrap().starts_with("Withdrawn"), "{withdrawn}");
	assert!(xmbl(&node, dave, &["provider", "show"]).is_err());
	assert_eq!(xmbl(&node, dave, &["balance"]).unwrap()["held"], "0", "the whole stake is free again");
}

/// Planck of a decimal XMBL amount as `xmbl` prints it.
fn planck(amount: &Value) -> u128 {
	let text = amount.as_str().expect("amount string");
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	whole.parse::<u128>().unwrap() * 10u128.pow(12) + format!("{fraction:0<12}").parse::<u128>().unwrap()
}
