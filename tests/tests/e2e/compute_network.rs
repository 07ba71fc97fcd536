//! The compute market on a loopback network: a validator and three compute provider nodes (full
//! nodes, each serving one provider account registered for compute only), driven by the `xmbl`
//! client with the example job `word-count` built from `offchain-workers/job-runner/jobs/`.
//! The dev chain's genesis providers leave first, so each job's three replicas are the test's
//! three providers until spares join.
//!
//! - Job 1, with one provider node started with the test-only `--compute-corrupt-results` (a
//!   debug build of the node has it): that worker commits to and reveals a wrong result, the
//!   two others the right one. `xmbl job result` writes the count computed here; the corrupting
//!   provider loses exactly `WrongResultSlash` (10 XMBL) of its stake and is paid nothing; each
//!   honest worker is paid exactly reward / 3.
//! - The corrupting node restarts without the flag. Job 2: an honest provider node is killed
//!   once the job is in a block and before its workers are drawn (a worker commits within a
//!   fraction of a second of the draw, too soon to kill it in between; to the chain it is the
//!   same, a drawn worker that never commits). The two others commit, reveal and are paid; at
//!   the end of the commit window the absentee loses exactly `MissedJobSlash` (1 XMBL) and the
//!   job completes with the right output.
//! - Job 3: with that node still down, a second one is killed the same way, so only one of the
//!   three workers drawn commits, short of a majority. Three spare providers served by the
//!   validator's node register once the workers are drawn; at the end of the commit window both
//!   absentees lose 1 XMBL and two spares are drawn into their seats (round 1), run the job and
//!   agree with the first worker: the job completes with the right output before its deadline.
//!
//! After each job the client got back its reward but the shares paid, and the share of each
//! worker that failed it out of that worker's slash: exactly reward − reward / 3 every time.
//! The test prints each job's latency from submission to final result, in blocks and seconds.
//!
//! How it fails: an output other than the native count; a wrong result made final, or a job
//! failed (`job result` exit 8) instead of completed; an honest worker slashed, or paid other
//! than exactly reward / 3 and one success; a slash other than exactly 10 XMBL for the wrong
//! result or 1 XMBL for a missed commitment, or one taken from the free balance; a job that does
//! not go on with the majority that committed, or does not draw the spares into the absentees'
//! seats; a restarted node that still corrupts its results (job 2 would have no majority); the
//! client refunded or compensated other than described, or left holding escrow.

#[path = "../../../offchain-workers/job-runner/tests/support/mod.rs"]
mod job_builds;

use job_builds::build_job;
use serde_json::Value;
use std::{
	collections::{BTreeMap, BTreeSet},
	path::Path,
	thread,
	time::{Duration, Instant},
};
use xmbl_e2e::{
	free_port_range, planck, random_bytes, register_compute_provider, unbond_dev_genesis_providers,
	word_count, xmbl, Node, NodeConfig, PortRange, UNIT,
};

/// The providers of the three provider nodes, registered for compute only.
const PROVIDERS: [&str; 3] = ["//Alice//stash", "//Bob//stash", "//Charlie//stash"];
/// The provider whose node corrupts its results in job 1, restarted honest for jobs 2 and 3.
const CORRUPTING: usize = 0;
/// The provider whose node is killed before job 2's draw and stays down.
const KILLED_FIRST: usize = 1;
/// The provider whose node is killed before job 3's draw.
const KILLED_SECOND: usize = 2;
/// Compute providers served by the validator's node, registered once job 3's workers are
/// drawn: the only providers its absentees' seats can go to.
const SPARES: [&str; 3] = ["//Dave//stash", "//Eve//stash", "//Ferdie//stash"];
/// Who submits the jobs: a fresh account funded by Alice, so that what is held on it is the
/// jobs' escrow alone.
const CLIENT: &str = "//ComputeClient";
/// Every job's reward in XMBL: it does not divide by the 3 replicas.
const REWARD: &str = "0.030100000001";
/// The runtime's `WrongResultSlash`.
const WRONG_RESULT_SLASH: u128 = 10 * UNIT;
/// The runtime's `MissedJobSlash`.
const MISSED_JOB_SLASH: u128 = UNIT;
/// The node's test-only switch (debug builds): its workers commit to wrong results.
const CORRUPT_RESULTS: &str = "--compute-corrupt-results";

/// What a job can change of a provider, in planck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Standing {
	free: u128,
	held: u128,
	stake: u128,
	slashes: u64,
	successes: u64,
}

