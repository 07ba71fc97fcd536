//! `xmbl deals`, `deal`, `renew`, `cancel` and `file-key`: the commands on deals that exist.

use super::{file_key_root, status_fields};
use crate::{hex0x, merge, signing_key, submit, Cli, CliError};
use pallet_xmbl_storage::{Deal, ShardState};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};
use serde_json::{json, Value};
use xmbl_cipher::FileKey;
use xmbl_client::{format_amount, owner_secret, Chain};
use xmbl_file_format::{Encryption, Manifest};
use xmbl_primitives::DealId;
use xmbl_runtime::{AccountId, Runtime, RuntimeCall};

/// `xmbl deals [ACCOUNT]`.
pub async fn deals(
	cli: &Cli,
	owner: Option<AccountId>,
	suri: Option<&str>,
) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let owner = match owner {
		Some(owner) => owner,
		None => signing_key(&chain, suri).await?.public().into(),
	};
	let at = chain.best_header().await?.hash();
	let mut deals = Vec::new();
	for id in chain.deals_of(&owner, Some(at)).await? {
		if let Some((deal, manifest)) = chain.deal(id, Some(at)).await? {
			deals.push(deal_summary_json(id, &deal, &manifest));
		}
	}
	Ok(json!({ "account": owner.to_ss58check(), "deals": deals }))
}

/// `xmbl deal DEAL`.
pub async fn deal(cli: &Cli, id: DealId) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let (deal, manifest) = chain.deal(id, None).await?.ok_or(CliError::NoDeal(id))?;
	Ok(deal_json(id, &deal, &manifest))
}

/// The signer's key, after checking that it owns live deal `id`.
async fn owner_key(
	chain: &Chain,
	id: DealId,
	suri: Option<&str>,
) -> Result<(sr25519::Pair, Manifest), CliError> {
	let key = signing_key(chain, suri).await?;
	let (deal, manifest) = chain.deal(id, None).await?.ok_or(CliError::NoDeal(id))?;
	if AccountId::from(key.public()) != deal.owner {
		return Err(CliError::NotOwner { deal: id, owner: deal.owner });
	}
	Ok((key, manifest))
}

/// `xmbl renew` and `xmbl cancel`: `call` signed by the owner of deal `id`.
pub async fn owner_call(
	cli: &Cli,
	id: DealId,
	call: pallet_xmbl_storage::Call<Runtime>,
	suri: Option<&str>,
) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let (key, _) = owner_key(&chain, id, suri).await?;
	submit(cli, &chain, &key, RuntimeCall::Storage(call)).await
}

/// `xmbl file-key DEAL`.
pub async fn file_key(cli: &Cli, id: DealId, suri: Option<&str>) -> Result<Value, CliError> {
	let chain = Chain::connect(&cli.url).await?;
	let (key, manifest) = owner_key(&chain, id, suri).await?;
	let Some(file_key) = file_key_of(cli, &key, &manifest)? else {
		return Err(CliError::Other(format!("deal {id} is public: it has no key")));
	};
	Ok(json!({ "deal": id, "key": hex::encode(file_key.as_bytes()) }))
}

/// The key of the file `manifest` describes, as the signer `key` encrypted it (with the
/// file-key secret of `key` or `--file-key-suri` and the file's salt), or `None` for a public
/// file: it opens that one file and nothing else.
pub(crate) fn file_key_of(
	cli: &Cli,
	key: &sr25519::Pair,
	manifest: &Manifest,
) -> Result<Option<FileKey>, CliError> {
	let Encryption::Aes256GcmStream { salt, .. } = manifest.encryption else { return Ok(None) };
	FileKey::derive(&owner_secret(&file_key_root(cli, key)?), &salt)
		.map(Some)
		.map_err(|error| CliError::Other(format!("key derivation failed: {error}")))
}

fn stored_shards(deal: &Deal<Runtime>) -> usize {
	deal.shards
		.iter()
		.filter(|shard| matches!(shard.state, ShardState::Stored { .. }))
		.count()
}

fn deal_summary_json(id: DealId, deal: &Deal<Runtime>, manifest: &Manifest) -> Value {
	merge(
		json!({
			"deal": id,
			"bytes": manifest.plaintext_size,
			"period": deal.period,
			"periods": deal.periods,
			"shards": deal.shard_count(),
			"shards_stored": stored_shards(deal),
		}),
		status_fields(&deal.status),
	)
}

