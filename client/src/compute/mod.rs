//! The compute commands: `job submit`, `job status`, `job result` and `jobs`.
//!
//! One module per command: [`submit`] (what goes inline in the job and what is stored first
//! through the storage market), [`status`] (one job, or an account's jobs) and [`result`]
//! (waiting for the job's end, then its output, inline on chain or kept by the workers).

mod result;
mod status;
mod submit;

pub use result::ResultArgs;
pub use status::{jobs, status};
pub use submit::SubmitArgs;

use crate::{hex0x, merge, Cli, CliError};
use clap::Subcommand;
use pallet_xmbl_compute::{FinalResult, Job, JobFailure, JobResultOf, JobStatus, WorkerState};
use polkadot_sdk::sp_core::crypto::Ss58Codec;
use serde_json::{json, Value};
use xmbl_client::format_amount;
use xmbl_primitives::{JobId, JobOutcomeKind, JobOutput};
use xmbl_runtime::Runtime;

/// `xmbl job`.
#[derive(Subcommand)]
pub enum JobCommand {
	/// Submit a WebAssembly job: a wasm32-wasip1 command module run on its input (stdin) and
	/// arguments by several compute providers, the result they agree on made final and paid.
	/// A module or input too large to go in the job itself is stored first as a storage deal
	/// and the job reads it from there; prints the job's number.
	Submit(SubmitArgs),
	/// One job: its status, round, workers and their state, deadline, and its result once final.
	Status {
		/// The job's number.
		job: JobId,
	},
	/// Wait for a job to end, then write its output: from the chain, or for a long output
	/// from a worker that agreed on it, checked against the hash and length on chain.
	#[command(after_help = result::EXIT_HELP)]
	Result(ResultArgs),
}

/// `xmbl job ...`.
pub async fn run(cli: &Cli, command: &JobCommand, suri: Option<&str>) -> Result<Value, CliError> {
	match command {
		JobCommand::Submit(args) => submit::submit(cli, args, suri).await,
		JobCommand::Status { job } => status(cli, *job).await,
		JobCommand::Result(args) => result::result(cli, args).await,
	}
}

fn status_name(status: &JobStatus) -> &'static str {
	match status {
		JobStatus::Selecting => "selecting",
		JobStatus::Committing => "committing",
		JobStatus::Revealing => "revealing",
		JobStatus::Completed => "completed",
		JobStatus::Failed(_) => "failed",
	}
}

/// The name of a failure as the chain spells it, and what it means.
fn failure_text(failure: JobFailure) -> (&'static str, &'static str) {
	match failure {
		JobFailure::NotEnoughProviders => {
			("NotEnoughProviders", "too few compute providers could be drawn to run it")
		},
		JobFailure::Expired => (
			"Expired",
			"too few workers committed to a result, and no further round fit before its \
			 deadline",
		),
		JobFailure::NoMajority => {
			("NoMajority", "no result was revealed by more than half of its replicas")
		},
	}
}

/// `{"outcome": ...}` and, for a trap or a refused module, what kind.
fn outcome_json(kind: &JobOutcomeKind) -> Value {
	match kind {
		JobOutcomeKind::Success => json!({ "outcome": "Success" }),
		JobOutcomeKind::OutOfFuel => json!({ "outcome": "OutOfFuel" }),
		JobOutcomeKind::Trap(trap) => json!({ "outcome": "Trap", "trap": format!("{trap:?}") }),
		JobOutcomeKind::InvalidModule(reason) => {
			json!({ "outcome": "InvalidModule", "reason": format!("{reason:?}") })
		},
		JobOutcomeKind::OutputTooLarge => json!({ "outcome": "OutputTooLarge" }),
		JobOutcomeKind::InputUnreadable => json!({ "outcome": "InputUnreadable" }),
	}
}

/// A result as the chain keeps it: outcome, fuel used, and where the output is (inline bytes
/// as hex, or the hash and length of a kept output).
fn result_json(result: &JobResultOf<Runtime>) -> Value {
	let output = match &result.output {
		JobOutput::None => Value::Null,
		JobOutput::Inline(bytes) => {
			json!({ "inline": { "bytes": bytes.len(), "hex": hex0x(bytes) } })
		},
		JobOutput::Kept { hash, len } => {
			json!({ "kept": { "bytes": len, "hash": hex0x(hash) } })
		},
	};
	merge(outcome_json(&result.kind), json!({ "fuel_used": result.fuel_used, "output": output }))
}

fn worker_json(state: &WorkerState) -> Value {
	match state {
		WorkerState::Assigned => json!({ "state": "assigned" }),
		WorkerState::Committed(_) => json!({ "state": "committed" }),
		WorkerState::Revealed(hash) => {
			json!({ "state": "revealed", "result_hash": hex0x(hash) })
		},
		WorkerState::Missed => json!({ "state": "missed" }),
	}
}

/// `status`, and `failure` for a failed job.
fn status_fields(status: &JobStatus) -> Value {
	match status {
		JobStatus::Failed(failure) => {
			json!({ "status": status_name(status), "failure": failure_text(*failure).0 })
		},
		_ => json!({ "status": status_name(status) }),
	}
}

