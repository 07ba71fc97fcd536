//! Harness for end-to-end tests: starts real `xmbl-node` processes on loopback
//! ports, talks to them over JSON-RPC, and kills them when dropped (also when a
//! test panics), so no process outlives its test.

use serde_json::{json, Value};
use std::{
	io::{BufRead, BufReader},
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	sync::{Arc, Mutex},
	thread,
	time::{Duration, Instant},
};

/// The `xmbl-node` binary under test: `$XMBL_NODE`, or the one cargo built next to
/// this test executable.
pub fn node_binary() -> PathBuf {
	std::env::var_os("XMBL_NODE").map(PathBuf::from).unwrap_or_else(|| built_binary("xmbl-node"))
}

/// The `xmbl` client binary built next to this test executable.
pub fn client_binary() -> PathBuf {
	built_binary("xmbl")
}

/// `target/<profile>/<name>`, where cargo puts the workspace's binaries.
fn built_binary(name: &str) -> PathBuf {
	let exe = std::env::current_exe().expect("test executable has a path");
	let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
	let binary = profile_dir.join(name);
	assert!(
		binary.is_file(),
		"{} does not exist: build it first with `cargo build --workspace --bins`",
		binary.display()
	);
	binary
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the repo").into()
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind port 0").port()
}

/// Run `xmbl-node` with `args` to completion.
pub fn run_node_command(args: &[&str]) -> Output {
	Command::new(node_binary()).args(args).output().expect("run xmbl-node")
}

/// The libp2p peer id of an ed25519 node key given as hex.
pub fn peer_id_of(node_key_hex: &str) -> String {
	let dir = tempfile::tempdir().expect("tempdir");
	let file = dir.path().join("node-key");
	std::fs::write(&file, node_key_hex).expect("write node key");
	let output = run_node_command(&["key", "inspect-node-key", "--file", file.to_str().unwrap()]);
	assert!(output.status.success(), "inspect-node-key: {}", String::from_utf8_lossy(&output.stderr));
	String::from_utf8(output.stdout).expect("utf8").trim().to_owned()
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// `--chain` value.
	pub chain: String,
	/// Dev key name (`alice`, `bob`, ...) whose keys the node validates with, if any.
	pub validator: Option<String>,
	/// Hex ed25519 node key, so that the node's peer id is known in advance.
	pub node_key: Option<String>,
	/// Extra arguments, such as `--bootnodes`.
	pub extra_args: Vec<String>,
}

/// A running `xmbl-node` process. Dropping it kills the process.
pub struct Node {
	pub name: String,
	pub rpc_port: u16,
	pub p2p_port: u16,
	config: NodeConfig,
	base_path: tempfile::TempDir,
	child: Mutex<Option<Child>>,
	log: Arc<Mutex<Vec<String>>>,
}

impl Node {
	/// Start a node with fresh ports and a fresh database.
	pub fn start(name: &str, config: NodeConfig) -> Node {
		let base_path = tempfile::Builder::new().prefix("xmbl-e2e-").tempdir().expect("tempdir");
		let mut node = Node {
			name: name.into(),
			rpc_port: free_port(),
			p2p_port: free_port(),
			config,
			base_path,
			child: Mutex::new(None),
			log: Default::default(),
		};
		node.spawn();
		node
	}

	fn spawn(&mut self) {
		let mut args: Vec<String> = vec![
			"--chain".into(),
			self.config.chain.clone(),
			"--base-path".into(),
			self.base_path.path().display().to_string(),
			"--rpc-port".into(),
			self.rpc_port.to_string(),
			"--listen-addr".into(),
			format!("/ip4/127.0.0.1/tcp/{}", self.p2p_port),
			"--name".into(),
			self.name.clone(),
			"--no-prometheus".into(),
			"--no-telemetry".into(),
			"--no-mdns".into(),
			"--rpc-cors".into(),
			"all".into(),
		];
		if let Some(validator) = &self.config.validator {
			args.push("--validator".into());
			args.push(format!("--{validator}"));
		}
		if let Some(key) = &self.config.node_key {
			args.push("--node-key".into());
			args.push(key.clone());
		}
		args.extend(self.config.extra_args.iter().cloned());

		let mut child = Command::new(node_binary())
			.args(&args)
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.expect("spawn xmbl-node");
		let stderr = child.stderr.take().expect("piped stderr");
		let log = self.log.clone();
		thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				log.lock().unwrap().push(line);
			}
		});
		*self.child.get_mut().unwrap() = Some(child);
	}

	/// The node's `/ip4/127.0.0.1/tcp/<port>/p2p/<peer id>` address.
	pub fn multiaddr(&self) -> String {
		let key = self.config.node_key.as_deref().expect("multiaddr needs a fixed node key");
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.p2p_port, peer_id_of(key))
	}

	/// Kill the process (as a crash would); its database stays for a restart.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.get_mut().unwrap().take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Start the process again on the same ports and database.
	pub fn restart(&mut self) {
		self.kill();
		self.spawn();
	}

	/// The last lines the node logged, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let log = self.log.lock().unwrap();
		log[log.len().saturating_sub(lines)..].join("\n")
	}

	/// Call a JSON-RPC method over HTTP; `Err` carries a transport or RPC error.
	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		rpc_call(self.rpc_port, method, params)
	}

	/// The number of the best block.
	pub fn best_number(&self) -> Result<u64, String> {
		let header = self.rpc("chain_getHeader", json!([]))?;
		parse_number(&header["number"])
	}

	/// The number of the last finalized block.
	pub fn finalized_number(&self) -> Result<u64, String> {
		let hash = self.rpc("chain_getFinalizedHead", json!([]))?;
		let header = self.rpc("chain_getHeader", json!([hash]))?;
		parse_number(&header["number"])
	}

	/// Wait until `condition` holds for this node, or panic with its log after
	/// `timeout` or as soon as the process exits.
	pub fn wait_until(&self, what: &str, timeout: Duration, condition: impl Fn(&Node) -> bool) {
		let start = Instant::now();
		while start.elapsed() < timeout {
			if condition(self) {
				return;
			}
			let exited = self.child.lock().unwrap().as_mut().and_then(|c| c.try_wait().ok().flatten());
			if let Some(status) = exited {
				panic!("{}: exited ({status}) before {what}; log:\n{}", self.name, self.log_tail(40));
			}
			thread::sleep(Duration::from_millis(500));
		}
		panic!("{}: {what} did not happen within {timeout:?}; log:\n{}", self.name, self.log_tail(40));
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

fn parse_number(value: &Value) -> Result<u64, String> {
	let hex = value.as_str().ok_or_else(|| format!("not a hex number: {value}"))?;
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(|e| e.to_string())
}

/// One JSON-RPC call to the node at 127.0.0.1:`port`, through the client library.
pub fn rpc_call(port: u16, method: &str, params: Value) -> Result<Value, String> {
	let client = xmbl_client::RpcClient::new(&format!("127.0.0.1:{port}")).map_err(|e| e.to_string())?;
	client.call(method, params).map_err(|e| e.to_string())
}
