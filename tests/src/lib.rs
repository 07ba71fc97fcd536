//! Harness for end-to-end tests: starts real `xmbl-node` processes on loopback,
//! talks to them over JSON-RPC (WebSocket), and kills them when dropped (also when a
//! test panics), so no process outlives its test.
//!
//! Every node binds port 0 for RPC and p2p and the harness reads the ports the node
//! reports; storage ports, which a provider registers before its node binds them, are
//! reserved under lock files ([`free_port_range`]), so parallel tests never race for a port. The nodes of the local network
//! run a copy of `chain-spec/local.json` without its fixed bootnodes, so they never
//! join a `scripts/local-network.sh` running on the same machine.

use jsonrpsee::{
	core::{client::ClientT, traits::ToRpcParams},
	ws_client::{WsClient, WsClientBuilder},
};
use serde_json::{json, value::RawValue, Value};
use std::{
	io::{BufRead, BufReader, Write},
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	sync::{Arc, LazyLock, Mutex},
	thread,
	time::{Duration, Instant},
};

/// The one tokio runtime that drives every RPC call of the harness.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
	tokio::runtime::Builder::new_multi_thread()
		.worker_threads(1)
		.enable_all()
		.build()
		.expect("tokio runtime for the e2e harness")
});

/// Runs `future` (client library calls: `xmbl_client::Chain`) on the harness's runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
	RUNTIME.block_on(future)
}

/// How long a node may take from spawn to serving RPC (it compiles the runtime first).
const RPC_START_TIMEOUT: Duration = Duration::from_secs(120);

/// What sc-rpc-server logs once it listens: `Running JSON-RPC server: addr=127.0.0.1:NNNN,`.
const RPC_LISTENING: &str = "Running JSON-RPC server: addr=";

/// The validators of `chain-spec/local.json`, in the order `start_local_network` starts them.
pub const LOCAL_AUTHORITIES: [&str; 3] = ["alice", "bob", "charlie"];

/// The `xmbl-node` binary under test: `$XMBL_NODE`, or the one cargo built next to
/// this test executable.
pub fn node_binary() -> PathBuf {
	std::env::var_os("XMBL_NODE")
		.map(PathBuf::from)
		.unwrap_or_else(|| built_binary("xmbl-node"))
}

