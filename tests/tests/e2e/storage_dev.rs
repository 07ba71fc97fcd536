//! The storage market on one machine: a dev node serving the dev chain's five genesis
//! storage providers (each with its own folder and port). `xmbl put` stores a file with the
//! default 3+2, every shard lands on its provider's disk and is confirmed; two proof periods
//! pass with every proof accepted and the providers paid; `sudo(system.setCode)` upgrades the
//! runtime to the next spec version and the providers, never restarted, prove and are paid
//! for two more periods with none missed; `xmbl get` returns the same bytes and refuses a
//! signer who does not own the deal (exit 1, `not_owner`) and, with `--root` of another file,
//! refuses the manifest (exit 7, `root_mismatch`) without writing a file; `cancel` releases
//! the escrow and the shard files leave the disks.
//!
//! How it fails: a provider service that signs with the spec version or metadata hash it
//! was built with has every proof after the upgrade refused (`missed` > 0, `last_proven`
//! stuck); a client that refuses the upgraded runtime fails `get` and `cancel`; a `get`
//! that ignores `--root`, or checks it only after writing, succeeds or leaves a file.

use polkadot_sdk::{frame_system, pallet_sudo};
use serde_json::json;
use std::time::Duration;
use xmbl_client::{Chain, Wait};
use xmbl_e2e::{block_on, planck, random_bytes, shard_files, xmbl, Node, NodeConfig};
use xmbl_runtime::{RuntimeCall, RuntimeEvent};

/// The file's owner: a funded dev account that is not a provider.
const OWNER: &str = "//Ferdie";

