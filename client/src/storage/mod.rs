//! The storage commands: `put`, `get`, `deals`, `deal`, `renew`, `cancel`, `file-key`.
//!
//! Files never sit in memory: `put` encodes into temporary shard files (in `$TMPDIR`) that
//! stream to the providers, and `get` streams shards into temporary files and decodes them
//! into `OUT.partial`, renamed to `OUT` once the whole file is back. The pipeline runs on a
//! small thread pool whose batches bound its memory.
//!
//! One module per command: [`put`], [`get`], and [`deals`] for the commands on deals that
//! exist. The compute commands store large programs and inputs with [`put::store`].

mod deals;
mod get;
mod put;

pub(crate) use deals::{deal, deals, file_key, file_key_of, owner_call};
pub(crate) use get::{get, partial_path, GetArgs, Partial};
pub(crate) use put::{
	put, store, PutArgs, PutPlan, DEFAULT_DATA_SHARDS, DEFAULT_PARITY_SHARDS, DEFAULT_PRICE,
};

use crate::{Cli, CliError};
use pallet_xmbl_storage::DealStatus;
use polkadot_sdk::{
	frame_support::traits::Get,
	sp_core::{crypto::Ss58Codec, sr25519},
};
use serde_json::{json, Value};
use std::{
	path::{Path, PathBuf},
	time::Duration,
};
use xmbl_runtime::{AccountId, BlockNumber, Runtime};

/// Threads of the encode and decode pipeline, at most.
const PIPELINE_THREADS: usize = 8;
/// Memory the pipeline's batches of segments may take, roughly.
const PIPELINE_MEMORY: u64 = 64 << 20;

/// The key whose hard child the signer's file keys come from: `--file-key-suri`, or the
/// signer.
fn file_key_root(cli: &Cli, signer: &sr25519::Pair) -> Result<sr25519::Pair, CliError> {
	match &cli.file_key_suri {
		Some(suri) => Ok(xmbl_client::signer(suri)?),
		None => Ok(signer.clone()),
	}
}

/// Proof periods covering `blocks` blocks (rounded up), checked against the chain's bounds.
pub fn periods_for(blocks: u32) -> Result<u32, CliError> {
	let period: BlockNumber = <Runtime as pallet_xmbl_storage::Config>::ProofPeriod::get();
	let max = <Runtime as pallet_xmbl_storage::Config>::MaxPeriods::get();
	let periods = blocks.div_ceil(period);
	if periods == 0 {
		return Err(CliError::Usage("--blocks must be at least 1".into()));
	}
	if periods > max {
		return Err(CliError::Usage(format!(
			"--blocks {blocks} is {periods} proof periods of {period} blocks; the chain allows \
			 at most {max} periods ({} blocks)",
			u64::from(max) * u64::from(period)
		)));
	}
	Ok(periods)
}

/// A thread pool for the pipeline: its batches are twice its threads, so fewer threads
/// for larger segments keep memory near [`PIPELINE_MEMORY`].
fn pipeline_pool(bytes_per_segment: u64) -> Result<rayon::ThreadPool, CliError> {
	let cores = std::thread::available_parallelism().map_or(1, usize::from);
	let fit = (PIPELINE_MEMORY / (2 * bytes_per_segment.max(1))).max(1) as usize;
	rayon::ThreadPoolBuilder::new()
		.num_threads(cores.min(PIPELINE_THREADS).min(fit))
		.build()
		.map_err(|error| CliError::Other(format!("cannot start the pipeline's threads: {error}")))
}

fn shard_path(dir: &Path, index: usize) -> PathBuf {
	dir.join(format!("shard-{index}"))
}

fn short(account: &AccountId) -> String {
	let address = account.to_ss58check();
	format!("{}…", &address[..8])
}

fn io_error<'a>(what: &'a str, path: &'a Path) -> impl FnOnce(std::io::Error) -> CliError + 'a {
	move |error| CliError::Other(format!("{what} {}: {error}", path.display()))
}

/// Seconds with millisecond precision, for JSON.
fn round_seconds(duration: Duration) -> f64 {
	(duration.as_secs_f64() * 1000.0).round() / 1000.0
}