/// With `$XMBL_E2E_LOG_DIR` set, every node's whole log is appended to `<dir>/<name>.log`
/// (failure messages show only the last lines).
fn log_file(name: &str) -> Option<std::fs::File> {
	let dir = PathBuf::from(std::env::var_os("XMBL_E2E_LOG_DIR")?);
	std::fs::create_dir_all(&dir)
		.and_then(|()| {
			std::fs::OpenOptions::new()
				.create(true)
				.append(true)
				.open(dir.join(format!("{name}.log")))
		})
		.inspect_err(|e| eprintln!("XMBL_E2E_LOG_DIR {}: {e}", dir.display()))
		.ok()
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
///
/// `cargo test` sets `CARGO_MANIFEST_DIR` for the test process, which is read first: the
/// value compiled in can name another checkout when an incremental build in a shared
/// target dir reused it.
pub fn repo_root() -> PathBuf {
	let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
	Path::new(&manifest_dir).parent().expect("tests/ is in the repo").into()
}

/// Run `xmbl-node` with `args` to completion.
pub fn run_node_command(args: &[&str]) -> Output {
	Command::new(node_binary()).args(args).output().expect("run xmbl-node")
}

/// Write `chain-spec/local.json` with `"bootNodes": []` into `dir` and return its path:
/// the shipped bootnodes are fixed loopback ports that `scripts/local-network.sh` uses.
pub fn local_spec_without_bootnodes(dir: &Path) -> PathBuf {
	let shipped = repo_root().join("chain-spec/local.json");
	let mut spec: Value = serde_json::from_slice(
		&std::fs::read(&shipped).unwrap_or_else(|e| panic!("read {}: {e}", shipped.display())),
	)
	.unwrap_or_else(|e| panic!("{} is not JSON: {e}", shipped.display()));
	spec["bootNodes"] = json!([]);
	let copy = dir.join("local-without-bootnodes.json");
	std::fs::write(&copy, serde_json::to_vec(&spec).expect("serialize spec"))
		.unwrap_or_else(|e| panic!("write {}: {e}", copy.display()));
	copy
}

/// Start the first `count` validators of the local spec (Alice, Bob, Charlie), each
/// given every earlier node as bootnode, and wait until each has finalized block 1.
/// GRANDPA needs all three equal voters, so with fewer nodes it waits for block 1 only.
pub fn start_local_network(count: usize) -> Vec<Node> {
	start_local_network_with(count, |_| Vec::new())
}

/// [`start_local_network`], giving the `index`-th node the arguments `extra_args(index)`
/// as well (such as the storage providers it serves).
pub fn start_local_network_with(
	count: usize,
	extra_args: impl Fn(usize) -> Vec<String>,
) -> Vec<Node> {
	assert!(
		(1..=LOCAL_AUTHORITIES.len()).contains(&count),
		"the local spec has {} validators, not {count}",
		LOCAL_AUTHORITIES.len()
	);
	let spec_dir =
		Arc::new(tempfile::Builder::new().prefix("xmbl-e2e-spec-").tempdir().expect("tempdir"));
	let spec = local_spec_without_bootnodes(spec_dir.path());
	let mut nodes: Vec<Node> = Vec::with_capacity(count);
	for (index, name) in LOCAL_AUTHORITIES[..count].iter().enumerate() {
		let mut extra_args = extra_args(index);
		if !nodes.is_empty() {
			extra_args.push("--bootnodes".to_string());
			extra_args.extend(nodes.iter().map(Node::multiaddr));
		}
		let mut node = Node::start(
			name,
			NodeConfig {
				chain: spec.display().to_string(),
				validator: Some(name.to_string()),
				// A validator must keep its network identity across restarts; the
				// keys are public, for loopback only (chain-spec/regenerate.sh uses them too).
				node_key: Some(format!("{:064x}", index + 1)),
				extra_args,
			},
		);
		node.spec_dir = Some(spec_dir.clone());
		nodes.push(node);
	}
	let finalizes = count == LOCAL_AUTHORITIES.len();
	for node in &nodes {
		if finalizes {
			node.wait_until("block 1 finalized", Duration::from_secs(180), |n| {
				n.finalized_number().is_ok_and(|f| f >= 1)
			});
		} else {
			node.wait_until("block 1", Duration::from_secs(180), |n| {
				n.best_number().is_ok_and(|b| b >= 1)
			});
		}
	}
	nodes
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// `--chain` value.
	pub chain: String,
	/// Dev key name (`alice`, `bob`, ...) whose keys the node validates with, if any.
	pub validator: Option<String>,
	/// Hex ed25519 node key (`--node-key`), if the node's peer id must not change.
	pub node_key: Option<String>,
	/// Extra arguments, such as `--bootnodes`.
	pub extra_args: Vec<String>,
}

impl NodeConfig {
	/// A validator of the dev chain (Alice) with the fixed network key `node_key`, so its
	/// peer id does not change across restarts.
	pub fn dev_validator(node_key: u64, extra_args: Vec<String>) -> Self {
		NodeConfig {
			chain: "dev".into(),
			validator: Some("alice".into()),
			node_key: Some(format!("{node_key:064x}")),
			extra_args,
		}
	}
}

/// A running `xmbl-node` process. Dropping it kills the process.
pub struct Node {
	pub name: String,
	/// The RPC port the running process reported; a restart picks a new one.
	pub rpc_port: u16,
	config: NodeConfig,
	base_path: tempfile::TempDir,
	/// The folder of the chain spec the node runs, kept as long as a node may restart.
	spec_dir: Option<Arc<tempfile::TempDir>>,
	child: Mutex<Option<Child>>,
	/// The storage ports the harness chose for this run of the process, when the test did not
	/// give `--storage-port`; released after the process is killed.
	storage_ports: Option<PortRange>,
	log: Arc<Mutex<Vec<String>>>,
	client: Mutex<Option<WsClient>>,
}

impl Node {
	/// Start a node with a fresh database on ports of its choosing, and wait until it
	/// serves RPC.
	pub fn start(name: &str, config: NodeConfig) -> Node {
		Self::start_prepared(name, config, |_| {})
	}

	/// [`Node::start`], with `prepare` called on the fresh base path before the process
	/// starts (to insert keys into its keystore, for example).
	pub fn start_prepared(name: &str, config: NodeConfig, prepare: impl FnOnce(&Path)) -> Node {
		let base_path = tempfile::Builder::new().prefix("xmbl-e2e-").tempdir().expect("tempdir");
		prepare(base_path.path());
		let mut node = Node {
			name: name.into(),
			rpc_port: 0,
			config,
			base_path,
			spec_dir: None,
			child: Mutex::new(None),
			storage_ports: None,
			log: Default::default(),
			client: Mutex::new(None),
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
			"0".into(),
			"--listen-addr".into(),
			"/ip4/127.0.0.1/tcp/0".into(),
			"--name".into(),
			self.name.clone(),
			"--no-prometheus".into(),
			"--no-telemetry".into(),
			"--no-mdns".into(),
		];
		if let Some(validator) = &self.config.validator {
			args.push("--validator".into());
			args.push(format!("--{validator}"));
		}
		if let Some(key) = &self.config.node_key {
			args.push("--node-key".into());
			args.push(key.clone());
		}
		// A dev node serves the five genesis storage providers on 30400-30404 unless told
		// otherwise; parallel tests must not race for those ports.
		if !self.config.extra_args.iter().any(|arg| arg == "--storage-port") {
			let ports = free_port_range(DEV_STORAGE_PROVIDERS);
			args.push("--storage-port".into());
			args.push(ports.first().to_string());
			self.storage_ports = Some(ports);
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
		let first_line = log.lock().unwrap().len();
		let mut log_file = log_file(&self.name);
		thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				if let Some(file) = &mut log_file {
					let _ = writeln!(file, "{line}");
				}
				log.lock().unwrap().push(line);
			}
		});
		*self.child.get_mut().unwrap() = Some(child);
		self.rpc_port = self.reported_rpc_port(first_line);
	}

	/// The port of the node's `Running JSON-RPC server` line logged at or after line
	/// `first_line`; panics with the log if the node exits or never logs it.
	fn reported_rpc_port(&self, first_line: usize) -> u16 {
		let start = Instant::now();
		loop {
			let line = self.log.lock().unwrap()[first_line..]
				.iter()
				.find_map(|line| line.split_once(RPC_LISTENING).map(|(_, addrs)| addrs.to_owned()));
			if let Some(addrs) = line {
				let first = addrs.split([',', ' ']).next().unwrap_or_default();
				let addr: std::net::SocketAddr = first.parse().unwrap_or_else(|e| {
					panic!("{}: RPC address {first:?} in {addrs:?}: {e}", self.name)
				});
				return addr.port();
			}
			if let Some(status) = self.exit_status() {
				panic!(
					"{}: exited ({status}) before serving RPC; log:\n{}",
					self.name,
					self.log_tail(40)
				);
			}
			assert!(
				start.elapsed() < RPC_START_TIMEOUT,
				"{}: no `{RPC_LISTENING}` line within {RPC_START_TIMEOUT:?}; log:\n{}",
				self.name,
				self.log_tail(40)
			);
			thread::sleep(Duration::from_millis(50));
		}
	}

	/// The process id of the running node.
	pub fn pid(&self) -> Option<u32> {
		self.child.lock().unwrap().as_ref().map(Child::id)
	}

	fn exit_status(&self) -> Option<std::process::ExitStatus> {
		self.child.lock().unwrap().as_mut().and_then(|c| c.try_wait().ok().flatten())
	}

	/// The `--chain` the node runs (for nodes that join its network).
	pub fn chain(&self) -> &str {
		&self.config.chain
	}

	/// The node's base path (database, keystore, shard stores under `shards/`).
	pub fn base_path(&self) -> &Path {
		self.base_path.path()
	}

	/// The node's WebSocket RPC address, `ws://127.0.0.1:<rpc_port>`.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's `/ip4/127.0.0.1/tcp/<port>/p2p/<peer id>` address, as the node reports
	/// it (`system_localListenAddresses`).
	pub fn multiaddr(&self) -> String {
		let addresses = self
			.rpc("system_localListenAddresses", json!([]))
			.unwrap_or_else(|e| panic!("{}: system_localListenAddresses: {e}", self.name));
		addresses
			.as_array()
			.into_iter()
			.flatten()
			.filter_map(Value::as_str)
			.find(|a| a.starts_with("/ip4/127.0.0.1/tcp/") && !a.contains("/ws"))
			.unwrap_or_else(|| panic!("{}: no loopback TCP address in {addresses}", self.name))
			.to_owned()
	}

	/// Kill the process (as a crash would); its database stays for a restart.
	pub fn kill(&mut self) {
		self.client.get_mut().unwrap().take();
		if let Some(mut child) = self.child.get_mut().unwrap().take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Start the process again on the same database. It gets new ports: it dials its
	/// bootnodes, and nodes that have it as bootnode dial it.
	pub fn restart(&mut self) {
		self.kill();
		self.spawn();
	}

	/// [`Node::restart`] with `extra_args` in place of the extra arguments the node was started
	/// with (to leave out a test-only flag, for example).
	pub fn restart_with_extra_args(&mut self, extra_args: Vec<String>) {
		self.kill();
		self.config.extra_args = extra_args;
		self.spawn();
	}

	/// The last lines the node logged, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let log = self.log.lock().unwrap();
		log[log.len().saturating_sub(lines)..].join("\n")
	}

	/// Call a JSON-RPC method; `params` is a JSON array, object or null. `Err` carries a
	/// transport or RPC error.
	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		let mut client = self.client.lock().unwrap();
		if !client.as_ref().is_some_and(WsClient::is_connected) {
			let url = self.ws_url();
			let connected = RUNTIME
				.block_on(WsClientBuilder::default().build(&url))
				.map_err(|e| format!("connect to {url}: {e}"))?;
			*client = Some(connected);
		}
		let client = client.as_ref().expect("connected above");
		RUNTIME
			.block_on(client.request::<Value, _>(method, JsonParams(params)))
			.map_err(|e| format!("{method}: {e}"))
	}

	/// The number of the best block.
	pub fn best_number(&self) -> Result<u64, String> {
		let header = self.rpc("chain_getHeader", json!([]))?;
		parse_number(&header["number"])
	}

	/// The header of block `number` of the best chain.
	pub fn header_at(&self, number: u64) -> Result<Value, String> {
		let hash = self.rpc("chain_getBlockHash", json!([number]))?;
		self.rpc("chain_getHeader", json!([hash]))
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
			if let Some(status) = self.exit_status() {
				panic!(
					"{}: exited ({status}) before {what}; log:\n{}",
					self.name,
					self.log_tail(40)
				);
			}
			thread::sleep(Duration::from_millis(500));
		}
		panic!(
			"{}: {what} did not happen within {timeout:?}; log:\n{}",
			self.name,
			self.log_tail(40)
		);
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}

