//! `xmbl job submit`: the program and input go in the job when they fit the chain's inline
//! bounds; larger ones are stored first with `put`'s code (the program as a public deal, the
//! input as an encrypted one whose file key goes with the job), then `Compute.submit_job`.

use crate::{
	hex0x, signing_key,
	storage::{
		file_key_of, store, PutPlan, DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, DEFAULT_PRICE,
	},
	Cli, CliError,
};
use clap::Args;
use pallet_xmbl_compute::{ArgsOf, Config as ComputeConfig, Event as ComputeEvent};
use polkadot_sdk::{
	frame_support::{traits::Get, BoundedVec},
	sp_core::Pair,
};
use serde_json::{json, Value};
use std::{
	path::{Path, PathBuf},
	time::Duration,
};
use xmbl_cipher::FileKey;
use xmbl_client::{format_amount, parse_amount, Chain, Wait};
use xmbl_primitives::{DealId, JobSource};
use xmbl_runtime::{AccountId, Balance, BlockNumber, Runtime, RuntimeCall, RuntimeEvent};

/// Workers that run a job unless told otherwise.
const DEFAULT_REPLICAS: u8 = 3;
/// Fuel a job gets unless told otherwise: 10^9 WebAssembly operators, a tenth of the runtime's
/// most (`MaxFuel`), about 0.1–0.2 s of SHA-256 on the reference machine.
const DEFAULT_FUEL: u64 = 1_000_000_000;
/// Memory a job gets unless told otherwise: 64 MiB, a quarter of the runtime's most.
const DEFAULT_MEMORY: u64 = 64 << 20;

/// `xmbl job submit`.
#[derive(Args)]
pub struct SubmitArgs {
	/// The program: a wasm32-wasip1 command module (`.wasm`). Up to the chain's
	/// MaxInlineProgram (64 KiB) it goes in the job; a larger one is stored first, as a public
	/// deal.
	module: PathBuf,
	/// The program's input (stdin), from a file. Up to the chain's MaxInlineInput (64 KiB) it
	/// goes in the job; a larger one is stored first as an encrypted deal, and the key of that
	/// one file goes with the job. Either way the input becomes readable by the workers and,
	/// through the chain, by anyone. Without --input or --input-deal the input is empty.
	#[arg(long, value_name = "FILE", conflicts_with = "input_deal")]
	input: Option<PathBuf>,
	/// The input is the file of one of the signer's active deals (the chain refuses anyone
	/// else's with Compute.NotDealOwner). If it is encrypted, the key of that one file goes
	/// with the job: the file becomes readable by the workers and, through the chain, by
	/// anyone.
	#[arg(long, value_name = "ID")]
	input_deal: Option<DealId>,
	/// Workers that run the job; its result is final when more than half of them agree.
	#[arg(long, default_value_t = DEFAULT_REPLICAS)]
	replicas: u8,
	/// Fuel: how many WebAssembly operators the job may run.
	#[arg(long, default_value_t = DEFAULT_FUEL)]
	fuel: u64,
	/// The job's linear memory limit in bytes.
	#[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MEMORY)]
	memory: u64,
	/// The whole reward in XMBL, held in escrow: each worker that agrees on the final result
	/// is paid reward / replicas, the rest is refunded. By default the chain's least:
	/// MinJobReward (0.001) × replicas.
	#[arg(long, value_parser = crate::amount)]
	reward: Option<Balance>,
	/// Blocks from submission by which the job must be final. By default room for every
	/// round the chain allows: SelectionDelay + MaxRounds × CommitWindow + RevealWindow.
	#[arg(long, value_name = "BLOCKS")]
	deadline: Option<BlockNumber>,
	/// The program's arguments (argv[1..]), after `--`.
	#[arg(last = true, value_name = "ARGS")]
	args: Vec<String>,
}

/// Where one of a job's sources comes from: `Inline` is the chain's bounded inline bytes.
#[derive(Debug, PartialEq, Eq)]
enum Source<Inline> {
	/// In the job itself.
	Inline(Inline),
	/// A file stored first, as a new deal of the signer's.
	Store(PutPlan),
	/// A deal that exists.
	Deal(DealId),
}

type ProgramBytes = BoundedVec<u8, <Runtime as ComputeConfig>::MaxInlineProgram>;
type InputBytes = BoundedVec<u8, <Runtime as ComputeConfig>::MaxInlineInput>;

/// What `job submit` checked before connecting.
#[derive(Debug)]
struct SubmitPlan {
	program: Source<ProgramBytes>,
	input: Source<InputBytes>,
	args: ArgsOf<Runtime>,
	fuel: u64,
	memory: u64,
	replicas: u8,
	reward: Balance,
	deadline: BlockNumber,
}