impl Standing {
	/// `suri`'s balances and provider record at the best block of `node`.
	fn of(node: &Node, suri: &str) -> Standing {
		let balance = xmbl(node, suri, &["balance"])
			.unwrap_or_else(|failure| panic!("balance of {suri}: {failure:?}"));
		let record = xmbl(node, suri, &["provider", "show"])
			.unwrap_or_else(|failure| panic!("provider show {suri}: {failure:?}"));
		Standing {
			free: planck(&balance["free"]),
			held: planck(&balance["held"]),
			stake: planck(&record["stake"]),
			slashes: record["slashes"].as_u64().unwrap_or_else(|| panic!("{record}")),
			successes: record["successes"].as_u64().unwrap_or_else(|| panic!("{record}")),
		}
	}

	/// This standing once paid `share` for a final result: free, and one more success.
	fn paid(self, share: u128) -> Standing {
		Standing { free: self.free + share, successes: self.successes + 1, ..self }
	}

	/// This standing once slashed `amount`: taken from the stake held, never the free balance.
	fn slashed(self, amount: u128) -> Standing {
		Standing {
			held: self.held - amount,
			stake: self.stake - amount,
			slashes: self.slashes + 1,
			..self
		}
	}
}

/// The standing of each of `suris`, in order.
fn standings(node: &Node, suris: &[&str]) -> Vec<Standing> {
	suris.iter().map(|suri| Standing::of(node, suri)).collect()
}

/// The SS58 account of `suri`.
fn account(node: &Node, suri: &str) -> String {
	let balance = xmbl(node, suri, &["balance"]).unwrap();
	balance["account"].as_str().unwrap_or_else(|| panic!("{balance}")).to_owned()
}

/// The client's free and held balance, in planck.
fn client_balances(node: &Node) -> (u128, u128) {
	let balance = xmbl(node, CLIENT, &["balance"]).unwrap();
	(planck(&balance["free"]), planck(&balance["held"]))
}

/// The arguments of a node serving provider `suri` on `port`, joined to `bootnode`.
fn provider_args(bootnode: &str, suri: &str, port: u16) -> Vec<String> {
	["--bootnodes", bootnode, "--provider", suri, "--storage-port", &port.to_string()]
		.map(String::from)
		.to_vec()
}

/// Wait until `node` has the best block `validator` has now: it is connected and in step.
fn wait_in_step(node: &Node, validator: &Node) {
	let best = validator.best_number().unwrap();
	node.wait_until("the validator's best block", Duration::from_secs(120), |n| {
		n.best_number().is_ok_and(|number| number >= best)
	});
}

/// `words` words of text, ten to a line, deterministic in `seed`.
fn prose(words: usize, seed: u64) -> Vec<u8> {
	const VOCABULARY: [&str; 8] =
		["the", "worker", "commits", "to", "a", "result", "and", "reveals"];
	let mut text = Vec::new();
	for (index, byte) in random_bytes(words, seed).into_iter().enumerate() {
		text.extend_from_slice(VOCABULARY[usize::from(byte % 8)].as_bytes());
		let separator: &[u8] = match (index % 10, byte >> 6) {
			(9, _) => b"\n",
			(_, 0) => b" \t ",
			_ => b" ",
		};
		text.extend_from_slice(separator);
	}
	text
}

/// The last log lines of every node, for failure messages.
fn logs<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> String {
	nodes
		.into_iter()
		.map(|node| format!("--- {} ---\n{}", node.name, node.log_tail(30)))
		.collect::<Vec<_>>()
		.join("\n")
}

/// A job in a block.
struct Submitted {
	job: String,
	/// The block that holds the submission.
	block: u64,
	/// The block whose `on_initialize` draws the workers.
	selection_at: u64,
	/// The block by which the job must be final.
	deadline: u64,
	/// When `job submit` started.
	started: Instant,
}

/// `job submit` of `module` on the file `input` as the client, with 3 replicas and [`REWARD`],
/// in a block.
fn submit(node: &Node, module: &Path, input: &Path) -> Submitted {
	let started = Instant::now();
	let submitted = xmbl(
		node,
		CLIENT,
		&[
			"--wait",
			"in-block",
			"job",
			"submit",
			module.to_str().unwrap(),
			"--input",
			input.to_str().unwrap(),
			"--replicas",
			"3",
			"--reward",
			REWARD,
		],
	)
	.unwrap_or_else(|failure| panic!("job submit: {failure:?}\n{}", node.log_tail(40)));
	let number = |field: &str| {
		submitted[field].as_u64().unwrap_or_else(|| panic!("no {field}: {submitted}"))
	};
	Submitted {
		job: number("job").to_string(),
		block: number("block"),
		selection_at: number("selection_at"),
		deadline: number("deadline"),
		started,
	}
}

