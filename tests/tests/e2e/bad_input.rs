//! Operator mistakes end with one line that says what to fix.

use std::{net::TcpListener, process::Output};
use xmbl_e2e::run_node_command;

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