fn status_name(status: &DealStatus) -> &'static str {
	match status {
		DealStatus::Selecting => "selecting",
		DealStatus::Uploading { .. } => "uploading",
		DealStatus::Active => "active",
	}
}

/// `status`, and `upload_round` while uploading.
fn status_fields(status: &DealStatus) -> Value {
	match status {
		DealStatus::Uploading { round } => {
			json!({ "status": status_name(status), "upload_round": round })
		},
		_ => json!({ "status": status_name(status) }),
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use pallet_xmbl_storage::{Deal, Shard, ShardState};
	use polkadot_sdk::{frame_support::BoundedVec, sp_keyring::Sr25519Keyring};
	use std::fmt::Debug;

	pub(crate) fn usage_message<T: Debug>(result: Result<T, CliError>) -> String {
		let error = result.unwrap_err();
		assert_eq!(error.exit_code(), 2, "{error}");
		assert_eq!(error.to_json()["error"]["kind"], "usage");
		error.to_string()
	}

	#[test]
	fn periods_round_blocks_up_within_the_chains_bounds() {
		assert_eq!(periods_for(1).unwrap(), 1);
		assert_eq!(periods_for(10).unwrap(), 1);
		assert_eq!(periods_for(11).unwrap(), 2);
		assert_eq!(periods_for(1000).unwrap(), 100);
		assert_eq!(periods_for(10_000_000).unwrap(), 1_000_000);
		assert!(usage_message(periods_for(0)).contains("at least 1"));
		assert!(usage_message(periods_for(10_000_001)).contains("at most 1000000 periods"));
	}

	pub(super) fn sample_deal() -> Deal<Runtime> {
		let shard = |root: u8, provider: Option<Sr25519Keyring>, state, missed| Shard::<Runtime> {
			root: [root; 32],
			provider: provider.map(|provider| provider.to_account_id()),
			state,
			missed,
		};
		Deal {
			owner: Sr25519Keyring::Alice.to_account_id(),
			file_root: [9; 32],
			data_shards: 2,
			parity_shards: 1,
			shard_size: 4096,
			price: 1_000_000_000,
			periods: 100,
			period: 3,
			escrow: 2_500_000_000_000,
			repair_reserve: 100_000_000_000,
			status: DealStatus::Uploading { round: 1 },
			due: 120,
			period_start: 110,
			seed: [0; 32],
			shards: BoundedVec::truncate_from(vec![
				shard(
					1,
					Some(Sr25519Keyring::Bob),
					ShardState::Stored { from_period: 0, proven: Some(2) },
					0,
				),
				shard(
					2,
					Some(Sr25519Keyring::Charlie),
					ShardState::Pending { until: 130, repair: true },
					1,
				),
				shard(3, None, ShardState::Unassigned, 0),
			]),
		}
	}

	#[test]
	fn storage_errors_have_their_own_kinds_and_codes() {
		let owner = Sr25519Keyring::Bob.to_account_id();
		let cases = [
			(CliError::NoDeal(4), 1, "no_such_deal"),
			(CliError::NotOwner { deal: 4, owner: owner.clone() }, 1, "not_owner"),
			(
				CliError::DealFailed {
					deal: 4,
					reason: "UploadIncomplete".into(),
					message: "m".into(),
				},
				6,
				"deal_failed",
			),
			(CliError::Transfer { message: "m".into(), failures: vec![] }, 6, "transfer"),
			(CliError::Stalled { waited: Duration::from_secs(90) }, 5, "timeout"),
			(CliError::Interrupted, 130, "interrupted"),
		];
		for (error, code, kind) in cases {
			assert_eq!(error.exit_code(), code, "{error}");
			assert_eq!(error.to_json()["error"]["kind"], kind);
		}
		let json = CliError::NotOwner { deal: 4, owner: owner.clone() }.to_json();
		assert_eq!(json["error"]["owner"], owner.to_ss58check());
		assert!(json["error"]["message"].as_str().unwrap().contains("not yours"));
	}
}
