//! `xmbl job status` and `xmbl jobs`: jobs as the chain keeps them, read at the best block.

use super::{job_json, job_summary_json};
use crate::{signing_key, Cli, CliError};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, Pair};
use serde_json::{json, Value};
use xmbl_client::Chain;
use xmbl_primitives::JobId;
use xmbl_runtime::AccountId;

/// `xmbl job status JOB`.
pub async fn status(cli: &Cli, id: JobId) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let at = chain.best_header().await?.hash();
	let job = chain.job(id, Some(at)).await?.ok_or(CliError::NoJob(id))?;
	let result = chain.job_result(id, Some(at)).await?;
	Ok(job_json(id, &job, result.as_ref()))
}

/// `xmbl jobs [ACCOUNT]`.
pub async fn jobs(
	cli: &Cli,
	client: Option<AccountId>,
	suri: Option<&str>,
) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let client = match client {
		Some(client) => client,
		None => signing_key(&chain, suri).await?.public().into(),
	};
	let at = chain.best_header().await?.hash();
	let mut jobs = Vec::new();
	for id in chain.jobs_of(&client, Some(at)).await? {
		if let Some(job) = chain.job(id, Some(at)).await? {
			let result = chain.job_result(id, Some(at)).await?;
			jobs.push(job_summary_json(id, &job, result.as_ref()));
		}
	}
	Ok(json!({ "account": client.to_ss58check(), "jobs": jobs }))
}
