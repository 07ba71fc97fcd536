//! Three validators of the shipped `local` chain spec (without its bootnodes) on
//! loopback: blocks are produced and finalized; a 1 + 1 deal is stored on the genesis
//! providers (Alice's and Charlie's served by Alice's node, Bob's by Bob's) and proven; with
//! one validator lost, blocks go on while GRANDPA waits (2 of 3 equal voters is not a
//! supermajority), and for longer than two periods the providers keep proving on the best
//! chain, nothing missed; the deal is cancelled in a block that cannot be finalized, and its
//! shards stay on disk; the lost validator restarts on new ports, dials its bootnodes,
//! catches up, finality covers every block made without it, and only then are the shards
//! deleted.
//!
//! How it fails: a provider service that acts on finalized blocks only sends no proof while
//! GRANDPA is stalled (`missed` > 0 when the periods end on the best chain); one that deletes
//! on the best block alone removes the shards before the cancel is final.

use serde_json::json;
use std::time::Duration;
use xmbl_e2e::{free_port_range, random_bytes, shard_files, start_local_network_with, xmbl, Node};

/// Who stores the file: endowed at genesis, neither validator nor provider.
const OWNER: &str = "//Ferdie";

#[test]
fn three_validators_produce_finalize_and_recover_a_lost_validator() {
	// Alice's node serves the providers Alice and Charlie, Bob's serves Bob: Charlie's
	// validator can stop while every provider of the chain stays up.
	let storage_ports = free_port_range(3);
	let storage_port = storage_ports.first();
	let served = [
		vec![("//Alice", storage_port), ("//Charlie", storage_port + 1)],
		vec![("//Bob", storage_port + 2)],
	];
	let mut network = start_local_network_with(3, |index| {
		let Some(providers) = served.get(index) else { return Vec::new() };
		let mut args = vec!["--storage-port".to_owned(), providers[0].1.to_string()];
		for (suri, _) in providers {
			args.extend(["--provider".to_owned(), suri.to_string()]);
		}
		args
	});
	let mut charlie = network.pop().expect("charlie");
	let (alice, bob) = (&network[0], &network[1]);

	// Blocks are produced and finalized on every node.
	for node in [alice, bob, &charlie] {
		node.wait_until("block 3 finalized", Duration::from_secs(180), |n| {
			n.finalized_number().is_ok_and(|f| f >= 3)
		});
	}
	let peers = alice.rpc("system_health", json!([])).unwrap();
	assert_eq!(peers["peers"], 2, "alice sees bob and charlie: {peers}");

	// The genesis providers move their endpoints to the ports their nodes serve.
	for (suri, port) in served.iter().flatten() {
		let endpoint = format!("http://127.0.0.1:{port}");
		xmbl(alice, suri, &["--wait", "in-block", "provider", "update", "--endpoint", &endpoint])
			.unwrap_or_else(|failure| panic!("{suri} update: {failure:?}"));
	}
	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("notes.bin");
	std::fs::write(&file, random_bytes(300_000, 0x57a1)).unwrap();
	let put = xmbl(
		alice,
		OWNER,
		&["put", file.to_str().unwrap(), "--data", "1", "--parity", "1", "--blocks", "400"],
	)
	.unwrap_or_else(|failure| panic!("put failed: {failure:?}\n{}", alice.log_tail(60)));
	let id = put["deal"].as_u64().expect("a deal id").to_string();
	let deal = |node: &Node| xmbl(node, OWNER, &["deal", &id]).unwrap();
	let last_proven = |node: &Node| -> Vec<Option<u64>> {
		deal(node)["shards"]
			.as_array()
			.unwrap()
			.iter()
			.map(|shard| shard["last_proven"].as_u64())
			.collect()
	};
	alice.wait_until("both shards proven for period 0", Duration::from_secs(120), |n| {
		last_proven(n).iter().all(Option::is_some)
	});
	let stored_shards = |nodes: [&Node; 2]| -> usize {
		nodes.iter().map(|node| shard_files(node.base_path()).len()).sum()
	};
	assert_eq!(stored_shards([alice, bob]), 2, "one file per shard");

	// Charlie crashes. BABE goes on in Alice's and Bob's slots. GRANDPA needs
	// more than 2/3 of the voters' weight (threshold n - (n-1)/3 = 3 of 3 equal
	// voters), so it must stop finalizing rather than finalize with 2 of 3.
	charlie.kill();
	let best_before = alice.best_number().unwrap();
	alice.wait_until("blocks without charlie", Duration::from_secs(60), |n| {
		n.best_number().is_ok_and(|b| b >= best_before + 4)
	});
	assert!(bob.best_number().unwrap() >= best_before + 3, "bob follows alice");
	let finalized_without_charlie = alice.finalized_number().unwrap();
	assert!(
		finalized_without_charlie <= best_before,
		"2 of 3 equal GRANDPA voters finalized block {finalized_without_charlie} past {best_before}"
	);

	// Two more periods end on the best chain, unfinalized: both shards are proven in each.
	let proven_before: Vec<u64> = last_proven(alice).into_iter().map(Option::unwrap).collect();
	alice.wait_until("two periods proven while finality stalls", Duration::from_secs(300), |n| {
		last_proven(n)
			.iter()
			.zip(&proven_before)
			.all(|(now, before)| now.is_some_and(|period| period >= before + 2))
	});
	let shown = deal(alice);
	assert!(
		shown["shards"].as_array().unwrap().iter().all(|shard| shard["missed"] == 0),
		"a proof was missed while finality stalled: {shown}"
	);
	let finalized = alice.finalized_number().unwrap();
	assert!(finalized <= best_before, "finalized {finalized} past {best_before} without charlie");

	// Cancelled in a block that cannot be finalized yet: the shards stay.
	xmbl(alice, OWNER, &["--wait", "in-block", "cancel", &id]).unwrap();
	let cancelled_at = alice.best_number().unwrap();
	alice.wait_until("three blocks on the cancel", Duration::from_secs(60), |n| {
		n.best_number().is_ok_and(|b| b >= cancelled_at + 3)
	});
	assert_eq!(stored_shards([alice, bob]), 2, "shards deleted before the cancel was final");

	// Charlie comes back on its old database, catches up, and finality resumes up
	// to the blocks produced while it was gone: nothing is lost.
	charlie.restart();
	let head_while_down = alice.best_number().unwrap();
	for node in [alice, bob, &charlie] {
		node.wait_until(
			"finality passes the blocks made without charlie",
			Duration::from_secs(180),
			|n| n.finalized_number().is_ok_and(|f| f >= head_while_down),
		);
	}
	let hash = |node: &Node| node.rpc("chain_getBlockHash", json!([head_while_down])).unwrap();
	assert_eq!(hash(alice), hash(&charlie), "charlie has alice's chain");
	assert_eq!(hash(bob), hash(&charlie), "charlie has bob's chain");
	// The cancel is final: the shards go.
	alice.wait_until("both shards deleted", Duration::from_secs(60), |_| {
		stored_shards([alice, bob]) == 0
	});
}