/// A failed `xmbl` run: its exit code and the JSON error it printed last on stderr.
#[derive(Debug)]
pub struct Failure {
	pub code: i32,
	pub error: Value,
}

/// Run the `xmbl` client against `node` as `suri`; the JSON it printed, or its failure.
pub fn xmbl(node: &Node, suri: &str, args: &[&str]) -> Result<Value, Failure> {
	let output = Command::new(client_binary())
		.args(["--url", &node.ws_url()])
		.env("XMBL_SURI", suri)
		.args(args)
		.output()
		.expect("run xmbl");
	let stderr = String::from_utf8_lossy(&output.stderr);
	if output.status.success() {
		Ok(serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
			panic!(
				"xmbl {args:?} printed no JSON ({error}): {}",
				String::from_utf8_lossy(&output.stdout)
			)
		}))
	} else {
		let last = stderr.lines().last().unwrap_or_default();
		let error =
			serde_json::from_str(last).unwrap_or_else(|_| Value::String(stderr.trim().to_owned()));
		Err(Failure { code: output.status.code().expect("exited"), error })
	}
}

/// Storage providers a dev node serves by default (Alice to Eve).
pub const DEV_STORAGE_PROVIDERS: u16 = 5;

/// The dev chain's genesis storage providers, registered at `http://127.0.0.1:30400` to
/// `:30404`, which a dev node serves unless given `--provider`.
pub const DEV_GENESIS_PROVIDERS: [&str; DEV_STORAGE_PROVIDERS as usize] =
	["//Alice", "//Bob", "//Charlie", "//Dave", "//Eve"];

