//! The compute market on one dev node, whose five genesis providers offer compute (served on
//! ports of the test's own), driven by the `xmbl` client, with the example jobs built from
//! `offchain-workers/job-runner/jobs/` as the runner's tests build them:
//!
//! - `xmbl job submit` of `word-count` over a file with 3 replicas and `xmbl job result`: the
//!   output is the count computed here, the job is `completed`, and each of its 3 workers was
//!   paid exactly reward / 3 (the others nothing).
//! - A job over a stored file: `xmbl put` of an encrypted file, then `grep-count
//!   --input-deal` on it; and `grep-count --input` of a file above the inline bound, which the
//!   client stores first. Both outputs are the counts computed here.
//! - A job on another account's deal is refused by the chain: exit 3, `Compute.NotDealOwner`.
//! - Hostile modules: an endless loop ends `OutOfFuel` having used exactly its fuel, a memory
//!   bomb ends in a `MemoryLimit` trap, deep recursion in a `StackOverflow` trap charged its
//!   whole fuel, a table of 10^6 elements in a `TableLimit` trap, each agreed on chain (`job
//!   result` exit 9), and the node goes on making blocks while its workers run them; a 10 MB
//!   module is refused before anything is stored or sent (exit 2, the chain's
//!   `MaxStoredProgram`).

#[path = "../../../offchain-workers/job-runner/tests/support/mod.rs"]
mod job_builds;

use job_builds::build_job;
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};
use xmbl_e2e::{
	planck, random_bytes, start_dev_node_with_own_provider_ports, xmbl, Node, DEV_GENESIS_PROVIDERS,
};

/// Who submits the jobs and owns the files: a funded dev account that is not a provider.
const CLIENT: &str = "//Ferdie";
/// Someone else, who may not run jobs on the client's files.
const STRANGER: &str = "//Dave";
/// A block every 3 s on the dev chain.
const BLOCK_TIME: Duration = Duration::from_secs(3);

/// An endless loop: it runs until its fuel is gone.
const ENDLESS_LOOP: &str = r#"(module
	(memory (export "memory") 1)
	(func (export "_start") (loop $forever (br $forever))))"#;

/// Grows its memory 1 MiB at a time and fills it, until growing fails.
const MEMORY_BOMB: &str = r#"(module
	(memory (export "memory") 1)
	(func (export "_start") (local $page i32)
		(loop $grow
			(local.set $page (memory.grow (i32.const 16)))
			(if (i32.eq (local.get $page) (i32.const -1)) (then (return)))
			(memory.fill
				(i32.shl (local.get $page) (i32.const 16))
				(i32.const 1)
				(i32.const 1048576))
			(br $grow))))"#;

/// Recursion without end: the stack overflows, charged all the job's fuel.
const DEEP_RECURSION: &str = r#"(module
	(memory (export "memory") 1)
	(func $down (param $n i64) (result i64)
		(i64.add (call $down (i64.add (local.get $n) (i64.const 1))) (local.get $n)))
	(func (export "_start") (drop (call $down (i64.const 0)))))"#;

/// A table of 10^6 elements, over the runner's table limit at instantiation.
const HUGE_TABLE: &str = r#"(module
	(memory (export "memory") 1)
	(table 1000000 funcref)
	(func (export "_start")))"#;

/// `xmbl` as `suri`, which must succeed.
fn ok(node: &Node, suri: &str, args: &[&str]) -> Value {
	xmbl(node, suri, args).unwrap_or_else(|failure| {
		panic!("xmbl {args:?} failed: {failure:?}\n{}", node.log_tail(60))
	})
}

/// Writes `bytes` to `dir/name`.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
	let path = dir.join(name);
	std::fs::write(&path, bytes).unwrap();
	path
}

fn text(path: &Path) -> &str {
	path.to_str().unwrap()
}

/// `job submit` as the client with `args`, in a block: the job's number.
fn submit(node: &Node, args: &[&str]) -> String {
	let submitted = ok(node, CLIENT, &[&["--wait", "in-block", "job", "submit"], args].concat());
	submitted["job"]
		.as_u64()
		.unwrap_or_else(|| panic!("no job number: {submitted}"))
		.to_string()
}

/// `job result` of `job` into `out`, which must succeed: the JSON and the bytes written.
fn result(node: &Node, job: &str, out: &Path) -> (Value, Vec<u8>) {
	let result = ok(node, CLIENT, &["job", "result", job, "-o", text(out)]);
	(result, std::fs::read(out).unwrap())
}

/// `lines words bytes` as `word-count` prints them, computed here.
fn native_word_count(input: &[u8]) -> String {
	let lines = input.iter().filter(|&&byte| byte == b'\n').count();
	let words = input.split(u8::is_ascii_whitespace).filter(|word| !word.is_empty()).count();
	format!("{lines} {words} {}\n", input.len())
}

/// The lines of `input` that contain `pattern`, computed here.
fn native_grep_count(input: &str, pattern: &str) -> String {
	format!("{}\n", input.lines().filter(|line| line.contains(pattern)).count())
}