/// Panics unless `validator` has not made the block that draws `submitted`'s workers yet.
fn assert_not_drawn_yet(validator: &Node, submitted: &Submitted) {
	let best = validator.best_number().unwrap();
	assert!(
		best < submitted.selection_at,
		"job {}: block {best} is past the draw at {}: the node was to be killed before it",
		submitted.job,
		submitted.selection_at
	);
}

/// How long a job took from `job submit` to `job result`.
struct Latency {
	blocks: u64,
	elapsed: Duration,
}

/// `job result` of `submitted` into `out`, which must succeed with an inline output within the
/// deadline: the bytes written, and the job's latency.
fn result(
	validator: &Node,
	providers: &[Node],
	submitted: &Submitted,
	out: &Path,
) -> (Vec<u8>, Latency) {
	let job = &submitted.job;
	let shown = xmbl(validator, CLIENT, &["job", "result", job, "-o", out.to_str().unwrap()])
		.unwrap_or_else(|failure| {
			panic!(
				"job result {job}: {failure:?}\n{}",
				logs([validator].into_iter().chain(providers))
			)
		});
	let elapsed = submitted.started.elapsed();
	assert_eq!(shown["outcome"], "Success", "{shown}");
	assert_eq!(shown["from"], "chain", "{shown}");
	let final_at = shown["final_at"].as_u64().unwrap_or_else(|| panic!("{shown}"));
	assert!(
		final_at <= submitted.deadline,
		"job {job} final at block {final_at}, past its deadline {}",
		submitted.deadline
	);
	let blocks = final_at - submitted.block;
	(std::fs::read(out).unwrap(), Latency { blocks, elapsed })
}

/// `job status` of `job`.
fn status(node: &Node, job: &str) -> Value {
	xmbl(node, CLIENT, &["job", "status", job])
		.unwrap_or_else(|failure| panic!("job status {job}: {failure:?}"))
}

/// The workers of `job`, by account, once it completed in `round` with a success and holds no
/// escrow.
fn completed_workers(node: &Node, job: &str, round: u64) -> BTreeMap<String, Value> {
	let status = status(node, job);
	assert_eq!(status["status"], "completed", "{status}");
	assert_eq!(status["round"], round, "{status}");
	assert_eq!(status["result"]["outcome"], "Success", "{status}");
	assert_eq!(status["escrow"], "0", "{status}");
	let workers = status["workers"].as_array().unwrap_or_else(|| panic!("{status}"));
	let by_account: BTreeMap<String, Value> = workers
		.iter()
		.map(|worker| (worker["account"].as_str().unwrap().to_owned(), worker.clone()))
		.collect();
	assert_eq!(by_account.len(), workers.len(), "a worker drawn twice: {status}");
	by_account
}

/// Panics unless `worker` (as `job status` shows it) was drawn in `round` and is in `state`.
fn assert_worker(worker: &Value, round: u64, state: &str) {
	assert!(
		worker["round"] == round && worker["state"] == state,
		"expected a worker of round {round}, {state}: {worker}"
	);
}

/// The distinct result hashes `workers` revealed.
fn revealed_hashes(workers: &BTreeMap<String, Value>) -> BTreeSet<String> {
	workers
		.values()
		.filter(|worker| worker["state"] == "revealed")
		.map(|worker| worker["result_hash"].as_str().unwrap().to_owned())
		.collect()
}