/// One XMBL in planck.
pub const UNIT: u128 = 1_000_000_000_000;

/// Deterministic bytes that no encoder can compress or guess (xorshift64*).
pub fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(len + 8);
	while bytes.len() < len {
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		bytes.extend_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
	}
	bytes.truncate(len);
	bytes
}

/// What the example job `word-count` (`offchain-workers/job-runner/jobs/word-count`) prints
/// for `input`, computed natively: `lines words bytes` and a newline, lines being newlines and
/// words runs of bytes other than ASCII whitespace.
pub fn word_count(input: &[u8]) -> String {
	let lines = input.iter().filter(|&&byte| byte == b'\n').count();
	let words = input.split(u8::is_ascii_whitespace).filter(|word| !word.is_empty()).count();
	format!("{lines} {words} {}\n", input.len())
}

/// Planck from a decimal XMBL amount as the client prints it (`"12.5"`).
pub fn planck(amount: &Value) -> u128 {
	let text = amount.as_str().unwrap_or_else(|| panic!("not an amount string: {amount}"));
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	whole.parse::<u128>().unwrap_or_else(|e| panic!("amount {text}: {e}")) * UNIT
		+ format!("{fraction:0<12}")
			.parse::<u128>()
			.unwrap_or_else(|e| panic!("amount {text}: {e}"))
}

