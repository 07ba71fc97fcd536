//! Operator mistakes end with one line that says what to fix.

use std::{
	io::{Read, Write},
	net::TcpListener,
	process::Output,
	time::Duration,
};
use xmbl_e2e::{run_node_command, Node, NodeConfig};

/// The one `Error: ` line of stderr, after checking the command failed. (The node's
/// log lines are written by a logger thread, so they may come after it.)
fn error_line(output: &Output) -> String {
	assert!(!output.status.success(), "the command succeeded: {output:?}");
	let stderr = String::from_utf8_lossy(&output.stderr);
	let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("Error: ")).collect();
	assert_eq!(errors.len(), 1, "exactly one error line in:\n{stderr}");
	errors[0].to_owned()
}

#[test]
fn unknown_chain_names_the_accepted_values() {
	let line = error_line(&run_node_command(&["--chain", "mainnet-of-dreams", "--tmp"]));
	assert!(line.contains("unknown chain 'mainnet-of-dreams'"), "{line}");
	assert!(line.contains("`dev`, `local`"), "{line}");
}

#[test]
fn malformed_chain_spec_names_the_file_and_the_fix() {
	let dir = tempfile::tempdir().unwrap();
	let spec = dir.path().join("broken.json");
	std::fs::write(&spec, b"{ \"name\": \"half a spec\", ").unwrap();
	let line = error_line(&run_node_command(&["--chain", spec.to_str().unwrap(), "--tmp"]));
	assert!(line.contains("broken.json is not a valid chain spec"), "{line}");
	assert!(line.contains("regenerate"), "{line}");
}

#[test]
fn busy_rpc_port_names_the_port_and_the_flag() {
	let holder = TcpListener::bind("127.0.0.1:0").unwrap();
	let port = holder.local_addr().unwrap().port().to_string();
	let output = run_node_command(&[
		"--dev",
		"--tmp",
		"--rpc-port",
		&port,
		"--port",
		"0",
		"--no-prometheus",
		"--no-mdns",
	]);
	let line = error_line(&output);
	assert!(line.contains(&format!("RPC port {port}")), "{line}");
	assert!(line.contains("--rpc-port"), "{line}");
	drop(holder);
}

/// The `Access-Control-Allow-Origin` the node answers a CORS preflight of a JSON-RPC POST
/// from a page of `origin` with, if any.
fn allowed_origin(node: &Node, origin: &str) -> Option<String> {
	let address = node.ws_url().trim_start_matches("ws://").to_owned();
	let request = format!(
		"OPTIONS / HTTP/1.1\r\nHost: {address}\r\nOrigin: {origin}\r\n\
		 Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\
		 Connection: close\r\n\r\n"
	);
	let mut socket = std::net::TcpStream::connect(&address).unwrap();
	socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
	socket.write_all(request.as_bytes()).unwrap();
	let mut response = String::new();
	let _ = socket.read_to_string(&mut response);
	assert!(response.starts_with("HTTP/1.1 "), "not an HTTP response: {response:?}");
	response.lines().find_map(|line| {
		let (name, value) = line.split_once(": ")?;
		name.eq_ignore_ascii_case("access-control-allow-origin")
			.then(|| value.trim().to_owned())
	})
}

/// `--dev` alone would let any web page pass the CORS preflight of a JSON-RPC call and read
/// its answer, unsafe methods (`author_insertKey`) included: without `--rpc-cors`, a dev
/// node allows the dashboard's and polkadot.js apps' origins only. How it fails: a node that
/// keeps Substrate's `--dev` default (every origin) allows the stranger's page.
#[test]
fn a_dev_node_lets_only_the_dashboard_and_polkadot_js_pages_call_its_rpc() {
	let node =
		Node::start("rpc-origins", NodeConfig::dev_validator(0xc025, vec!["--no-provider".into()]));
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));
	for stranger in ["https://evil.example", "http://192.168.1.20:8080", "null"] {
		assert_eq!(allowed_origin(&node, stranger), None, "{stranger}");
	}
	for allowed in ["https://polkadot.js.org", "http://localhost:8080", "http://127.0.0.1:3000"] {
		assert_eq!(allowed_origin(&node, allowed).as_deref(), Some(allowed), "{allowed}");
	}
}
