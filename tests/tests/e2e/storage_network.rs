//! The storage market on a loopback network: one validator and five provider nodes (full
//! nodes, each serving one provider account). `xmbl put` stores a 64 MiB random file with
//! 3+2; every shard is confirmed; two proof periods pass with every proof accepted and the
//! providers paid; one provider restarts and keeps proving from its disk; two providers are
//! killed; `xmbl get` still returns identical bytes; the chain marks their shards lost, the
//! repair rebuilds them on two other providers and the deal is back to five healthy shards;
//! the killed providers are slashed and the owner compensated up to the price of what it
//! lost. Then `cancel`: the refund is
//! what the escrow still held and every shard file is gone from every disk, including those
//! of the killed providers once they come back.
//!
//! How it fails: a provider paid for fewer than the two periods it proved (or charged a fee
//! for a proof), a restarted provider that stops proving, a `get` that needs more than the
//! three live shards, a lost shard left unrepaired, killed providers not slashed, a refund
//! other than what the escrow held, or a shard file left on a disk after `cancel`.

use serde_json::Value;
use std::{collections::BTreeMap, time::Duration};
use xmbl_e2e::{
	free_port_range, planck, random_bytes, register_storage_provider, shard_files,
	unbond_dev_genesis_providers, xmbl, Node, NodeConfig, PortRange, UNIT,
};

/// The providers of the five provider nodes.
const PROVIDERS: [&str; 5] =
	["//Ferdie", "//Alice//stash", "//Bob//stash", "//Charlie//stash", "//Dave//stash"];
/// Providers served by the validator's node, registered after the upload: where repairs go.
const SPARES: [&str; 2] = ["//Eve//stash", "//Ferdie//stash"];
/// Who stores the file: a fresh account (every dev account is a provider here), funded by
/// Alice, so that what is held on it is the deal's escrow alone.
const OWNER: &str = "//StorageOwner";