/// The shard store of provider `account` (SS58) served by a node with this base path and
/// no `--storage-dir`: `<base path>/shards/<account>/store`.
pub fn shard_store(base_path: &Path, account: &str) -> PathBuf {
	base_path.join("shards").join(account).join("store")
}

/// The names (`<root hex>.shard`) of the shard files in every provider store under a
/// node's base path, sorted; a name appears once per store that holds it.
pub fn shard_files(base_path: &Path) -> Vec<String> {
	let mut files = Vec::new();
	let Ok(providers) = std::fs::read_dir(base_path.join("shards")) else { return files };
	for provider in providers.flatten() {
		let Ok(entries) = std::fs::read_dir(provider.path().join("store")) else { continue };
		files.extend(
			entries
				.flatten()
				.map(|entry| entry.file_name().to_string_lossy().into_owned())
				.filter(|name| name.ends_with(".shard")),
		);
	}
	files.sort();
	files
}

/// Register `suri` as a storage provider (stake 250 XMBL, 1 GiB) reached at
/// `http://127.0.0.1:<port>`, and wait until the registration is in a block.
pub fn register_storage_provider(node: &Node, suri: &str, port: u16) {
	register_provider(node, suri, port, &["--roles", "storage", "--bytes", "1073741824"]);
}

/// Register `suri` as a compute provider (stake 250 XMBL, 2 slots) reached at
/// `http://127.0.0.1:<port>`, and wait until the registration is in a block.
pub fn register_compute_provider(node: &Node, suri: &str, port: u16) {
	register_provider(node, suri, port, &["--roles", "compute", "--slots", "2"]);
}

/// `provider register` of `suri` with a stake of 250 XMBL, `offer` (roles and capacity) and
/// the endpoint `http://127.0.0.1:<port>`, in a block.
fn register_provider(node: &Node, suri: &str, port: u16, offer: &[&str]) {
	let endpoint = format!("http://127.0.0.1:{port}");
	let args = [&["--wait", "in-block", "provider", "register", "--stake", "250"], offer]
		.concat()
		.into_iter()
		.chain(["--endpoint", &endpoint])
		.collect::<Vec<_>>();
	xmbl(node, suri, &args).unwrap_or_else(|failure| panic!("register {suri}: {failure:?}"));
}

/// Start a dev node that serves the dev chain's five genesis providers on ports reserved for
/// this test rather than their registered 30400-30404, and move each provider's registered
/// endpoint to its port (the n-th provider is served on the n-th), each update in a block. Keep
/// the returned ports as long as the node runs.
pub fn start_dev_node_with_own_provider_ports(name: &str, node_key: u64) -> (Node, PortRange) {
	let ports = free_port_range(DEV_STORAGE_PROVIDERS);
	let node = Node::start(
		name,
		NodeConfig::dev_validator(
			node_key,
			vec!["--storage-port".into(), ports.first().to_string()],
		),
	);
	node.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));
	thread::scope(|scope| {
		for (index, suri) in DEV_GENESIS_PROVIDERS.iter().enumerate() {
			let endpoint = format!("http://127.0.0.1:{}", ports.first() + index as u16);
			let node = &node;
			scope.spawn(move || {
				xmbl(
					node,
					suri,
					&["--wait", "in-block", "provider", "update", "--endpoint", &endpoint],
				)
				.unwrap_or_else(|failure| panic!("{suri} update: {failure:?}"));
			});
		}
	});
	(node, ports)
}

