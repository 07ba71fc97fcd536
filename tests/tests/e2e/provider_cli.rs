//! The `xmbl` CLI against a real dev node: the genesis provider is there; a second
//! account registers as a provider, is shown, updates one field, bonds more, unbonds,
//! cannot withdraw early, and withdraws its whole stake after the unbonding period.
//! Every refusal is checked by its exit code and the error's name.
//!
//! How it fails: a refusal with another exit code or error name, a fee split other than
//! 20 % to the author and 80 % to the treasury, an update that changes fields it was not
//! given, an early withdraw that moves the stake, or a record still shown after `withdraw`.

use serde_json::Value;
use std::time::Duration;
use xmbl_e2e::{xmbl, Failure, Node, NodeConfig};

/// The name of the on-chain error a failure reports.
fn dispatch_error(failure: Failure) -> String {
	assert_eq!(failure.code, 3, "a chain refusal exits 3: {failure:?}");
	assert_eq!(failure.error["error"]["kind"], "dispatch", "{failure:?}");
	failure.error["error"]["name"].as_str().expect("a named error").to_owned()
}

#[test]
fn a_provider_registers_shows_updates_unbonds_and_withdraws() {
	let node = Node::start("dev", NodeConfig::dev_validator(0xde7, vec![]));
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));

	// The dev node's own account is a storage and compute provider from genesis.
	let alice = xmbl(&node, "//Alice", &["provider", "show"]).unwrap();
	assert_eq!(alice["roles"], "both", "{alice}");
	assert_eq!(alice["status"], "active");

	let ferdie = "//Ferdie";
	let before = xmbl(&node, ferdie, &["balance"]).unwrap();
	assert_eq!(before["held"], "0");
	let missing = xmbl(&node, ferdie, &["provider", "show"]).unwrap_err();
	assert_eq!(missing.code, 1);
	assert_eq!(
		missing.error["error"]["message"],
		format!("{} is not a registered provider", before["account"].as_str().unwrap())
	);

	// A bad amount is a usage error: clap's exit 2, before anything is signed.
	let bad_amount = xmbl(
		&node,
		ferdie,
		&["provider", "register", "--roles", "both", "--stake", "1.2.3", "--endpoint", "x"],
	)
	.unwrap_err();
	assert_eq!(bad_amount.code, 2, "{bad_amount:?}");
	assert!(bad_amount.error.to_string().contains("not an XMBL amount"), "{bad_amount:?}");
	// Refused on chain, by the error's name.
	let too_small = xmbl(
		&node,
		ferdie,
		&[
			"provider",
			"register",
			"--roles",
			"both",
			"--stake",
			"1",
			"--bytes",
			"1000",
			"--slots",
			"1",
			"--endpoint",
			"http://127.0.0.1:19944",
		],
	)
	.unwrap_err();
	assert_eq!(dispatch_error(too_small), "Providers.StakeBelowMinimum");

	let free = |who: &str| planck(&xmbl(&node, ferdie, &["balance", who]).unwrap()["free"]);
	let held = |who: &str| planck(&xmbl(&node, ferdie, &["balance", who]).unwrap()["held"]);
	let (ferdie_before, alice_before, treasury_before) =
		(free(ferdie), free("//Alice"), free("treasury"));

	let registered = xmbl(
		&node,
		ferdie,
		&[
			"provider",
			"register",
			"--roles",
			"both",
			"--stake",
			"250",
			"--bytes",
			"1048576",
			"--slots",
			"2",
			"--endpoint",
			"http://127.0.0.1:19944",
		],
	)
	.unwrap();
	let events = registered["events"].as_array().expect("events");
	let event = events.iter().find(|e| e["pallet"] == "Providers").expect("a Providers event");
	assert_eq!(event["event"], "Registered", "{registered}");
	assert_eq!(
		event["fields"]["provider"], before["account"],
		"events name accounts in SS58: {event}"
	);
	assert_eq!(registered["finalized"], true);
	assert!(registered["tx_hash"].as_str().unwrap().starts_with("0x"));

	// The fee Ferdie paid went 20 % to the block author (Alice, the only validator) and
	// 80 % to the treasury; nothing was burned.
	let stake = 250 * 10u128.pow(12);
	assert_eq!(held(ferdie), stake);
	let fee = ferdie_before - free(ferdie) - stake;
	let (to_author, to_treasury) =
		(free("//Alice") - alice_before, free("treasury") - treasury_before);
	assert!(fee > 0, "the registration paid a fee");
	assert_eq!(to_author + to_treasury, fee, "the whole fee went to the author and the treasury");
	assert_eq!(to_author, fee * 20 / 100, "author's share of {fee}");

	let shown = xmbl(&node, ferdie, &["provider", "show"]).unwrap();
	assert_eq!(shown["stake"], "250");
	assert_eq!(shown["capacity"]["bytes"], 1_048_576);
	assert_eq!(shown["capacity"]["slots"], 2);
	assert_eq!(shown["endpoint"], "http://127.0.0.1:19944");
	assert_eq!(shown["status"], "active");

	// `update` changes only what it is given.
	xmbl(&node, ferdie, &["provider", "update", "--slots", "3"]).unwrap();
	xmbl(&node, ferdie, &["provider", "update", "--endpoint", "https://ferdie.example.org"])
		.unwrap();
	let shown = xmbl(&node, ferdie, &["provider", "show"]).unwrap();
	assert_eq!(shown["capacity"]["slots"], 3);
	assert_eq!(shown["capacity"]["bytes"], 1_048_576, "bytes kept");
	assert_eq!(shown["endpoint"], "https://ferdie.example.org");
	let nothing = xmbl(&node, ferdie, &["provider", "update"]).unwrap_err();
	assert_eq!(nothing.code, 2, "update with nothing to change is a usage error: {nothing:?}");

	xmbl(&node, ferdie, &["provider", "bond-extra", "50"]).unwrap();
	assert_eq!(xmbl(&node, ferdie, &["provider", "show"]).unwrap()["stake"], "300");

	let unbonded = xmbl(&node, ferdie, &["provider", "unbond"]).unwrap();
	assert!(
		unbonded["events"]
			.as_array()
			.unwrap()
			.iter()
			.any(|e| e["event"] == "UnbondingStarted"),
		"{unbonded}"
	);
	let unlock_at = xmbl(&node, ferdie, &["provider", "show"]).unwrap()["status"]["unbonding"]
		["unlock_at"]
		.as_u64()
		.expect("unbonding status");

	let early = xmbl(&node, ferdie, &["provider", "withdraw"]).unwrap_err();
	assert_eq!(dispatch_error(early), "Providers.UnbondingNotFinished");
	assert_eq!(
		xmbl(&node, ferdie, &["balance"]).unwrap()["held"],
		"300",
		"a refused withdraw changes nothing"
	);

	node.wait_until("the unbonding period ends", Duration::from_secs(240), |n| {
		n.best_number().is_ok_and(|b| b >= unlock_at)
	});
	let withdrawn = xmbl(&node, ferdie, &["provider", "withdraw"]).unwrap();
	assert!(
		withdrawn["events"]
			.as_array()
			.unwrap()
			.iter()
			.any(|e| e["event"] == "Withdrawn"),
		"{withdrawn}"
	);
	let gone = xmbl(&node, ferdie, &["provider", "show"]).unwrap_err();
	assert_eq!(gone.code, 1, "{gone:?}");
	assert_eq!(
		gone.error["error"]["message"],
		format!("{} is not a registered provider", before["account"].as_str().unwrap())
	);
	assert_eq!(
		xmbl(&node, ferdie, &["balance"]).unwrap()["held"],
		"0",
		"the whole stake is free again"
	);
}

/// Planck of a decimal XMBL amount as `xmbl` prints it.
fn planck(amount: &Value) -> u128 {
	let text = amount.as_str().expect("amount string");
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	whole.parse::<u128>().unwrap() * 10u128.pow(12)
		+ format!("{fraction:0<12}").parse::<u128>().unwrap()
}