/// The earliest deadline the chain takes: one selection, commit and reveal phase.
fn min_deadline() -> BlockNumber {
	<<Runtime as ComputeConfig>::SelectionDelay as Get<BlockNumber>>::get()
		+ <<Runtime as ComputeConfig>::CommitWindow as Get<BlockNumber>>::get()
		+ <<Runtime as ComputeConfig>::RevealWindow as Get<BlockNumber>>::get()
}

/// The default deadline: every round the chain allows fits (a round after the first starts at
/// the end of the previous commit phase), within `MaxDeadline`.
fn default_deadline() -> BlockNumber {
	let rounds = BlockNumber::from(<<Runtime as ComputeConfig>::MaxRounds as Get<u8>>::get());
	(<<Runtime as ComputeConfig>::SelectionDelay as Get<BlockNumber>>::get()
		+ rounds * <<Runtime as ComputeConfig>::CommitWindow as Get<BlockNumber>>::get()
		+ <<Runtime as ComputeConfig>::RevealWindow as Get<BlockNumber>>::get())
	.min(<<Runtime as ComputeConfig>::MaxDeadline as Get<BlockNumber>>::get())
}

/// Where `path` goes: in the job when its length is at most `S` bytes, otherwise stored for
/// `blocks` blocks (unencrypted if `public`) if it is at most `max_stored` bytes (`bound`
/// names that constant). `what` names it in errors.
fn place<S: Get<u32>>(
	path: &Path,
	what: &str,
	public: bool,
	blocks: u32,
	(max_stored, bound): (u64, &str),
) -> Result<Source<BoundedVec<u8, S>>, CliError> {
	let shown = path.display();
	let metadata = std::fs::metadata(path)
		.map_err(|error| CliError::Usage(format!("cannot read {what} {shown}: {error}")))?;
	if !metadata.is_file() {
		return Err(CliError::Usage(format!("{what} {shown} is not a file")));
	}
	if metadata.len() > max_stored {
		return Err(CliError::Usage(format!(
			"{what} {shown} is {} bytes; the chain runs jobs on at most {max_stored} ({bound})",
			metadata.len()
		)));
	}
	if metadata.len() > u64::from(S::get()) {
		let price = parse_amount(DEFAULT_PRICE).expect("the default price is an amount");
		let plan =
			PutPlan::new(path, DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, blocks, price, public)?;
		return Ok(Source::Store(plan));
	}
	let bytes = std::fs::read(path)
		.map_err(|error| CliError::Usage(format!("cannot read {what} {shown}: {error}")))?;
	let len = bytes.len();
	let bytes = BoundedVec::try_from(bytes).map_err(|_| {
		CliError::Other(format!("{what} {shown} grew to {len} bytes while it was read"))
	})?;
	Ok(Source::Inline(bytes))
}

/// The arguments as the chain takes them: at most `MaxArgs`, each at most `MaxArgLen` bytes.
fn job_args(args: &[String]) -> Result<ArgsOf<Runtime>, CliError> {
	let max_args = <<Runtime as ComputeConfig>::MaxArgs as Get<u32>>::get();
	let max_len = <<Runtime as ComputeConfig>::MaxArgLen as Get<u32>>::get();
	let args = args
		.iter()
		.enumerate()
		.map(|(index, arg)| {
			BoundedVec::try_from(arg.as_bytes().to_vec()).map_err(|_| {
				CliError::Usage(format!(
					"argument {} is {} bytes; the chain takes at most {max_len}",
					index + 1,
					arg.len()
				))
			})
		})
		.collect::<Result<Vec<_>, _>>()?;
	let count = args.len();
	BoundedVec::try_from(args).map_err(|_| {
		CliError::Usage(format!("{count} arguments; the chain takes at most {max_args}"))
	})
}

/// `value` within `range`, or a usage error naming `--name` and the chain's bounds.
fn within<T: PartialOrd + std::fmt::Display>(
	name: &str,
	value: T,
	range: std::ops::RangeInclusive<T>,
) -> Result<T, CliError> {
	if !range.contains(&value) {
		return Err(CliError::Usage(format!(
			"--{name} {value} is out of range: the chain takes {}..={}",
			range.start(),
			range.end()
		)));
	}
	Ok(value)
}