#[test]
fn a_corrupt_worker_is_outvoted_and_absent_workers_are_slashed_and_replaced() {
	let dir = tempfile::tempdir().unwrap();
	let module = dir.path().join("word-count.wasm");
	std::fs::write(&module, build_job("word-count")).unwrap();
	let reward = planck(&Value::from(REWARD));
	let share = reward / 3;
	// Each job: the shares of the workers that did not agree and the division's remainder back,
	// and one share out of the slash of each worker that failed the job.
	let client_gain = reward - share;

	// The spares are the validator node's, served from the start and registered during job 3.
	let spare_ports = free_port_range(SPARES.len() as u16);
	let mut validator_args = vec!["--storage-port".to_owned(), spare_ports.first().to_string()];
	for spare in SPARES {
		validator_args.extend(["--provider".to_owned(), spare.to_owned()]);
	}
	let validator =
		Node::start("compute-validator", NodeConfig::dev_validator(0xc0d1, validator_args));
	validator
		.wait_until("block 1", Duration::from_secs(120), |n| n.best_number().is_ok_and(|b| b >= 1));
	// The dev chain's genesis providers offer compute, and nobody serves them here.
	unbond_dev_genesis_providers(&validator);
	xmbl(&validator, "//Alice", &["--wait", "in-block", "transfer", CLIENT, "100"]).unwrap();

	let bootnode = validator.multiaddr();
	// Each provider node's port stays reserved as long as the test runs.
	let ports: Vec<PortRange> = PROVIDERS.iter().map(|_| free_port_range(1)).collect();
	let mut providers: Vec<Node> = PROVIDERS
		.iter()
		.zip(&ports)
		.enumerate()
		.map(|(index, (suri, port))| {
			let mut extra_args = provider_args(&bootnode, suri, port.first());
			if index == CORRUPTING {
				extra_args.push(CORRUPT_RESULTS.to_owned());
			}
			let node = Node::start(
				&format!("compute-provider-{index}"),
				NodeConfig { chain: "dev".into(), validator: None, node_key: None, extra_args },
			);
			register_compute_provider(&validator, suri, port.first());
			node
		})
		.collect();
	for node in &providers {
		wait_in_step(node, &validator);
	}
	let accounts: Vec<String> = PROVIDERS.iter().map(|suri| account(&validator, suri)).collect();

	// Job 1: the corrupting worker is outvoted by the two honest ones, and slashed.
	let before = standings(&validator, &PROVIDERS);
	let input = prose(1_000, 0xc0d1);
	let input_file = dir.path().join("job1.txt");
	std::fs::write(&input_file, &input).unwrap();
	let job = submit(&validator, &module, &input_file);
	let (client_free, client_held) = client_balances(&validator);
	assert_eq!(client_held, reward, "the client holds the reward in escrow");
	let (output, latency_1) = result(&validator, &providers, &job, &dir.path().join("job1.out"));
	assert_eq!(String::from_utf8(output).unwrap(), word_count(&input), "job 1's output");
	let workers = completed_workers(&validator, &job.job, 0);
	assert_eq!(
		workers.keys().collect::<BTreeSet<_>>(),
		accounts.iter().collect::<BTreeSet<_>>(),
		"{workers:?}"
	);
	for worker in workers.values() {
		assert_worker(worker, 0, "revealed");
	}
	// The two providers other than the corrupting one are honest (they are killed later on).
	let hash = |index: usize| &workers[&accounts[index]]["result_hash"];
	assert_eq!(hash(KILLED_FIRST), hash(KILLED_SECOND), "the honest workers disagree: {workers:?}");
	assert_ne!(hash(CORRUPTING), hash(KILLED_FIRST), "the corrupt result is right: {workers:?}");
	for (index, (suri, before)) in PROVIDERS.iter().zip(&before).enumerate() {
		let expected = match index {
			CORRUPTING => before.slashed(WRONG_RESULT_SLASH),
			_ => before.paid(share),
		};
		assert_eq!(Standing::of(&validator, suri), expected, "{suri} after job 1");
	}
	assert_eq!(
		client_balances(&validator),
		(client_free + client_gain, 0),
		"the client after job 1"
	);

	// The corrupting node comes back honest, on the same database and compute folder.
	providers[CORRUPTING].restart_with_extra_args(provider_args(
		&bootnode,
		PROVIDERS[CORRUPTING],
		ports[CORRUPTING].first(),
	));
	wait_in_step(&providers[CORRUPTING], &validator);

	// Job 2: one worker down from before the draw; the two others are a majority.
	let before = standings(&validator, &PROVIDERS);
	let input = prose(1_200, 0xc0d2);
	let input_file = dir.path().join("job2.txt");
	std::fs::write(&input_file, &input).unwrap();
	let job = submit(&validator, &module, &input_file);
	providers[KILLED_FIRST].kill();
	assert_not_drawn_yet(&validator, &job);
	let (client_free, client_held) = client_balances(&validator);
	assert_eq!(client_held, reward, "the client holds the reward in escrow");
	let (output, latency_2) = result(&validator, &providers, &job, &dir.path().join("job2.out"));
	assert_eq!(String::from_utf8(output).unwrap(), word_count(&input), "job 2's output");
	let workers = completed_workers(&validator, &job.job, 0);
	assert_eq!(
		workers.keys().collect::<BTreeSet<_>>(),
		accounts.iter().collect::<BTreeSet<_>>(),
		"{workers:?}"
	);
	for (index, account) in accounts.iter().enumerate() {
		assert_worker(
			&workers[account],
			0,
			if index == KILLED_FIRST { "missed" } else { "revealed" },
		);
	}
	assert_eq!(revealed_hashes(&workers).len(), 1, "the live workers disagree: {workers:?}");
	for (index, (suri, before)) in PROVIDERS.iter().zip(&before).enumerate() {
		let expected = match index {
			KILLED_FIRST => before.slashed(MISSED_JOB_SLASH),
			_ => before.paid(share),
		};
		assert_eq!(Standing::of(&validator, suri), expected, "{suri} after job 2");
	}
	assert_eq!(
		client_balances(&validator),
		(client_free + client_gain, 0),
		"the client after job 2"
	);

	// Job 3: two workers down, one commitment, short of a majority: the spares, registered
	// after the draw, take the absentees' seats in round 1.
	let before = standings(&validator, &PROVIDERS);
	let input = prose(1_400, 0xc0d3);
	let input_file = dir.path().join("job3.txt");
	std::fs::write(&input_file, &input).unwrap();
	let job = submit(&validator, &module, &input_file);
	providers[KILLED_SECOND].kill();
	assert_not_drawn_yet(&validator, &job);
	let (client_free, client_held) = client_balances(&validator);
	assert_eq!(client_held, reward, "the client holds the reward in escrow");
	validator.wait_until("job 3's workers drawn", Duration::from_secs(60), |n| {
		status(n, &job.job)["status"] == "committing"
	});
	thread::scope(|scope| {
		for (index, spare) in SPARES.into_iter().enumerate() {
			let (validator, port) = (&validator, spare_ports.first() + index as u16);
			scope.spawn(move || register_compute_provider(validator, spare, port));
		}
	});
	let spares_before = standings(&validator, &SPARES);
	let spare_accounts: Vec<String> = SPARES.iter().map(|suri| account(&validator, suri)).collect();
	let (output, latency_3) = result(&validator, &providers, &job, &dir.path().join("job3.out"));
	assert_eq!(String::from_utf8(output).unwrap(), word_count(&input), "job 3's output");
	let workers = completed_workers(&validator, &job.job, 1);
	for (index, account) in accounts.iter().enumerate() {
		assert_worker(
			&workers[account],
			0,
			if index == CORRUPTING { "revealed" } else { "missed" },
		);
	}
	let replacements: Vec<&String> =
		workers.keys().filter(|account| !accounts.contains(account)).collect();
	assert_eq!(replacements.len(), 2, "{workers:?}");
	for account in &replacements {
		assert!(spare_accounts.contains(account), "{account} is not a spare: {workers:?}");
		assert_worker(&workers[*account], 1, "revealed");
	}
	assert_eq!(revealed_hashes(&workers).len(), 1, "the workers disagree: {workers:?}");
	for (index, (suri, before)) in PROVIDERS.iter().zip(&before).enumerate() {
		let expected = match index {
			CORRUPTING => before.paid(share),
			_ => before.slashed(MISSED_JOB_SLASH),
		};
		assert_eq!(Standing::of(&validator, suri), expected, "{suri} after job 3");
	}
	for ((suri, account), before) in SPARES.iter().zip(&spare_accounts).zip(&spares_before) {
		let expected = if replacements.contains(&account) { before.paid(share) } else { *before };
		assert_eq!(Standing::of(&validator, suri), expected, "spare {suri} after job 3");
	}
	assert_eq!(
		client_balances(&validator),
		(client_free + client_gain, 0),
		"the client after job 3"
	);

	let shown = |latency: &Latency| {
		format!("{} blocks, {:.1} s", latency.blocks, latency.elapsed.as_secs_f64())
	};
	println!(
		"compute job latency from submission to final result (r = 3, 3 s blocks): every worker \
		 up {}; one worker down, the commit window waited out {}; two down, replaced in round 1 {}",
		shown(&latency_1),
		shown(&latency_2),
		shown(&latency_3)
	);
}
