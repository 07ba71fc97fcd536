//! `xmbl job result`: follows the job at the best block until it ends, then writes its output
//! to `OUT.partial` and renames it to `OUT`: inline bytes from the chain, or a kept output from
//! the first agreeing worker that serves it with the hash and length on chain.

use super::{failure_text, outcome_json, status_name};
use crate::{
	progress::Waiting,
	storage::{partial_path, Partial},
	Cli, CliError,
};
use clap::Args;
use pallet_xmbl_compute::{FinalResult, Job, JobFailure, JobResultOf, JobStatus, WorkerState};
use polkadot_sdk::{
	sp_core::crypto::Ss58Codec,
	sp_runtime::traits::{BlakeTwo256, Hash},
};
use serde_json::{json, Value};
use std::{
	path::PathBuf,
	time::{Duration, Instant},
};
use xmbl_client::{outputs::download_output, shards, Chain};
use xmbl_primitives::{JobId, JobOutcomeKind, JobOutput};
use xmbl_runtime::{AccountId, BlockNumber, Runtime};

/// How often `job result` looks at the best block while the job runs.
const POLL: Duration = Duration::from_secs(1);

/// The exit codes of `job result`, as `--help` shows them.
pub const EXIT_HELP: &str = "\
Exit codes of job result:
  0  the job completed and its program succeeded: the output is written to OUT
  1  no such job (never submitted, or pruned when its retention ended)
  5  no new block came for --timeout seconds while the job ran
  6  the output was kept by the workers and none of those that agreed on it served
     bytes with its hash and length (each worker's error is in the error)
  8  the job failed without a result (NotEnoughProviders, Expired, NoMajority) and
     its reward was refunded; nothing is written
  9  the workers agreed that the program did not succeed (OutOfFuel, Trap,
     InvalidModule, OutputTooLarge): the outcome and fuel used are in the error;
     nothing is written";

/// `xmbl job result`.
#[derive(Args)]
pub struct ResultArgs {
	/// The job's number.
	job: JobId,
	/// Where to write the output (replaced if it exists).
	#[arg(short, long, value_name = "OUT")]
	out: PathBuf,
}

/// How a job ended.
enum Ended {
	Completed(Box<Job<Runtime>>, FinalResult<Runtime>),
	Failed(JobFailure),
}

/// One line on what job `id` is doing at block `now`.
fn progress_line(id: JobId, job: &Job<Runtime>, now: BlockNumber) -> String {
	let seated = job.seated().count();
	let done = job
		.seated()
		.filter(|worker| match job.status {
			JobStatus::Committing => worker.state != WorkerState::Assigned,
			_ => matches!(worker.state, WorkerState::Revealed(_)),
		})
		.count();
	let what = match job.status {
		JobStatus::Selecting => format!("workers are drawn at block {}", job.due),
		JobStatus::Committing => format!(
			"round {}: {done} of {seated} workers committed, the phase ends at block {}",
			job.round, job.due
		),
		JobStatus::Revealing => {
			format!("{done} of {seated} workers revealed, the phase ends at block {}", job.due)
		},
		JobStatus::Completed | JobStatus::Failed(_) => status_name(&job.status).to_owned(),
	};
	format!("job {id}: {what} (block {now}, deadline {})", job.deadline)
}

/// Follows job `id` at the best block until it is completed or failed.
async fn wait_for_end(cli: &Cli, chain: &Chain, id: JobId) -> Result<Ended, CliError> {
	let mut waiting = Waiting::new();
	let stall = Duration::from_secs(cli.timeout);
	let mut last_best = None;
	let mut last_block_at = Instant::now();
	loop {
		let best = chain.best_header().await?;
		if last_best == Some(best.hash()) {
			if last_block_at.elapsed() >= stall {
				return Err(CliError::Stalled { waited: last_block_at.elapsed() });
			}
			tokio::time::sleep(POLL).await;
			continue;
		}
		last_best = Some(best.hash());
		last_block_at = Instant::now();
		let job = chain.job(id, Some(best.hash())).await?.ok_or(CliError::NoJob(id))?;
		match job.status {
			JobStatus::Completed => {
				let result = chain.job_result(id, Some(best.hash())).await?.ok_or_else(|| {
					CliError::Other(format!("job {id} is completed but the node has no result"))
				})?;
				return Ok(Ended::Completed(Box::new(job), result));
			},
			JobStatus::Failed(failure) => return Ok(Ended::Failed(failure)),
			_ => waiting.set(progress_line(id, &job, best.number)),
		}
		tokio::time::sleep(POLL).await;
	}
}

/// The error for a result whose outcome is not `Success`, or `None`.
fn unsuccessful(id: JobId, result: &JobResultOf<Runtime>) -> Option<CliError> {
	let why = match result.kind {
		JobOutcomeKind::Success => return None,
		JobOutcomeKind::OutOfFuel => "ran out of fuel".to_owned(),
		JobOutcomeKind::Trap(trap) => format!("trapped ({trap:?})"),
		JobOutcomeKind::InvalidModule(reason) => format!("was refused as a module ({reason:?})"),
		JobOutcomeKind::OutputTooLarge => "wrote more output than the chain keeps".to_owned(),
		JobOutcomeKind::InputUnreadable => {
			"could not run: its stored input does not open with the job's input key".to_owned()
		},
	};
	Some(CliError::JobOutcome {
		job: id,
		outcome: outcome_json(&result.kind),
		fuel_used: result.fuel_used,
		message: format!(
			"job {id}: the workers agreed that the program {why}, using {} fuel; it has no output",
			result.fuel_used
		),
	})
}

/// The workers that revealed `result`, in the order drawn: those that keep its output.
fn agreeing_workers(job: &Job<Runtime>, result: &JobResultOf<Runtime>) -> Vec<AccountId> {
	let result_hash = BlakeTwo256::hash_of(result).0;
	job.workers
		.iter()
		.filter(|worker| worker.state == WorkerState::Revealed(result_hash))
		.map(|worker| worker.who.clone())
		.collect()
}

/// The kept output `hash` (`len` bytes) from the first of `workers` that serves it checked,
/// and that worker's endpoint.
async fn fetch_kept(
	chain: &Chain,
	id: JobId,
	workers: &[AccountId],
	hash: &[u8; 32],
	len: u64,
) -> Result<(Vec<u8>, String), CliError> {
	let http = shards::http_client()
		.map_err(|error| CliError::Other(format!("cannot build the HTTP client: {error}")))?;
	let mut failures = Vec::new();
	for worker in workers {
		let account = worker.to_ss58check();
		let Some(endpoint) = chain.provider_endpoint(worker).await? else {
			let error = "not a registered provider";
			eprintln!("worker {account}: {error}");
			failures.push(json!({ "worker": account, "endpoint": null, "error": error }));
			continue;
		};
		eprintln!("fetching the output ({len} bytes) from {account} at {endpoint}");
		match download_output(&http, &endpoint, hash, len).await {
			Ok(bytes) => return Ok((bytes, endpoint)),
			Err(error) => {
				eprintln!("worker {account}: {error}");
				failures.push(
					json!({ "worker": account, "endpoint": endpoint, "error": error.to_string() }),
				);
			},
		}
	}
	let listed = failures
		.iter()
		.map(|failure| format!("{}: {}", failure["worker"], failure["error"]))
		.collect::<Vec<_>>()
		.join("; ");
	Err(CliError::Transfer {
		message: format!(
			"job {id}: none of the {} workers that agreed on its result served its output \
			 ({len} bytes, blake2_256 0x{}): {listed}",
			workers.len(),
			hex::encode(hash)
		),
		failures,
	})
}

/// `xmbl job result`.
pub(super) async fn result(cli: &Cli, args: &ResultArgs) -> Result<Value, CliError> {
	let partial = partial_path(&args.out)?;
	let chain = Chain::connect(&cli.url).await?;
	let id = args.job;
	let (job, result) = match wait_for_end(cli, &chain, id).await? {
		Ended::Completed(job, result) => (job, result),
		Ended::Failed(failure) => {
			let (reason, why) = failure_text(failure);
			return Err(CliError::JobFailed {
				job: id,
				reason,
				message: format!("job {id} failed: {why}; its reward was refunded"),
			});
		},
	};
	if let Some(error) = unsuccessful(id, &result.result) {
		return Err(error);
	}
	let (bytes, from) = match &result.result.output {
		JobOutput::Inline(bytes) => (bytes.to_vec(), json!("chain")),
		JobOutput::Kept { hash, len } => {
			let workers = agreeing_workers(&job, &result.result);
			let (bytes, endpoint) = fetch_kept(&chain, id, &workers, hash, *len).await?;
			(bytes, json!({ "worker_endpoint": endpoint }))
		},
		JobOutput::None => {
			return Err(CliError::Other(format!("job {id} succeeded without an output")))
		},
	};
	let guard = Partial(Some(partial.clone()));
	let write_error = |error: std::io::Error| {
		CliError::Other(format!("cannot write {}: {error}", args.out.display()))
	};
	std::fs::write(&partial, &bytes).map_err(write_error)?;
	std::fs::rename(&partial, &args.out).map_err(write_error)?;
	guard.keep();
	Ok(json!({
		"job": id,
		"outcome": "Success",
		"fuel_used": result.result.fuel_used,
		"bytes": bytes.len(),
		"out": args.out.display().to_string(),
		"from": from,
		"final_at": result.at,
	}))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::compute::tests::sample_job;
	use polkadot_sdk::sp_keyring::Sr25519Keyring;
	use xmbl_primitives::{JobResult, TrapKind};

	fn kept(fuel_used: u64) -> JobResultOf<Runtime> {
		JobResult {
			kind: JobOutcomeKind::Success,
			fuel_used,
			output: JobOutput::Kept { hash: [3; 32], len: 20_000 },
		}
	}

	/// Fails if a worker that revealed another result (or did not reveal) is asked for the
	/// output, or the agreeing ones are not tried in the order drawn.
	#[test]
	fn the_output_is_asked_of_the_workers_that_revealed_the_final_result() {
		let result = kept(5);
		let job = sample_job(JobStatus::Completed, BlakeTwo256::hash_of(&result).0);
		assert_eq!(
			agreeing_workers(&job, &result),
			[Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Charlie.to_account_id()]
		);
		assert!(agreeing_workers(&job, &kept(6)).is_empty(), "another result's hash");
	}

	/// Fails if a result other than success is taken for one, or if its error is not exit 9
	/// with the outcome and fuel used.
	#[test]
	fn outcomes_other_than_success_are_exit_nine() {
		assert!(unsuccessful(1, &kept(5)).is_none());
		let trapped = JobResult {
			kind: JobOutcomeKind::Trap(TrapKind::MemoryLimit),
			fuel_used: 77,
			output: JobOutput::None,
		};
		let error = unsuccessful(4, &trapped).unwrap();
		assert_eq!(error.exit_code(), 9);
		let json = error.to_json();
		assert_eq!(json["error"]["kind"], "job_outcome");
		assert_eq!(json["error"]["job"], 4);
		assert_eq!(json["error"]["outcome"], "Trap");
		assert_eq!(json["error"]["trap"], "MemoryLimit");
		assert_eq!(json["error"]["fuel_used"], 77);
		assert_eq!(
			json["error"]["message"],
			"job 4: the workers agreed that the program trapped (MemoryLimit), using 77 fuel; it \
			 has no output"
		);
		let out_of_fuel =
			JobResult { kind: JobOutcomeKind::OutOfFuel, fuel_used: 1000, output: JobOutput::None };
		let json = unsuccessful(4, &out_of_fuel).unwrap().to_json();
		assert_eq!(
			(&json["error"]["outcome"], &json["error"]["fuel_used"]),
			(&json!("OutOfFuel"), &json!(1000))
		);
	}

	#[test]
	fn progress_says_what_the_job_waits_for() {
		let job = sample_job(JobStatus::Committing, [0; 32]);
		assert_eq!(
			progress_line(2, &job, 50),
			"job 2: round 1: 3 of 3 workers committed, the phase ends at block 14000 (block 50, \
			 deadline 80)"
		);
		let job = sample_job(JobStatus::Revealing, [0; 32]);
		assert_eq!(
			progress_line(2, &job, 51),
			"job 2: 2 of 3 workers revealed, the phase ends at block 14000 (block 51, deadline 80)"
		);
	}
}
