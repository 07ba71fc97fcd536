//! Validators that join and leave a running network, and an equivocating one.
//!
//! On the three-validator local network (sessions of 10 slots, 30 s), Dave starts a node
//! with an empty keystore, makes session keys on it and registers them
//! (`xmbl validator set-keys`), and governance admits him (`xmbl validator add`, sudo).
//! From the session after next he authors BABE blocks (an authority index of his in a
//! block's pre-digest) and votes in GRANDPA: with Charlie stopped, finality goes on only
//! because three of four voters remain, and 2 of 4 could not finalize. A second node
//! started with Charlie's keys makes Charlie sign two blocks in one slot: the equivocation
//! is reported, Charlie is disabled at once and leaves the set. Governance then removes
//! Dave; once he is out, his node stops and blocks are still finalized.
//!
//! How it fails: a join that never shows in the session (no keys, or the session manager
//! never plans the new set), no block with Dave's index, finality stuck while Charlie is
//! down (Dave not voting, or the four-voter set never finalized), no report within the
//! timeout, or finality stuck after Dave leaves (the removal never took effect).

use polkadot_sdk::{
	sp_core::crypto::{AccountId32, Ss58Codec},
	sp_crypto_hashing::twox_128,
};
use serde_json::{json, Value};
use std::time::Duration;
use xmbl_e2e::{start_local_network, xmbl, Node, NodeConfig};

/// A session is 10 slots of 3 s; a set change shows two sessions after it is made.
const TWO_SESSIONS: Duration = Duration::from_secs(150);

const DAVE: &str = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";
const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

/// `xmbl validator list` on `node`.
fn validators(node: &Node) -> Value {
	xmbl(node, "//Alice", &["validator", "list"])
		.unwrap_or_else(|failure| panic!("validator list: {failure:?}"))
}

fn contains(list: &Value, who: &str) -> bool {
	list.as_array().is_some_and(|list| list.iter().any(|entry| entry == who))
}

/// The BABE authority index in a header's pre-runtime digest: `0x06`, the engine id
/// `BABE`, the SCALE length of the pre-digest, its variant byte and the index (u32 LE).
fn babe_author(header: &Value) -> Option<u32> {
	header["digest"]["logs"].as_array()?.iter().find_map(|log| {
		let hex = log.as_str()?.strip_prefix("0x06")?.strip_prefix("42414245")?;
		let bytes = hex::decode(hex).ok()?;
		// The SCALE compact length takes one byte below 64 and two below 16,384; a
		// secondary-VRF pre-digest (109 bytes) has two.
		let offset = if bytes[0] & 0b11 == 0 { 1 } else { 2 };
		let index = bytes.get(offset + 1..offset + 5)?;
		Some(u32::from_le_bytes(index.try_into().ok()?))
	})
}

/// The number of GRANDPA voters in `node`'s finalized state. A set change is enacted by
/// the client only once the block that signals it is finalized, so this is the set that
/// votes on the next blocks.
fn finalized_voters(node: &Node) -> Option<u8> {
	let finalized = node.rpc("chain_getFinalizedHead", json!([])).ok()?;
	let key = [twox_128(b"Grandpa"), twox_128(b"Authorities")].concat();
	let value = node
		.rpc("state_getStorage", json!([format!("0x{}", hex::encode(key)), finalized]))
		.ok()?;
	// A SCALE vector of (key, weight); its compact length fits one byte up to 63.
	let bytes = hex::decode(value.as_str()?.strip_prefix("0x")?).ok()?;
	Some(bytes.first()? >> 2)
}

/// `Session` storage item `item` at block `number` of `node`'s best chain, raw.
fn session_storage_at(node: &Node, item: &[u8], number: u64) -> Option<Vec<u8>> {
	let hash = node.rpc("chain_getBlockHash", json!([number])).ok()?;
	let key = [twox_128(b"Session"), twox_128(item)].concat();
	let value = node
		.rpc("state_getStorage", json!([format!("0x{}", hex::encode(key)), hash]))
		.ok()?;
	hex::decode(value.as_str()?.strip_prefix("0x")?).ok()
}

/// Whether Charlie is among the session's disabled validators in block `number`. The
/// validators are a SCALE vector of 32-byte accounts, the disabled ones a vector of
/// (index u32, severity Perbill u32); both counts stay below 64, one byte of length.
fn charlie_disabled_at(node: &Node, number: u64) -> bool {
	let charlie: [u8; 32] = AccountId32::from_ss58check(CHARLIE).expect("charlie's address").into();
	let Some(validators) = session_storage_at(node, b"Validators", number) else { return false };
	let Some(index) = validators.get(1..).unwrap_or_default().chunks(32).position(|v| v == charlie)
	else {
		return false;
	};
	let Some(disabled) = session_storage_at(node, b"DisabledValidators", number) else {
		return false;
	};
	disabled
		.get(1..)
		.unwrap_or_default()
		.chunks(8)
		.any(|entry| entry.get(..4) == Some(&(index as u32).to_le_bytes()[..]))
}

/// Wait until `node` has finalized `blocks` more blocks than now.
fn finalizes(node: &Node, blocks: u64, what: &str) {
	let from = node.finalized_number().unwrap();
	node.wait_until(what, Duration::from_secs(120), |n| {
		n.finalized_number().is_ok_and(|f| f >= from + blocks)
	});
}

