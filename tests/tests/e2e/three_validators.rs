//! Three validators of the shipped `local` chain spec (without its bootnodes) on
//! loopback: blocks are produced and finalized; with one validator lost, blocks go on
//! while GRANDPA waits (2 of 3 equal voters is not a supermajority); the lost
//! validator restarts on new ports, dials its bootnodes, catches up, and finality
//! covers every block made without it.

use std::time::Duration;
use xmbl_e2e::{start_local_network, Node};

#[test]
fn three_validators_produce_finalize_and_recover_a_lost_validator() {
	let mut network = start_local_network(3);
	let mut charlie = network.pop().expect("charlie");
	let (alice, bob) = (&network[0], &network[1]);

	// Blocks are produced and finalized on every node.
	for node in [alice, bob, &charlie] {
		node.wait_until("block 3 finalized", Duration::from_secs(180), |n| {
			n.finalized_number().is_ok_and(|f| f >= 3)
		});
	}
	let peers = alice.rpc("system_health", serde_json::json!([])).unwrap();
	assert_eq!(peers["peers"], 2, "alice sees bob and charlie: {peers}");

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
	let hash =
		|node: &Node| node.rpc("chain_getBlockHash", serde_json::json!([head_while_down])).unwrap();
	assert_eq!(hash(alice), hash(&charlie), "charlie has alice's chain");
	assert_eq!(hash(bob), hash(&charlie), "charlie has bob's chain");
}