#[test]
fn shards_survive_restarts_and_lost_providers_and_leave_with_the_deal() {
	let spare_ports = free_port_range(SPARES.len() as u16);
	let spare_port = spare_ports.first();
	let mut validator_args = vec!["--storage-port".to_owned(), spare_port.to_string()];
	for spare in SPARES {
		validator_args.extend(["--provider".to_owned(), spare.to_owned()]);
	}
	let validator = Node::start("validator", NodeConfig::dev_validator(0x5702, validator_args));
	validator
		.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));
	// The dev chain's genesis providers: nobody serves them here, so they leave first.
	unbond_dev_genesis_providers(&validator);
	xmbl(&validator, "//Alice", &["--wait", "in-block", "transfer", OWNER, "1000"]).unwrap();

	let bootnode = validator.multiaddr();
	// Each provider node's port stays reserved as long as the test runs.
	let ports: Vec<PortRange> = PROVIDERS.iter().map(|_| free_port_range(1)).collect();
	let mut nodes: Vec<(Node, &str, String)> = PROVIDERS
		.iter()
		.zip(&ports)
		.enumerate()
		.map(|(index, (suri, port))| {
			let port = port.first();
			let node = Node::start(
				&format!("provider-{index}"),
				NodeConfig {
					chain: "dev".into(),
					validator: None,
					node_key: None,
					extra_args: vec![
						"--bootnodes".into(),
						bootnode.clone(),
						"--provider".into(),
						suri.to_string(),
						"--storage-port".into(),
						port.to_string(),
					],
				},
			);
			register_storage_provider(&validator, suri, port);
			let account = xmbl(&validator, suri, &["balance"]).unwrap()["account"]
				.as_str()
				.unwrap()
				.to_owned();
			(node, *suri, account)
		})
		.collect();

	// Balances before the deal exists: a provider proves period 0 as soon as the deal is
	// active, which may be before `put` returns.
	let before: Vec<u128> = nodes
		.iter()
		.map(|(_, suri, _)| planck(&xmbl(&validator, suri, &["balance"]).unwrap()["free"]))
		.collect();
	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("data.bin");
	let original = random_bytes(64 << 20, 0xfeed);
	std::fs::write(&file, &original).unwrap();
	let put = xmbl(
		&validator,
		OWNER,
		&["put", file.to_str().unwrap(), "--data", "3", "--parity", "2", "--blocks", "400"],
	)
	.unwrap_or_else(|failure| panic!("put failed: {failure:?}\n{}", validator.log_tail(40)));
	let id = put["deal"].as_u64().unwrap().to_string();
	let holder: BTreeMap<String, usize> = put["shards"]
		.as_array()
		.unwrap()
		.iter()
		.map(|shard| {
			(
				shard["provider"].as_str().unwrap().to_owned(),
				shard["index"].as_u64().unwrap() as usize,
			)
		})
		.collect();
	for (_, suri, account) in &nodes {
		assert!(holder.contains_key(account), "{suri} holds no shard: {put}");
	}
	let deal = |node: &Node| xmbl(node, OWNER, &["deal", &id]).unwrap();
	let shard_of = |deal: &Value, account: &str| -> Value {
		deal["shards"].as_array().unwrap()[holder[account]].clone()
	};

	// Two periods proven by everyone, and paid.
	validator.wait_until(
		"periods 0 and 1 proven by every provider",
		Duration::from_secs(300),
		|n| {
			deal(n)["shards"]
				.as_array()
				.unwrap()
				.iter()
				.all(|s| s["last_proven"].as_u64().is_some_and(|p| p >= 1))
		},
	);
	let price = planck(&deal(&validator)["price"]);
	for ((_, suri, _), before) in nodes.iter().zip(&before) {
		// Proofs and confirmations are free: the balance moves by whole periods only.
		let earned = planck(&xmbl(&validator, suri, &["balance"]).unwrap()["free"]) - before;
		assert!(
			earned >= 2 * price && earned.is_multiple_of(price),
			"{suri} earned {earned} for two proven periods at {price}"
		);
	}

	// The spares join; a provider restarts and proves the next period from its disk.
	for (index, spare) in SPARES.iter().enumerate() {
		register_storage_provider(&validator, spare, spare_port + index as u16);
	}
	let restarted = &nodes[0].2.clone();
	let proven = shard_of(&deal(&validator), restarted)["last_proven"].as_u64().unwrap();
	nodes[0].0.restart();
	validator.wait_until(
		"the restarted provider proves a later period",
		Duration::from_secs(120),
		|n| {
			shard_of(&deal(n), restarted)["last_proven"]
				.as_u64()
				.is_some_and(|p| p > proven)
		},
	);

	// Two providers die. The file still reads back from the other three.
	let owner_before = planck(&xmbl(&validator, OWNER, &["balance"]).unwrap()["free"]);
	let killed: Vec<String> = nodes[1..3].iter().map(|(_, _, account)| account.clone()).collect();
	for (node, _, _) in &mut nodes[1..3] {
		node.kill();
	}
	let out = dir.path().join("data.back");
	let got = xmbl(&validator, OWNER, &["get", &id, "-o", out.to_str().unwrap()])
		.unwrap_or_else(|failure| panic!("get with two providers down: {failure:?}"));
	assert_eq!(got["bytes"], original.len() as u64);
	assert!(std::fs::read(&out).unwrap() == original, "get returned other bytes");

	// Lost after two missed periods, repaired on the spares, healthy again.
	validator.wait_until(
		"both lost shards repaired on the spares",
		Duration::from_secs(420),
		|n| {
			let deal = deal(n);
			let shards = deal["shards"].as_array().unwrap();
			shards.iter().all(|s| s["state"] == "stored" && s["missed"] == 0)
				&& killed.iter().all(|account| {
					let shard = &shards[holder[account]];
					shard["provider"] != Value::String(account.clone())
				})
		},
	);
	let mut slashes = 0u128;
	for account in &killed {
		let record = xmbl(&validator, OWNER, &["provider", "show", account]).unwrap();
		assert!(record["slashes"].as_u64().unwrap() >= 2, "{record}");
		assert!(planck(&record["stake"]) < 250 * UNIT, "{record}");
		slashes += u128::from(record["slashes"].as_u64().unwrap());
	}
	// The owner signed nothing meanwhile: the gain is the price of every missed
	// shard-period back, and for each slash a compensation of at most that price (the rest
	// of the 1 XMBL slash goes to the treasury), so the owner gains no whole slash.
	let owner_gain = planck(&xmbl(&validator, OWNER, &["balance"]).unwrap()["free"]) - owner_before;
	assert!(
		owner_gain >= 2 * price * slashes && owner_gain.is_multiple_of(price) && owner_gain < UNIT,
		"owner gained {owner_gain} for {slashes} slashes at price {price}"
	);

	// Cancel: the refund is everything still held, and the shards leave every disk.
	let held = planck(&xmbl(&validator, OWNER, &["balance"]).unwrap()["held"]);
	let cancelled = xmbl(&validator, OWNER, &["cancel", &id]).unwrap();
	let refund = cancelled["events"]
		.as_array()
		.unwrap()
		.iter()
		.find(|event| event["event"] == "DealCancelled")
		.map(|event| event["fields"]["refund"].clone())
		.unwrap_or_else(|| panic!("no DealCancelled: {cancelled}"));
	let refund: u128 = refund
		.as_str()
		.map(|text| text.parse().unwrap())
		.or(refund.as_u64().map(u128::from))
		.unwrap_or_else(|| panic!("refund {refund}"));
	assert_eq!(xmbl(&validator, OWNER, &["balance"]).unwrap()["held"], "0");
	// Proofs of the current period may have been paid between the balance read and the
	// cancellation: whole shard-periods, at most one per shard.
	let paid_meanwhile = held - refund;
	assert!(
		paid_meanwhile.is_multiple_of(price) && paid_meanwhile <= 5 * price,
		"held {held}, refunded {refund}, price {price}"
	);
	for (node, _, _) in &mut nodes[1..3] {
		node.restart();
	}
	for node in nodes.iter().map(|(node, _, _)| node).chain([&validator]) {
		node.wait_until("its shard files deleted", Duration::from_secs(90), |n| {
			shard_files(n.base_path()).is_empty()
		});
	}
}