impl SubmitArgs {
	/// Everything about the job that the chain's constants decide, before connecting.
	fn check(&self, wait: Wait) -> Result<SubmitPlan, CliError> {
		if wait == Wait::None {
			return Err(CliError::Usage(
				"job submit needs --wait in-block or finalized: the job's number comes from its \
				 event"
					.into(),
			));
		}
		let replicas = within(
			"replicas",
			self.replicas,
			1..=<<Runtime as ComputeConfig>::MaxReplicas as Get<u8>>::get(),
		)?;
		let fuel = within(
			"fuel",
			self.fuel,
			1..=<<Runtime as ComputeConfig>::MaxFuel as Get<u64>>::get(),
		)?;
		let memory = within(
			"memory",
			self.memory,
			1..=<<Runtime as ComputeConfig>::MaxMemory as Get<u64>>::get(),
		)?;
		let deadline = within(
			"deadline",
			self.deadline.unwrap_or_else(default_deadline),
			min_deadline()..=<<Runtime as ComputeConfig>::MaxDeadline as Get<BlockNumber>>::get(),
		)?;
		let least = <<Runtime as ComputeConfig>::MinJobReward as Get<Balance>>::get()
			* Balance::from(replicas);
		let reward = self.reward.unwrap_or(least);
		if reward < least {
			return Err(CliError::Usage(format!(
				"--reward {} is below the chain's least for {replicas} replicas: {} XMBL \
				 (MinJobReward × replicas)",
				format_amount(reward),
				format_amount(least)
			)));
		}
		let args = job_args(&self.args)?;
		// A stored source's deal is readable for twice the job's deadline: its periods start
		// when it becomes active, a little before the job is submitted.
		let blocks = 2 * deadline;
		let max_program = <<Runtime as ComputeConfig>::MaxStoredProgram as Get<u64>>::get();
		let program: Source<ProgramBytes> =
			place(&self.module, "the module", true, blocks, (max_program, "MaxStoredProgram"))?;
		if matches!(&program, Source::Inline(bytes) if bytes.is_empty()) {
			return Err(CliError::Usage(format!(
				"the module {} is empty: not a WebAssembly module",
				self.module.display()
			)));
		}
		let input: Source<InputBytes> = match (&self.input, self.input_deal) {
			(Some(path), _) => {
				let max_input = <<Runtime as ComputeConfig>::MaxStoredInput as Get<u64>>::get();
				place(path, "the input", false, blocks, (max_input, "MaxStoredInput"))?
			},
			(None, Some(deal)) => Source::Deal(deal),
			(None, None) => Source::Inline(BoundedVec::new()),
		};
		Ok(SubmitPlan { program, input, args, fuel, memory, replicas, reward, deadline })
	}
}

/// A source as the job takes it, the key of its file if the signer may give one, and how it is
/// shown in the output.
struct Resolved<Inline> {
	source: JobSource<Inline>,
	key: Option<FileKey>,
	json: Value,
}

/// Stores `source` if it is to be stored (with `nonce` for the deal, if given) and finds the key
/// of a deal's file: the key of a file the signer encrypted, never for a public file or a deal
/// of someone else's (the chain refuses that deal anyway).
async fn resolve<Inline>(
	cli: &Cli,
	chain: &Chain,
	key: &polkadot_sdk::sp_core::sr25519::Pair,
	source: Source<Inline>,
	nonce: &mut Option<u32>,
) -> Result<Resolved<Inline>, CliError>
where
	Inline: AsRef<[u8]>,
{
	match source {
		Source::Inline(bytes) => {
			let json = json!({ "inline": bytes.as_ref().len() });
			Ok(Resolved { source: JobSource::Inline(bytes), key: None, json })
		},
		Source::Store(plan) => {
			let stored = store(cli, chain, key, &plan, nonce.take()).await?;
			let file_key = file_key_of(cli, key, &stored.manifest)?;
			let json = json!({
				"deal": stored.id,
				"stored": {
					"bytes": plan.bytes(),
					"file_root": hex0x(&stored.manifest.file_root),
					"encrypted": file_key.is_some(),
				},
			});
			Ok(Resolved { source: JobSource::Deal(stored.id), key: file_key, json })
		},
		Source::Deal(id) => {
			let signer = AccountId::from(key.public());
			let file_key = match chain.deal(id, None).await? {
				Some((deal, manifest)) if deal.owner == signer => file_key_of(cli, key, &manifest)?,
				_ => None,
			};
			Ok(Resolved { source: JobSource::Deal(id), key: file_key, json: json!({ "deal": id }) })
		},
	}
}