/// Unbond the dev chain's five genesis storage providers (all at once, each waiting for
/// its block), so that deals go to the providers a test registers and serves.
pub fn unbond_dev_genesis_providers(node: &Node) {
	thread::scope(|scope| {
		for suri in DEV_GENESIS_PROVIDERS {
			scope.spawn(move || {
				xmbl(node, suri, &["--wait", "in-block", "provider", "unbond"])
					.unwrap_or_else(|failure| panic!("unbond {suri}: {failure:?}"));
			});
		}
	});
}

/// Where the harness hands out ports: clear of the fixed ports of dev and local-network
/// nodes (9944-9948, 30333-30336, 30400-30404) and ending below the kernel's ephemeral
/// range, so no outgoing connection is given one of them.
const PORT_POOL: std::ops::Range<u16> = 10_000..30_000;

/// The folder of the lock files that reserve ports ([`PortRange`]), shared by every process
/// of the machine that uses this harness.
fn port_lock_dir() -> PathBuf {
	std::env::temp_dir().join("xmbl-e2e-ports")
}

/// The first port of the kernel's ephemeral range (`ip_local_port_range`).
fn ephemeral_ports_start() -> u16 {
	std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
		.ok()
		.and_then(|range| range.split_whitespace().next()?.parse().ok())
		.unwrap_or(32_768)
}

/// Consecutive loopback ports reserved until dropped: each port's lock file under
/// [`port_lock_dir`] is locked (`flock`, released by the kernel if the process dies), so no
/// test of any process that uses this harness is handed them meanwhile, and each port was
/// free when reserved. Keep it as long as the node that binds them runs.
pub struct PortRange {
	first: u16,
	_locks: Vec<std::fs::File>,
}

impl PortRange {
	/// The first port of the range.
	pub fn first(&self) -> u16 {
		self.first
	}
}

/// Reserves `count` consecutive loopback ports that are free now ([`PortRange`]).
pub fn free_port_range(count: u16) -> PortRange {
	let lock_dir = port_lock_dir();
	std::fs::create_dir_all(&lock_dir)
		.unwrap_or_else(|e| panic!("create {}: {e}", lock_dir.display()));
	let end = PORT_POOL.end.min(ephemeral_ports_start());
	let starts = end.checked_sub(PORT_POOL.start + count).filter(|n| *n > 0).unwrap_or_else(|| {
		panic!("no room for {count} ports between {} and {end}", PORT_POOL.start)
	});
	for _ in 0..200 {
		let random = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), 0u8);
		let first = PORT_POOL.start + (random % u64::from(starts)) as u16;
		if let Some(locks) = reserve(&lock_dir, first, count) {
			return PortRange { first, _locks: locks };
		}
	}
	panic!("no {count} consecutive free loopback ports in {}..{end}", PORT_POOL.start);
}

/// The locks of ports `first..first + count` if none is reserved and each binds now.
fn reserve(lock_dir: &Path, first: u16, count: u16) -> Option<Vec<std::fs::File>> {
	let mut locks = Vec::with_capacity(count.into());
	for port in first..first + count {
		let path = lock_dir.join(format!("{port}.lock"));
		let lock = std::fs::File::create(&path)
			.unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
		lock.try_lock().ok()?;
		locks.push(lock);
	}
	// Bound and closed at once: free now, and kept from other tests by the locks.
	let free =
		(first..first + count).all(|port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
	free.then_some(locks)
}

/// JSON-RPC parameters given as one JSON value (`null` sends none).
struct JsonParams(Value);

impl ToRpcParams for JsonParams {
	fn to_rpc_params(self) -> Result<Option<Box<RawValue>>, serde_json::Error> {
		match self.0 {
			Value::Null => Ok(None),
			params => serde_json::value::to_raw_value(&params).map(Some),
		}
	}
}

fn parse_number(value: &Value) -> Result<u64, String> {
	let hex = value.as_str().ok_or_else(|| format!("not a hex number: {value}"))?;
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(|e| e.to_string())
}