/// Log lines, one in seven an error, `lines` of them.
fn log_text(lines: usize, seed: u64) -> String {
	random_bytes(lines, seed)
		.iter()
		.enumerate()
		.map(|(index, byte)| match byte % 7 {
			0 => format!("{index} ERROR disk {byte}\n"),
			_ => format!("{index} ok {byte}\n"),
		})
		.collect()
}

/// The free balance of `suri`'s account, in planck.
fn free(node: &Node, suri: &str) -> u128 {
	planck(&ok(node, CLIENT, &["balance", suri])["free"])
}

/// How it fails: a job whose output is not the native count (a runner or client that loses
/// input bytes, a stored input that is not decrypted with its one file key, arguments passed
/// wrong); workers paid another share, or the division's remainder paid out; a job on someone
/// else's deal accepted, or refused with another error or exit code; a hostile module that
/// ends otherwise than its stated outcome (and fuel), or whose run stalls block production
/// (fewer than 10 blocks in 36 s); a 10 MB module that reaches the chain.
#[test]
fn jobs_on_inline_and_stored_inputs_and_hostile_modules_on_one_dev_node() {
	let (node, _ports) = start_dev_node_with_own_provider_ports("compute-dev", 0xc0de);
	let dir = tempfile::tempdir().unwrap();
	let word_count = write(dir.path(), "word-count.wasm", &build_job("word-count"));
	let grep_count = write(dir.path(), "grep-count.wasm", &build_job("grep-count"));

	// (a) word-count of an inline file, 3 replicas, a reward that does not divide by 3. The
	// balances are read once the job is in a block (its fee's share is the author's, Alice's),
	// blocks before its workers can be paid; nothing else pays a fee until the job ends.
	let words = log_text(400, 0xa11ce);
	let input = write(dir.path(), "words.txt", words.as_bytes());
	let reward: u128 = 30_100_000_001;
	let job =
		submit(&node, &[text(&word_count), "--input", text(&input), "--reward", "0.030100000001"]);
	let before: Vec<u128> = DEV_GENESIS_PROVIDERS.iter().map(|suri| free(&node, suri)).collect();
	let out = dir.path().join("word-count.out");
	let (shown, output) = result(&node, &job, &out);
	assert_eq!(String::from_utf8(output).unwrap(), native_word_count(words.as_bytes()), "{shown}");
	assert_eq!(shown["outcome"], "Success", "{shown}");
	assert_eq!(shown["from"], "chain", "{shown}");
	let status = ok(&node, CLIENT, &["job", "status", &job]);
	assert_eq!(status["status"], "completed", "{status}");
	assert_eq!(status["result"]["outcome"], "Success", "{status}");
	let workers: Vec<&str> = status["workers"]
		.as_array()
		.unwrap()
		.iter()
		.filter(|worker| worker["state"] == "revealed")
		.map(|worker| worker["account"].as_str().unwrap())
		.collect();
	assert_eq!(workers.len(), 3, "{status}");
	let after: Vec<u128> = DEV_GENESIS_PROVIDERS.iter().map(|suri| free(&node, suri)).collect();
	for ((suri, before), after) in DEV_GENESIS_PROVIDERS.iter().zip(&before).zip(&after) {
		let account = ok(&node, suri, &["balance"])["account"].as_str().unwrap().to_owned();
		let expected = if workers.contains(&account.as_str()) { reward / 3 } else { 0 };
		assert_eq!(after - before, expected, "{suri} ({account}) was paid {}", after - before);
	}

	// (b) grep-count over a file stored first with `xmbl put` (encrypted): the job reads it
	// through the deal, with that file's key.
	let logs = log_text(3_000, 0xb0b);
	let stored = write(dir.path(), "logs.txt", logs.as_bytes());
	let put = ok(&node, CLIENT, &["put", text(&stored), "--blocks", "300"]);
	let deal = put["deal"].as_u64().expect("a deal number").to_string();
	let job = submit(&node, &[text(&grep_count), "--input-deal", &deal, "--", "ERROR"]);
	let (_, output) = result(&node, &job, &dir.path().join("grep.out"));
	assert_eq!(String::from_utf8(output).unwrap(), native_grep_count(&logs, "ERROR"));
	// An input above the inline bound is stored by `job submit` itself, encrypted.
	let large = log_text(9_000, 0x1a7e);
	assert!(large.len() > 64 << 10, "{} bytes fit inline", large.len());
	let large_input = write(dir.path(), "large.txt", large.as_bytes());
	let submitted = ok(
		&node,
		CLIENT,
		&[
			"--wait",
			"in-block",
			"job",
			"submit",
			text(&grep_count),
			"--input",
			text(&large_input),
			"--",
			"ok 1",
		],
	);
	assert_eq!(submitted["input"]["stored"]["encrypted"], true, "{submitted}");
	assert_eq!(submitted["input_key"], true, "{submitted}");
	let job = submitted["job"].as_u64().unwrap().to_string();
	let (_, output) = result(&node, &job, &dir.path().join("large.out"));
	assert_eq!(String::from_utf8(output).unwrap(), native_grep_count(&large, "ok 1"));

	// (c) Someone else's deal: the chain refuses the job.
	let refused = xmbl(
		&node,
		STRANGER,
		&[
			"--wait",
			"in-block",
			"job",
			"submit",
			text(&grep_count),
			"--input-deal",
			&deal,
			"--",
			"x",
		],
	)
	.expect_err("a job on another account's deal");
	assert_eq!(refused.code, 3, "{refused:?}");
	assert_eq!(refused.error["error"]["kind"], "dispatch", "{refused:?}");
	assert_eq!(refused.error["error"]["name"], "Compute.NotDealOwner", "{refused:?}");

	// (d) Hostile modules, with the default fuel and memory, while blocks are counted.
	let endless = write(dir.path(), "endless.wasm", &wat::parse_str(ENDLESS_LOOP).unwrap());
	let bomb = write(dir.path(), "bomb.wasm", &wat::parse_str(MEMORY_BOMB).unwrap());
	let start = (node.best_number().unwrap(), Instant::now());
	let endless_submitted =
		ok(&node, CLIENT, &["--wait", "in-block", "job", "submit", text(&endless)]);
	let endless_job = endless_submitted["job"].as_u64().unwrap().to_string();
	let bomb_job = submit(&node, &[text(&bomb)]);
	let recursion = write(dir.path(), "recursion.wasm", &wat::parse_str(DEEP_RECURSION).unwrap());
	let recursion_submitted =
		ok(&node, CLIENT, &["--wait", "in-block", "job", "submit", text(&recursion)]);
	let recursion_job = recursion_submitted["job"].as_u64().unwrap().to_string();
	let table = write(dir.path(), "table.wasm", &wat::parse_str(HUGE_TABLE).unwrap());
	let table_job = submit(&node, &[text(&table)]);
	const BLOCKS: u64 = 10;
	let within = BLOCK_TIME * BLOCKS as u32 + Duration::from_secs(6);
	node.wait_until("10 blocks while the hostile jobs run", within, |n| {
		n.best_number().is_ok_and(|best| best >= start.0 + BLOCKS)
	});
	assert!(start.1.elapsed() <= within, "10 blocks took {:?}", start.1.elapsed());

	let refused = xmbl(
		&node,
		CLIENT,
		&["job", "result", &endless_job, "-o", text(&dir.path().join("endless.out"))],
	)
	.expect_err("an endless loop has no output");
	assert_eq!(refused.code, 9, "{refused:?}");
	assert_eq!(refused.error["error"]["outcome"], "OutOfFuel", "{refused:?}");
	assert_eq!(refused.error["error"]["fuel_used"], endless_submitted["fuel"], "{refused:?}");
	let status = ok(&node, CLIENT, &["job", "status", &endless_job]);
	assert_eq!(status["status"], "completed", "{status}");
	assert_eq!(status["result"]["outcome"], "OutOfFuel", "{status}");

	let refused = xmbl(
		&node,
		CLIENT,
		&["job", "result", &bomb_job, "-o", text(&dir.path().join("bomb.out"))],
	)
	.expect_err("a memory bomb has no output");
	assert_eq!(refused.code, 9, "{refused:?}");
	assert_eq!(refused.error["error"]["outcome"], "Trap", "{refused:?}");
	assert_eq!(refused.error["error"]["trap"], "MemoryLimit", "{refused:?}");
	assert!(!dir.path().join("bomb.out").exists(), "no output is written");

	let refused = xmbl(
		&node,
		CLIENT,
		&["job", "result", &recursion_job, "-o", text(&dir.path().join("recursion.out"))],
	)
	.expect_err("deep recursion has no output");
	assert_eq!(refused.code, 9, "{refused:?}");
	assert_eq!(refused.error["error"]["trap"], "StackOverflow", "{refused:?}");
	assert_eq!(refused.error["error"]["fuel_used"], recursion_submitted["fuel"], "{refused:?}");
	let refused = xmbl(
		&node,
		CLIENT,
		&["job", "result", &table_job, "-o", text(&dir.path().join("table.out"))],
	)
	.expect_err("a huge table has no output");
	assert_eq!(refused.code, 9, "{refused:?}");
	assert_eq!(refused.error["error"]["trap"], "TableLimit", "{refused:?}");

	// 10 MB of module: over what the chain runs, refused before a deal or job is made.
	let huge = dir.path().join("huge.wasm");
	std::fs::File::create(&huge).unwrap().set_len(10_000_000).unwrap();
	let jobs_before = ok(&node, CLIENT, &["jobs"]);
	let refused = xmbl(&node, CLIENT, &["--wait", "in-block", "job", "submit", text(&huge)])
		.expect_err("a 10 MB module");
	assert_eq!(refused.code, 2, "{refused:?}");
	let message = refused.error["error"]["message"].as_str().unwrap_or_default();
	assert!(message.contains("(MaxStoredProgram)"), "{refused:?}");
	assert_eq!(ok(&node, CLIENT, &["jobs"]), jobs_before, "no job was made");

	// Blocks still come after both.
	let best = node.best_number().unwrap();
	node.wait_until(
		"blocks after the hostile jobs",
		BLOCK_TIME * 3 + Duration::from_secs(3),
		|n| n.best_number().is_ok_and(|now| now >= best + 2),
	);
}