/// A job in full: its terms, where it is, every worker drawn, and its result once final.
fn job_json(id: JobId, job: &Job<Runtime>, result: Option<&FinalResult<Runtime>>) -> Value {
	let workers: Vec<Value> = job
		.workers
		.iter()
		.map(|worker| {
			merge(
				json!({ "account": worker.who.to_ss58check(), "round": worker.round }),
				worker_json(&worker.state),
			)
		})
		.collect();
	let result =
		result.map(|result| merge(result_json(&result.result), json!({ "final_at": result.at })));
	merge(
		json!({
			"job": id,
			"client": job.client.to_ss58check(),
			"round": job.round,
			"replicas": job.replicas,
			"reward": format_amount(job.reward),
			"escrow": format_amount(job.escrow),
			"fuel": job.fuel,
			"deadline": job.deadline,
			"due": job.due,
			"workers": workers,
			"result": result,
		}),
		status_fields(&job.status),
	)
}

/// One line of `xmbl jobs`.
fn job_summary_json(id: JobId, job: &Job<Runtime>, result: Option<&FinalResult<Runtime>>) -> Value {
	let outcome = result.map(|result| {
		merge(outcome_json(&result.result.kind), json!({ "fuel_used": result.result.fuel_used }))
	});
	merge(
		json!({
			"job": id,
			"round": job.round,
			"replicas": job.replicas,
			"reward": format_amount(job.reward),
			"deadline": job.deadline,
			"result": outcome,
		}),
		status_fields(&job.status),
	)
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use pallet_xmbl_compute::Worker;
	use polkadot_sdk::{frame_support::BoundedVec, sp_keyring::Sr25519Keyring};
	use xmbl_primitives::{JobResult, TrapKind};

	/// A completed job of Alice's: Bob and Charlie revealed `result_hash`, Dave missed his
	/// commitment in round 0 and Eve took his seat in round 1.
	pub(crate) fn sample_job(status: JobStatus, result_hash: [u8; 32]) -> Job<Runtime> {
		let worker = |who: Sr25519Keyring, round, state| Worker::<Runtime> {
			who: who.to_account_id(),
			round,
			state,
		};
		Job {
			client: Sr25519Keyring::Alice.to_account_id(),
			replicas: 3,
			reward: 3_000_000_000,
			fuel: 1_000_000,
			escrow: 0,
			deadline: 80,
			round: 1,
			status,
			due: 14_000,
			workers: BoundedVec::truncate_from(vec![
				worker(Sr25519Keyring::Bob, 0, WorkerState::Revealed(result_hash)),
				worker(Sr25519Keyring::Charlie, 0, WorkerState::Revealed(result_hash)),
				worker(Sr25519Keyring::Dave, 0, WorkerState::Missed),
				worker(Sr25519Keyring::Eve, 1, WorkerState::Committed([5; 32])),
			]),
		}
	}

	#[test]
	fn jobs_and_results_as_json() {
		let result = FinalResult::<Runtime> {
			result: JobResult {
				kind: JobOutcomeKind::Success,
				fuel_used: 6_687,
				output: JobOutput::Inline(BoundedVec::truncate_from(b"1 2 3\n".to_vec())),
			},
			at: 40,
		};
		let job = sample_job(JobStatus::Completed, [7; 32]);
		let ss58 = |who: Sr25519Keyring| who.to_account_id().to_ss58check();
		assert_eq!(
			job_json(3, &job, Some(&result)),
			json!({
				"job": 3,
				"client": ss58(Sr25519Keyring::Alice),
				"status": "completed",
				"round": 1,
				"replicas": 3,
				"reward": "0.003",
				"escrow": "0",
				"fuel": 1_000_000,
				"deadline": 80,
				"due": 14_000,
				"workers": [
					{ "account": ss58(Sr25519Keyring::Bob), "round": 0, "state": "revealed",
					  "result_hash": format!("0x{}", "07".repeat(32)) },
					{ "account": ss58(Sr25519Keyring::Charlie), "round": 0, "state": "revealed",
					  "result_hash": format!("0x{}", "07".repeat(32)) },
					{ "account": ss58(Sr25519Keyring::Dave), "round": 0, "state": "missed" },
					{ "account": ss58(Sr25519Keyring::Eve), "round": 1, "state": "committed" },
				],
				"result": {
					"outcome": "Success",
					"fuel_used": 6_687,
					"output": { "inline": { "bytes": 6, "hex": hex0x(b"1 2 3\n") } },
					"final_at": 40,
				},
			})
		);

		let failed = sample_job(JobStatus::Failed(JobFailure::NoMajority), [7; 32]);
		assert_eq!(
			job_summary_json(3, &failed, None),
			json!({ "job": 3, "status": "failed", "failure": "NoMajority", "round": 1,
				"replicas": 3, "reward": "0.003", "deadline": 80, "result": null })
		);

		let kept = JobResult {
			kind: JobOutcomeKind::Success,
			fuel_used: 9,
			output: JobOutput::Kept { hash: [1; 32], len: 20_000 },
		};
		assert_eq!(
			result_json(&kept)["output"],
			json!({ "kept": { "bytes": 20_000, "hash": format!("0x{}", "01".repeat(32)) } })
		);
		let trapped = JobResult {
			kind: JobOutcomeKind::Trap(TrapKind::Exit(2)),
			fuel_used: 10,
			output: JobOutput::None,
		};
		assert_eq!(
			result_json(&trapped),
			json!({ "outcome": "Trap", "trap": "Exit(2)", "fuel_used": 10, "output": null })
		);
	}
}
