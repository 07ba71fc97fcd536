//! Repair: rebuild a shard the chain moved to this provider from any `k` shards the deal's
//! other providers still hold. No key is needed (the shards are coded ciphertext); the
//! rebuilt shard goes through the store's verified write, so only bytes that hash to the
//! chain's root are kept. Requests are signed with the provider's key, which the other
//! providers serve a private deal's shards to while the chain has it repair the deal. At
//! most `MAX_CONCURRENT_REPAIRS` run at once, and each reserves its downloads' space
//! against the store's limit before fetching.

use super::{endpoints, Provider};
use std::{fs::File, path::PathBuf};
use xmbl_client::{
	fetch::{fetch_shards, FetchOptions, Source},
	retry::RetryPolicy,
};
use xmbl_primitives::ShardDuty;
use xmbl_runtime::BlockNumber;
use xmbl_shard_store::{PutOutcome, ShardStore};

/// Rebuilds the shard of `duty` into the provider's store.
pub async fn rebuild(provider: &Provider, duty: &ShardDuty<BlockNumber>) -> Result<(), String> {
	let _permit = provider.repairs.acquire().await.expect("the semaphore is never closed");
	let at = provider.chain.best().map_err(|error| error.to_string())?.hash;
	let (deal, manifest) = provider
		.chain
		.deal(at, duty.deal)
		.map_err(|error| error.to_string())?
		.ok_or_else(|| format!("deal {} is gone", duty.deal))?;
	let wanted = usize::from(duty.shard);
	let needed = usize::from(deal.data_shards);

	// Every other shard whose provider confirmed it, with that provider's endpoint.
	let mut sources = Vec::new();
	for (index, shard) in deal.shards.iter().enumerate() {
		let stored = matches!(shard.state, pallet_xmbl_storage::ShardState::Stored { .. });
		let Some(holder) = shard.provider.as_ref().filter(|holder| **holder != provider.account)
		else {
			continue;
		};
		if index == wanted || !stored {
			continue;
		}
		let Some(record) =
			provider.chain.provider(at, holder).map_err(|error| error.to_string())?
		else {
			continue;
		};
		let endpoint = String::from_utf8_lossy(&record.endpoint).into_owned();
		if !provider.private_endpoints {
			if let Err(error) = endpoints::check_literal(&endpoint) {
				log::warn!(target: super::LOG_TARGET, "repair of deal {}: {error}", duty.deal);
				continue;
			}
		}
		sources.push((index, shard.root, holder.clone(), endpoint));
	}
	if sources.len() < needed {
		return Err(format!(
			"{} other providers hold shards of deal {}, {needed} are needed",
			sources.len(),
			duty.deal
		));
	}

	// Fetch `k` of them, at most `k` at a time, each retried as client transfers are; a
	// source that fails is replaced by the next.
	let scratch = |index: usize| -> PathBuf {
		provider.scratch_dir.join(format!("{}-{}-from-{index}", duty.deal, duty.shard))
	};
	let size = duty.size;
	// The `k` downloads count against the store's limit until they are removed.
	let _scratch = provider
		.store
		.reserve(size.saturating_mul(needed as u64))
		.map_err(|error| format!("no room for the repair's downloads: {error}"))?;
	let sources = sources
		.into_iter()
		.map(|(index, root, holder, endpoint)| Source { index, root, provider: holder, endpoint })
		.collect();
	let options = FetchOptions {
		needed,
		shard_size: size,
		concurrency: needed,
		signer: Some(&provider.pair),
		retry: RetryPolicy::TRANSFERS,
	};
	// On failure it names every source that failed and leaves no download behind.
	let fetched = fetch_shards(&provider.http, sources, &options, scratch, ())
		.await
		.map_err(|error| error.to_string())?
		.shards;

	let store = provider.store.clone();
	let root = duty.root;
	let rebuilt = tokio::task::spawn_blocking(move || {
		let result = rebuild_into(&store, &manifest, &fetched, wanted, root, size);
		remove_all(&fetched);
		result
	})
	.await
	.map_err(|error| format!("the rebuild task failed: {error}"))?;
	rebuilt.map(|_| ())
}

/// Decodes `fetched` into shard `wanted` and writes it to the store under `root`.
fn rebuild_into(
	store: &ShardStore,
	manifest: &xmbl_file_format::Manifest,
	fetched: &[(usize, PathBuf)],
	wanted: usize,
	root: [u8; 32],
	size: u64,
) -> Result<PutOutcome, String> {
	let shards = fetched
		.iter()
		.map(|(index, path)| {
			File::open(path)
				.map(|file| (*index, file))
				.map_err(|error| format!("{}: {error}", path.display()))
		})
		.collect::<Result<Vec<_>, _>>()?;
	let writer = store.begin_write(root, size).map_err(|error| error.to_string())?;
	let mut outputs = [writer];
	xmbl_file_format::rebuild(manifest, shards, &[wanted], &mut outputs)
		.map_err(|error| error.to_string())?;
	let [writer] = outputs;
	writer.finish().map_err(|error| error.to_string())
}

fn remove_all(files: &[(usize, PathBuf)]) {
	for (_, path) in files {
		let _ = std::fs::remove_file(path);
	}
}