#[test]
fn a_validator_joins_authors_and_votes_an_equivocator_is_disabled_and_a_removed_one_leaves() {
	let mut network = start_local_network(3);
	let alice = &network[0];
	let bootnodes = network.iter().map(Node::multiaddr).collect::<Vec<_>>();
	let with_bootnodes = |mut args: Vec<String>| {
		args.push("--bootnodes".into());
		args.extend(bootnodes.iter().cloned());
		args
	};
	let mut dave = Node::start(
		"dave",
		NodeConfig {
			chain: alice.chain().to_owned(),
			validator: None,
			node_key: Some(format!("{:064x}", 4)),
			extra_args: with_bootnodes(vec!["--validator".into()]),
		},
	);
	dave.wait_until("dave syncs", Duration::from_secs(120), |n| {
		n.best_number().is_ok_and(|b| b >= 2)
	});

	// A stranger cannot admit itself; keys first, then governance.
	let refused = xmbl(&dave, "//Dave", &["validator", "add", DAVE]).unwrap_err();
	assert_eq!(refused.code, 3, "a non-sudo signer is refused: {:?}", refused.error);
	let keys = xmbl(&dave, "//Dave", &["validator", "set-keys"])
		.unwrap_or_else(|failure| panic!("set-keys: {failure:?}"));
	assert_eq!(keys["keys"].as_str().map(str::len), Some(2 + 2 * 64), "BABE + GRANDPA keys");
	let added = xmbl(alice, "//Alice", &["validator", "add", DAVE])
		.unwrap_or_else(|failure| panic!("validator add: {failure:?}"));
	assert!(
		added["events"].to_string().contains("ValidatorAdded"),
		"the admission is an event: {added}"
	);
	assert!(contains(&validators(alice)["planned"], DAVE));

	// From the session after next, Dave is a BABE authority and authors blocks.
	alice.wait_until("dave in the session's validators", TWO_SESSIONS, |n| {
		contains(&validators(n)["validators"], DAVE)
	});
	let set = validators(alice);
	let dave_index = set["validators"]
		.as_array()
		.unwrap()
		.iter()
		.position(|v| v == DAVE)
		.expect("dave is a validator") as u32;
	let first = alice.best_number().unwrap();
	alice.wait_until("a block authored by dave", Duration::from_secs(90), |n| {
		let best = n.best_number().unwrap_or(first);
		(first + 1..=best).any(|number| {
			n.header_at(number).ok().and_then(|h| babe_author(&h)) == Some(dave_index)
		})
	});

	// Dave votes: with Charlie down, 3 of 4 voters remain, which finalizes; without
	// Dave's votes 2 of 4 could not. Charlie stops only once the four-voter set is
	// enacted: the three-voter set before it needs all three to finalize the change.
	alice.wait_until("four GRANDPA voters finalized", TWO_SESSIONS, |n| {
		finalized_voters(n) == Some(4)
	});
	network[2].kill();
	finalizes(&network[0], 3, "finality with charlie down");
	network[2].restart();
	finalizes(&network[2], 3, "charlie back");
	let alice = &network[0];

	// A second node with Charlie's keys: two blocks in one slot, reported and punished.
	let twin = Node::start(
		"charlie-twin",
		NodeConfig {
			chain: alice.chain().to_owned(),
			validator: Some("charlie".into()),
			node_key: Some(format!("{:064x}", 5)),
			extra_args: with_bootnodes(Vec::new()),
		},
	);
	// The twin compiles the runtime and syncs first (over a minute on a loaded machine): the
	// sessions' wait starts once it can author.
	let head = alice.best_number().unwrap();
	twin.wait_until("the twin synced", Duration::from_secs(180), |n| {
		n.best_number().is_ok_and(|best| best >= head)
	});
	// The lasting outcome: the offence is recorded and Charlie is out of the planned set.
	// The twin equivocates only in Charlie's slots once it authors, and the disabling lasts
	// only to the end of the session (seconds, when the report lands in its last slots), so
	// the wait is for the lasting state and the disabling is then looked up block by block.
	let reports = [twox_128(b"Offences"), twox_128(b"Reports")].concat();
	let offence_recorded = |n: &Node| {
		n.rpc("state_getKeys", json!([format!("0x{}", hex::encode(&reports))]))
			.is_ok_and(|keys| keys.as_array().is_some_and(|keys| !keys.is_empty()))
	};
	alice.wait_until(
		"charlie's equivocation recorded and charlie out of the plan",
		TWO_SESSIONS * 2,
		|n| offence_recorded(n) && !contains(&validators(n)["planned"], CHARLIE),
	);
	let best = alice.best_number().unwrap();
	let disabled_at = (head..=best).find(|&number| charlie_disabled_at(alice, number));
	assert!(disabled_at.is_some(), "charlie disabled in no block from #{head} to #{best}");
	drop(twin);

	// Governance removes Dave; once he is out of the session, his node stops and the
	// remaining validators still finalize.
	let removed = xmbl(alice, "//Alice", &["validator", "remove", DAVE])
		.unwrap_or_else(|failure| panic!("validator remove: {failure:?}"));
	assert!(removed["events"].to_string().contains("ValidatorRemoved"), "{removed}");
	alice.wait_until("dave out of the session", TWO_SESSIONS, |n| {
		let set = validators(n);
		!contains(&set["validators"], DAVE) && !contains(&set["validators"], CHARLIE)
	});
	alice.wait_until("two GRANDPA voters finalized", TWO_SESSIONS, |n| {
		finalized_voters(n) == Some(2)
	});
	dave.kill();
	finalizes(alice, 3, "finality without dave");
}