fn deal_json(id: DealId, deal: &Deal<Runtime>, manifest: &Manifest) -> Value {
	let shards: Vec<Value> = deal
		.shards
		.iter()
		.enumerate()
		.map(|(index, shard)| {
			let state = match shard.state {
				ShardState::Unassigned => json!({ "state": "unassigned", "last_proven": null }),
				ShardState::Pending { until, repair } => json!({
					"state": "pending", "until": until, "repair": repair, "last_proven": null,
				}),
				ShardState::Stored { from_period, proven } => json!({
					"state": "stored", "from_period": from_period, "last_proven": proven,
				}),
			};
			merge(
				json!({
					"index": index,
					"root": hex0x(&shard.root),
					"provider": shard.provider.as_ref().map(|provider| provider.to_ss58check()),
					"missed": shard.missed,
				}),
				state,
			)
		})
		.collect();
	merge(
		json!({
			"deal": id,
			"owner": deal.owner.to_ss58check(),
			"period": deal.period,
			"periods": deal.periods,
			"due": deal.due,
			"escrow": format_amount(deal.escrow),
			"repair_reserve": format_amount(deal.repair_reserve),
			"price": format_amount(deal.price),
			"data_shards": deal.data_shards,
			"parity_shards": deal.parity_shards,
			"shard_size": deal.shard_size,
			"bytes": manifest.plaintext_size,
			"encrypted": manifest.encryption != Encryption::None,
			"file_root": hex0x(&deal.file_root),
			"shards": shards,
		}),
		status_fields(&deal.status),
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::storage::{
		put::{planned_manifest, put_json, Stored},
		tests::sample_deal,
	};
	use pallet_xmbl_storage::DealStatus;
	use polkadot_sdk::sp_keyring::Sr25519Keyring;

	#[test]
	fn deals_as_json() {
		let deal = sample_deal();
		let manifest = planned_manifest(5000, 2, 1, false);
		let bob = Sr25519Keyring::Bob.to_account_id().to_ss58check();
		let charlie = Sr25519Keyring::Charlie.to_account_id().to_ss58check();
		let full = deal_json(7, &deal, &manifest);
		assert_eq!(
			full,
			json!({
				"deal": 7,
				"owner": Sr25519Keyring::Alice.to_account_id().to_ss58check(),
				"status": "uploading",
				"upload_round": 1,
				"period": 3,
				"periods": 100,
				"due": 120,
				"escrow": "2.5",
				"repair_reserve": "0.1",
				"price": "0.001",
				"data_shards": 2,
				"parity_shards": 1,
				"shard_size": 4096,
				"bytes": 5000,
				"encrypted": true,
				"file_root": format!("0x{}", "09".repeat(32)),
				"shards": [
					{ "index": 0, "root": format!("0x{}", "01".repeat(32)), "provider": bob,
					  "state": "stored", "from_period": 0, "last_proven": 2, "missed": 0 },
					{ "index": 1, "root": format!("0x{}", "02".repeat(32)), "provider": charlie,
					  "state": "pending", "until": 130, "repair": true, "last_proven": null, "missed": 1 },
					{ "index": 2, "root": format!("0x{}", "03".repeat(32)), "provider": null,
					  "state": "unassigned", "last_proven": null, "missed": 0 },
				],
			})
		);

		let active = Deal { status: DealStatus::Active, ..deal.clone() };
		assert_eq!(
			deal_summary_json(7, &active, &manifest),
			json!({ "deal": 7, "bytes": 5000, "status": "active", "period": 3, "periods": 100,
				"shards": 3, "shards_stored": 1 })
		);

		let stored = Stored {
			id: 7,
			deal: deal.clone(),
			manifest: manifest.clone(),
			block: 42,
			seconds: json!({ "total": 1.5 }),
		};
		let put = put_json(&stored, 100);
		assert_eq!(
			put["shards"][0],
			json!({ "index": 0, "root": format!("0x{}", "01".repeat(32)), "provider": bob })
		);
		assert_eq!(put["shards"][2]["provider"], Value::Null);
		for field in [
			"deal",
			"file_root",
			"bytes",
			"data_shards",
			"parity_shards",
			"shard_size",
			"periods",
			"block",
		] {
			assert!(put.get(field).is_some(), "{field}");
		}
		assert_eq!(put["block"], 42);
	}
}
