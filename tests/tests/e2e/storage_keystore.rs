//! The production form of a storage provider's key: an `xmst` key inserted into the node's
//! keystore with `xmbl-node key insert` is served as a storage provider (its shard server
//! answers as that account), and it replaces the dev chain's default providers.

use std::{
	io::{Read, Write},
	net::TcpStream,
	time::Duration,
};
use xmbl_e2e::{free_port_range, run_node_command, xmbl, Node, NodeConfig};

#[test]
fn a_provider_key_in_the_keystore_is_served() {
	let ports = free_port_range(1);
	let port = ports.first();
	let node = Node::start_prepared(
		"keystore",
		NodeConfig::dev_validator(0x5703, vec!["--storage-port".into(), port.to_string()]),
		|base_path| {
			let inserted = run_node_command(&[
				"key",
				"insert",
				"--base-path",
				base_path.to_str().unwrap(),
				"--chain",
				"dev",
				"--key-type",
				"xmst",
				"--scheme",
				"sr25519",
				"--suri",
				"//Ferdie",
			]);
			assert!(inserted.status.success(), "key insert: {inserted:?}");
		},
	);
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));
	let ferdie = xmbl(&node, "//Ferdie", &["balance"]).unwrap()["account"]
		.as_str()
		.unwrap()
		.to_owned();

	// The shard server on the first storage port answers as Ferdie.
	node.wait_until("the shard server answers", Duration::from_secs(30), |_| {
		TcpStream::connect(("127.0.0.1", port)).is_ok()
	});
	let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
	let root = "00".repeat(32);
	write!(stream, "GET /shards/{root} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
		.unwrap();
	let mut reply = String::new();
	stream.read_to_string(&mut reply).unwrap();
	assert!(reply.starts_with("HTTP/1.1 404"), "{reply}");
	assert!(
		reply.contains(&format!("no live deal assigns shard {root} to provider {ferdie}")),
		"{reply}"
	);
	// Only the keystore's key: the dev chain's five default providers are not served.
	let log = node.log_tail(400);
	assert!(log.contains(&format!("provider {ferdie}: 0 shards")), "{log}");
	assert_eq!(log.matches(": 0 shards in ").count(), 1, "{log}");
}
