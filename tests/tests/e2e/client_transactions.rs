//! How `xmbl` follows a transaction on the three-validator network: with one
//! validator stopped, GRANDPA cannot finalize (2 of 3 equal voters), so
//! `--wait in-block` returns as soon as the transaction is in a block while
//! `--wait finalized` reports a timeout that names the transaction; a transaction
//! the pool refuses (stale nonce, no funds for the fee) fails at once.
//!
//! How it fails: a client that waits for finality on `--wait in-block`, that reports no
//! timeout (or another exit code or status) when finality never comes, or a refusal that
//! waits; and the test shows the stall it relies on: three blocks after the in-block
//! transfer's block and after the finalized wait timed out, that block is still not final.

use serde_json::Value;
use std::{
	process::Command,
	time::{Duration, Instant},
};
use xmbl_e2e::{client_binary, start_local_network, Node};

/// Run `xmbl` against `node`: exit code, stdout JSON (or null), last stderr line as JSON.
fn xmbl(node: &Node, suri: &str, args: &[&str]) -> (i32, Value, Value) {
	let output = Command::new(client_binary())
		.args(["--url", &node.ws_url(), "--suri", suri])
		.args(args)
		.output()
		.expect("run xmbl");
	let stdout = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
	let stderr = String::from_utf8_lossy(&output.stderr);
	let error = stderr
		.lines()
		.last()
		.and_then(|line| serde_json::from_str(line).ok())
		.unwrap_or(Value::Null);
	(output.status.code().expect("exited"), stdout, error)
}

#[test]
fn waits_and_refusals_with_one_validator_down() {
	let mut network = start_local_network(3);
	let charlie_account = "//Charlie";

	// A transaction the pool refuses fails at once, exit 3, naming the transaction.
	let started = Instant::now();
	let (code, _, error) = xmbl(&network[0], "//NoFunds", &["transfer", charlie_account, "1"]);
	assert_eq!(code, 3, "{error}");
	assert_eq!(error["error"]["kind"], "invalid", "{error}");
	assert!(error["error"]["tx_hash"].as_str().is_some_and(|h| h.starts_with("0x")), "{error}");
	let (code, _, error) =
		xmbl(&network[0], "//Alice", &["--nonce", "0", "transfer", charlie_account, "1"]);
	assert_eq!(code, 0, "the first transaction with nonce 0 goes through: {error}");
	let (code, _, error) =
		xmbl(&network[0], "//Alice", &["--nonce", "0", "transfer", charlie_account, "1"]);
	assert_eq!(code, 3, "a stale nonce is refused: {error}");
	assert!(error["error"]["reason"].to_string().to_lowercase().contains("outdated"), "{error}");
	assert!(started.elapsed() < Duration::from_secs(60), "refusals did not wait for a timeout");

	// Charlie stops: blocks go on, finality stops.
	let charlie = network.pop().expect("charlie");
	drop(charlie);
	let alice = &network[0];
	let finalized = alice.finalized_number().unwrap();

	let started = Instant::now();
	let (code, included, error) =
		xmbl(alice, "//Alice", &["--wait", "in-block", "transfer", charlie_account, "1"]);
	assert_eq!(code, 0, "{error}");
	assert_eq!(included["finalized"], false, "{included}");
	assert!(included["block"].as_u64().unwrap() > finalized, "{included}");
	assert!(
		started.elapsed() < Duration::from_secs(30),
		"--wait in-block returned after {:?}, not at the first block",
		started.elapsed()
	);

	let (code, _, error) = xmbl(
		alice,
		"//Alice",
		&["--wait", "finalized", "--timeout", "12", "transfer", charlie_account, "1"],
	);
	assert_eq!(code, 5, "no finality without charlie: a timeout, {error}");
	assert_eq!(error["error"]["kind"], "timeout", "{error}");
	assert_eq!(error["error"]["last_status"], "in a block", "{error}");
	let tx_hash = error["error"]["tx_hash"].as_str().expect("the timeout names the transaction");
	assert!(tx_hash.starts_with("0x") && tx_hash.len() == 66, "{error}");

	// Finality stalled: GRANDPA needs all three voters, so no block made without Charlie is
	// finalized, however many follow it.
	let stalled = included["block"].as_u64().unwrap();
	alice.wait_until("three blocks after the stalled one", Duration::from_secs(60), |n| {
		n.best_number().is_ok_and(|best| best >= stalled + 3)
	});
	let finalized_now = alice.finalized_number().unwrap();
	assert!(
		finalized_now < stalled,
		"block {stalled}, made without Charlie, is finalized (finalized head {finalized_now})"
	);
}