/// `xmbl job submit`.
pub(super) async fn submit(
	cli: &Cli,
	args: &SubmitArgs,
	suri: Option<&str>,
) -> Result<Value, CliError> {
	let plan = args.check(cli.wait.into())?;
	let chain = Chain::connect(&cli.url).await?;
	let key = signing_key(&chain, suri).await?;
	// `--nonce` is the first transaction's: a deal stored for the job, or the job.
	let mut nonce = cli.nonce;
	let program = resolve(cli, &chain, &key, plan.program, &mut nonce).await?;
	let input = resolve(cli, &chain, &key, plan.input, &mut nonce).await?;
	let call = RuntimeCall::Compute(pallet_xmbl_compute::Call::submit_job {
		program: program.source,
		input: input.source,
		args: plan.args.clone(),
		fuel: plan.fuel,
		memory_bytes: plan.memory,
		replicas: plan.replicas,
		reward: plan.reward,
		deadline: plan.deadline,
		input_key: input.key.as_ref().map(|key| *key.as_bytes()),
	});
	let submitted = chain
		.submit(
			&key,
			call,
			nonce,
			cli.wait.into(),
			Duration::from_secs(cli.timeout),
			crate::report_progress,
		)
		.await?;
	let included = submitted.included.as_ref().expect("job submit waits for a block");
	let (job, deadline, selection_at) = included
		.events
		.iter()
		.find_map(|event| match event {
			RuntimeEvent::Compute(ComputeEvent::JobSubmitted {
				job,
				deadline,
				selection_at,
				..
			}) => Some((*job, *deadline, *selection_at)),
			_ => None,
		})
		.ok_or_else(|| {
			CliError::Other(format!(
				"no JobSubmitted event in block {:?}: {}",
				included.block_hash,
				crate::submitted_json(&chain, &submitted)
			))
		})?;
	let args: Vec<String> =
		plan.args.iter().map(|arg| String::from_utf8_lossy(arg).into_owned()).collect();
	Ok(json!({
		"job": job,
		"block": included.block_number,
		"tx_hash": format!("{:?}", submitted.tx_hash),
		"program": program.json,
		"input": input.json,
		"input_key": input.key.is_some(),
		"args": args,
		"replicas": plan.replicas,
		"reward": format_amount(plan.reward),
		"fuel": plan.fuel,
		"memory": plan.memory,
		"selection_at": selection_at,
		"deadline": deadline,
	}))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{compute::JobCommand, storage::tests::usage_message, Command};
	use clap::Parser;

	fn submit_args(args: &[&str]) -> SubmitArgs {
		let cli = Cli::try_parse_from([&["xmbl", "job", "submit"], args].concat()).unwrap();
		match cli.command {
			Command::Job(JobCommand::Submit(args)) => args,
			_ => unreachable!("parsed as job submit"),
		}
	}

	fn max_inline() -> usize {
		<<Runtime as ComputeConfig>::MaxInlineProgram as Get<u32>>::get() as usize
	}

	/// Fails if a file of exactly the inline bound is stored, or one byte more goes inline; if a
	/// large module is not public or a large input not encrypted; or if the bytes inline are not
	/// the file's.
	#[test]
	fn sources_go_inline_up_to_the_chains_bounds_and_are_stored_above() {
		assert_eq!(
			max_inline(),
			<<Runtime as ComputeConfig>::MaxInlineInput as Get<u32>>::get() as usize
		);
		let dir = tempfile::tempdir().unwrap();
		let write = |name: &str, len: usize| {
			let path = dir.path().join(name);
			std::fs::write(&path, (0..len).map(|i| (i % 251) as u8).collect::<Vec<_>>()).unwrap();
			path
		};
		let (at, above) = (write("at", max_inline()), write("above", max_inline() + 1));
		let (at_text, above_text) = (at.to_str().unwrap(), above.to_str().unwrap());

		let plan = submit_args(&[at_text, "--input", at_text]).check(Wait::Finalized).unwrap();
		let Source::Inline(program) = &plan.program else { panic!("{:?}", plan.program) };
		assert!(program[..] == std::fs::read(&at).unwrap()[..]);
		assert!(matches!(&plan.input, Source::Inline(input) if input.len() == max_inline()));

		let plan = submit_args(&[above_text, "--input", above_text])
			.check(Wait::Finalized)
			.unwrap();
		let blocks = 2 * default_deadline();
		let price = parse_amount(DEFAULT_PRICE).unwrap();
		let stored = |public| PutPlan::new(&above, 3, 2, blocks, price, public).unwrap();
		assert_eq!(plan.program, Source::Store(stored(true)));
		assert_eq!(plan.input, Source::Store(stored(false)));

		// No input is an empty one; a deal is taken as given, for the chain to check.
		let plan = submit_args(&[at_text]).check(Wait::Finalized).unwrap();
		assert!(matches!(&plan.input, Source::Inline(input) if input.is_empty()));
		let plan = submit_args(&[at_text, "--input-deal", "7"]).check(Wait::Finalized).unwrap();
		assert_eq!(plan.input, Source::Deal(7));
	}

	/// Fails if a default falls outside the chain's bounds (the chain would refuse the job), or
	/// if a value out of them, a bad file or too many or too long arguments pass before
	/// connecting.
	#[test]
	fn submit_checks_its_arguments_before_connecting() {
		let dir = tempfile::tempdir().unwrap();
		let module = dir.path().join("job.wasm");
		std::fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
		let module = module.to_str().unwrap();

		let plan = submit_args(&[module, "--", "ERROR", "", "dé"]).check(Wait::InBlock).unwrap();
		assert_eq!(
			(plan.replicas, plan.fuel, plan.memory, plan.reward, plan.deadline),
			(3, 1_000_000_000, 64 << 20, 3_000_000_000, 72)
		);
		let args: Vec<&[u8]> = plan.args.iter().map(|arg| &arg[..]).collect();
		assert_eq!(args, [&b"ERROR"[..], b"", "dé".as_bytes()]);
		assert_eq!(min_deadline(), 32);

		let plan = submit_args(&[module, "--replicas", "7", "--reward", "0.5", "--fuel", "1"])
			.check(Wait::Finalized)
			.unwrap();
		assert_eq!((plan.replicas, plan.reward, plan.fuel), (7, 500_000_000_000, 1));
		assert_eq!(
			submit_args(&[module, "--replicas", "5"]).check(Wait::Finalized).unwrap().reward,
			5_000_000_000
		);

		let empty = dir.path().join("empty.wasm");
		std::fs::write(&empty, b"").unwrap();
		let (empty, folder) = (empty.to_str().unwrap(), dir.path().to_str().unwrap());
		let missing = dir.path().join("missing");
		let missing = missing.to_str().unwrap();
		// Sparse files one byte over the stored bounds: refused before anything is stored.
		let huge = |name: &str, len: u64| {
			let path = dir.path().join(name);
			std::fs::File::create(&path).unwrap().set_len(len).unwrap();
			path.to_str().unwrap().to_owned()
		};
		let huge_module = huge("huge.wasm", (8 << 20) + 1);
		let huge_input = huge("huge.input", (64 << 20) + 1);
		let too_long = "x".repeat(257);
		let too_many: Vec<String> = (0..33).map(|i| i.to_string()).collect();
		let mut many = vec![module, "--"];
		many.extend(too_many.iter().map(String::as_str));
		for (args, expected) in [
			(
				vec![module, "--replicas", "0"],
				"--replicas 0 is out of range: the chain takes 1..=7",
			),
			(vec![module, "--replicas", "8"], "--replicas 8 is out of range"),
			(vec![module, "--fuel", "0"], "--fuel 0 is out of range"),
			(vec![module, "--fuel", "10000000001"], "1..=10000000000"),
			(vec![module, "--memory", "268435457"], "--memory 268435457 is out of range"),
			(
				vec![module, "--deadline", "31"],
				"--deadline 31 is out of range: the chain takes 32..=14400",
			),
			(vec![module, "--deadline", "14401"], "--deadline 14401 is out of range"),
			(
				vec![module, "--reward", "0.002"],
				"below the chain's least for 3 replicas: 0.003 XMBL",
			),
			(vec![module, "--replicas", "5", "--reward", "0.004"], "0.005 XMBL"),
			(vec![module, "--", &too_long], "argument 1 is 257 bytes; the chain takes at most 256"),
			(many, "33 arguments; the chain takes at most 32"),
			(vec![empty], "is empty: not a WebAssembly module"),
			(vec![missing], "cannot read the module"),
			(vec![folder], "is not a file"),
			(vec![module, "--input", missing], "cannot read the input"),
			(
				vec![&huge_module],
				"is 8388609 bytes; the chain runs jobs on at most 8388608 (MaxStoredProgram)",
			),
			(
				vec![module, "--input", &huge_input],
				"is 67108865 bytes; the chain runs jobs on at most 67108864 (MaxStoredInput)",
			),
		] {
			let message = usage_message(submit_args(&args).check(Wait::Finalized));
			assert!(message.contains(expected), "{args:?}: {message}");
		}
		assert!(usage_message(submit_args(&[module]).check(Wait::None)).contains("--wait"));
		assert!(
			Cli::try_parse_from([
				"xmbl",
				"job",
				"submit",
				module,
				"--input",
				module,
				"--input-deal",
				"1"
			])
			.is_err(),
			"--input and --input-deal together"
		);
		assert!(Cli::try_parse_from(["xmbl", "job", "submit", module, "--reward", "x"]).is_err());
	}
}