#[test]
fn put_prove_get_and_cancel_on_one_dev_node() {
	let node = Node::start(
		"dev",
		NodeConfig::dev_validator(
			0x5701,
			// The ports the dev chain's genesis providers registered.
			vec!["--storage-port".into(), "30400".into()],
		),
	);
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));

	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("photo.raw");
	let original = random_bytes(5 * 1024 * 1024 + 123, 0x5eed);
	std::fs::write(&file, &original).unwrap();
	let free = |who: &str| planck(&xmbl(&node, OWNER, &["balance", who]).unwrap()["free"]);
	let bob_before = free("//Bob");

	let put = xmbl(&node, OWNER, &["put", file.to_str().unwrap(), "--blocks", "100"])
		.unwrap_or_else(|failure| panic!("put failed: {failure:?}\n{}", node.log_tail(60)));
	assert_eq!(put["data_shards"], 3, "{put}");
	assert_eq!(put["parity_shards"], 2, "{put}");
	assert_eq!(put["bytes"], original.len() as u64, "{put}");
	let id = put["deal"].as_u64().expect("a deal id").to_string();
	let mut providers: Vec<_> = put["shards"]
		.as_array()
		.unwrap()
		.iter()
		.map(|shard| shard["provider"].clone())
		.collect();
	providers.sort_by_key(|provider| provider.to_string());
	providers.dedup();
	assert_eq!(providers.len(), 5, "five distinct providers: {put}");
	// Every shard is on its provider's disk (the store names files by their root).
	let stored = shard_files(node.base_path());
	for shard in put["shards"].as_array().unwrap() {
		let root = shard["root"].as_str().unwrap().trim_start_matches("0x");
		assert!(stored.contains(&format!("{root}.shard")), "shard {root} not on disk: {stored:?}");
	}

	// Two periods (10 blocks each) proven by every provider, on chain.
	let deal = |node: &Node| xmbl(node, OWNER, &["deal", &id]).unwrap();
	node.wait_until("every shard proven for periods 0 and 1", Duration::from_secs(240), |n| {
		deal(n)["shards"]
			.as_array()
			.unwrap()
			.iter()
			.all(|shard| shard["last_proven"].as_u64().is_some_and(|period| period >= 1))
	});
	let shown = deal(&node);
	assert_eq!(shown["status"], "active", "{shown}");
	assert!(
		shown["shards"].as_array().unwrap().iter().all(|shard| shard["missed"] == 0),
		"{shown}"
	);
	// Bob keeps one shard and signs nothing but free confirmations and proofs: his balance
	// grew by the price of each period he proved.
	let price = planck(&shown["price"]);
	let earned = free("//Bob") - bob_before;
	assert!(
		earned >= 2 * price && earned.is_multiple_of(price),
		"Bob earned {earned}, price {price}"
	);

	// A runtime upgrade under the running provider service: the same runtime at the next
	// spec version, set by the sudo key.
	let spec_version =
		|n: &Node| n.rpc("state_getRuntimeVersion", json!([])).unwrap()["specVersion"].as_u64();
	assert_eq!(spec_version(&node), Some(u64::from(xmbl_runtime::VERSION.spec_version)));
	let proven_before: Vec<u64> = deal(&node)["shards"]
		.as_array()
		.unwrap()
		.iter()
		.map(|shard| shard["last_proven"].as_u64().unwrap())
		.collect();
	let bob_before_upgrade = free("//Bob");
	let code = xmbl_runtime::next_spec_version::WASM_BINARY
		.expect("built with its WASM")
		.to_vec();
	let events = block_on(async {
		let chain = Chain::connect(&node.ws_url()).await.unwrap();
		let set_code = RuntimeCall::System(frame_system::Call::set_code { code });
		let call = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(set_code) });
		let alice = xmbl_client::signer("//Alice").unwrap();
		chain
			.submit(&alice, call, None, Wait::InBlock, Duration::from_secs(300), |_| {})
			.await
			.unwrap_or_else(|error| panic!("sudo(set_code): {error}"))
			.included
			.expect("in a block")
			.events
	});
	assert!(
		events.iter().any(|event| matches!(
			event,
			RuntimeEvent::System(frame_system::Event::CodeUpdated { .. })
		)),
		"no CodeUpdated: {events:?}"
	);
	node.wait_until("the next spec version runs", Duration::from_secs(30), |n| {
		spec_version(n) == Some(u64::from(xmbl_runtime::VERSION.spec_version) + 1)
	});
	node.wait_until(
		"every shard proven for two periods after the upgrade",
		Duration::from_secs(240),
		|n| {
			deal(n)["shards"].as_array().unwrap().iter().zip(&proven_before).all(
				|(shard, before)| {
					shard["last_proven"].as_u64().is_some_and(|period| period >= before + 2)
				},
			)
		},
	);
	let shown = deal(&node);
	assert!(
		shown["shards"].as_array().unwrap().iter().all(|shard| shard["missed"] == 0),
		"a period was missed across the upgrade: {shown}"
	);
	let earned = free("//Bob") - bob_before_upgrade;
	assert!(
		earned >= 2 * price && earned.is_multiple_of(price),
		"Bob earned {earned} after the upgrade, price {price}"
	);

	// Any machine with the owner's secret reads the file back, pinned to the root `put`
	// printed.
	let out = dir.path().join("photo.back");
	let root = put["file_root"].as_str().unwrap();
	let got = xmbl(&node, OWNER, &["get", &id, "-o", out.to_str().unwrap(), "--root", root])
		.unwrap_or_else(|failure| panic!("get failed: {failure:?}"));
	assert_eq!(got["bytes"], original.len() as u64, "{got}");
	assert!(std::fs::read(&out).unwrap() == original, "get returned other bytes");
	// Pinned to another root, `get` refuses the manifest before it writes anything.
	let pinned_elsewhere = dir.path().join("other-root.out");
	let other_root = format!("0x{}", "ab".repeat(32));
	let refused = xmbl(
		&node,
		OWNER,
		&["get", &id, "-o", pinned_elsewhere.to_str().unwrap(), "--root", &other_root],
	)
	.unwrap_err();
	assert_eq!(refused.code, 7, "{refused:?}");
	assert_eq!(refused.error["error"]["kind"], "root_mismatch", "{refused:?}");
	assert!(!pinned_elsewhere.exists() && !dir.path().join("other-root.out.partial").exists());
	// Someone else cannot: the deal is not theirs, and no file is written.
	let stranger = dir.path().join("stranger.out");
	let refused =
		xmbl(&node, "//Dave", &["get", &id, "-o", stranger.to_str().unwrap()]).unwrap_err();
	assert_eq!(refused.code, 1, "{refused:?}");
	assert_eq!(refused.error["error"]["kind"], "not_owner", "{refused:?}");
	assert!(!stranger.exists());

	// Cancel: the escrow is released and every provider deletes its shard.
	let cancelled = xmbl(&node, OWNER, &["cancel", &id]).unwrap();
	assert!(cancelled["events"].to_string().contains("DealCancelled"), "{cancelled}");
	assert_eq!(xmbl(&node, OWNER, &["balance"]).unwrap()["held"], "0");
	node.wait_until("every shard deleted", Duration::from_secs(60), |n| {
		shard_files(n.base_path()).is_empty()
	});
	let gone = xmbl(&node, OWNER, &["deal", &id]).unwrap_err();
	assert_eq!(gone.code, 1, "{gone:?}");
}
