//! `xmbl get`: `k` shards fetched ([`xmbl_client::fetch`]), checked against the manifest's
//! roots as they arrive and decoded into `OUT.partial`, renamed to `OUT` once whole.

use super::{
	file_key_root, io_error, pipeline_pool, round_seconds, shard_path, short, status_name,
};
use crate::{
	hex0x,
	progress::{Meter, Metered, Report},
	signing_key, Cli, CliError,
};
use clap::Args;
use pallet_xmbl_storage::{Deal, ShardState};
use polkadot_sdk::sp_core::{crypto::Ss58Codec, Pair};
use serde_json::{json, Value};
use std::{
	fs::File,
	io::BufWriter,
	path::{Path, PathBuf},
	time::Instant,
};
use xmbl_cipher::FileKey;
use xmbl_client::{
	fetch::{fetch_shards, FetchOptions, FetchProgress, Source},
	owner_secret,
	retry::RetryPolicy,
	shards::{self, ShardTransferError},
	Chain,
};
use xmbl_file_format::{Encryption, FileSecret, Manifest};
use xmbl_primitives::DealId;
use xmbl_runtime::{AccountId, Runtime};
use zeroize::Zeroizing;

/// Suffix of the file `get` writes before renaming it to the output path.
const PARTIAL_SUFFIX: &str = ".partial";

/// `xmbl get`.
#[derive(Args)]
pub struct GetArgs {
	/// The deal's number.
	deal: DealId,
	/// Where to write the file (replaced if it exists).
	#[arg(short, long, value_name = "OUT")]
	out: PathBuf,
	/// File holding the file's key as 64 hex digits (from `xmbl file-key`), to read a file
	/// that another account stored; without it the signer must own the deal.
	#[arg(long, value_name = "PATH")]
	key_file: Option<PathBuf>,
	/// The file root `put` printed (64 hex digits): refuse (exit 7) unless the manifest the
	/// node serves is the one with this root.
	#[arg(long, value_name = "HEX", value_parser = parse_root)]
	root: Option<[u8; 32]>,
}

fn parse_root(text: &str) -> Result<[u8; 32], String> {
	let mut root = [0u8; 32];
	hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut root)
		.map_err(|_| format!("not a file root (64 hex digits): {text}"))?;
	Ok(root)
}

/// Refuses a manifest that is not the file `pinned` names: its root must be `pinned` and be
/// the one its fields hash to, and the deal must list the manifest's roots, which every
/// downloaded shard is checked against. Without a pin, a node can still serve another
/// self-consistent manifest.
fn check_manifest(
	id: DealId,
	deal: &Deal<Runtime>,
	manifest: &Manifest,
	pinned: Option<[u8; 32]>,
) -> Result<(), CliError> {
	let refuse =
		|why: String| CliError::RootMismatch { deal: id, message: format!("deal {id}: {why}") };
	if let Some(pinned) = pinned.filter(|pinned| *pinned != manifest.file_root) {
		return Err(refuse(format!(
			"the node serves the manifest of file root {}, not {}",
			hex0x(&manifest.file_root),
			hex0x(&pinned)
		)));
	}
	manifest
		.check()
		.map_err(|error| refuse(format!("the node serves an inconsistent manifest: {error}")))?;
	let deal_roots = deal.shards.iter().map(|shard| shard.root);
	if deal.file_root != manifest.file_root
		|| !deal_roots.eq(manifest.shards.iter().map(|shard| shard.root))
	{
		return Err(refuse("the deal's roots are not its manifest's".into()));
	}
	Ok(())
}

/// Reads a file key: 64 hex digits (optionally `0x`) on the first line.
fn read_key_file(path: &Path) -> Result<FileKey, CliError> {
	let bad = |why: String| CliError::Usage(format!("--key-file {}: {why}", path.display()));
	let text = std::fs::read_to_string(path).map_err(|error| bad(error.to_string()))?;
	let line = text.lines().next().unwrap_or_default().trim();
	let digits = line.strip_prefix("0x").unwrap_or(line);
	let mut key = [0u8; 32];
	hex::decode_to_slice(digits, &mut key)
		.map_err(|_| bad("not a file key (64 hex digits)".into()))?;
	Ok(FileKey::from_bytes(key))
}

/// The output path checked before connecting, and its `.partial` sibling (where a command
/// writes before renaming it to the output path).
pub(crate) fn partial_path(out: &Path) -> Result<PathBuf, CliError> {
	if out.is_dir() {
		return Err(CliError::Usage(format!("{} is a folder", out.display())));
	}
	let Some(name) = out.file_name() else {
		return Err(CliError::Usage(format!("{} names no file", out.display())));
	};
	let parent = out.parent().filter(|parent| !parent.as_os_str().is_empty());
	if let Some(parent) = parent.filter(|parent| !parent.is_dir()) {
		return Err(CliError::Usage(format!("the folder {} does not exist", parent.display())));
	}
	let mut partial = name.to_owned();
	partial.push(PARTIAL_SUFFIX);
	Ok(out.with_file_name(partial))
}

/// A file removed when dropped unless kept: a failed or interrupted `get` leaves no half file.
pub(crate) struct Partial(pub(crate) Option<PathBuf>);

impl Partial {
	pub(crate) fn keep(mut self) {
		self.0 = None;
	}
}

impl Drop for Partial {
	fn drop(&mut self) {
		if let Some(path) = self.0.take() {
			let _ = std::fs::remove_file(path);
		}
	}
}

/// The key material `get` decodes with.
pub(super) enum GetSecret {
	Public,
	Owner(Zeroizing<Vec<u8>>),
	Key(FileKey),
}

/// `xmbl get`.
pub async fn get(cli: &Cli, args: &GetArgs, suri: Option<&str>) -> Result<Value, CliError> {
	let start = Instant::now();
	let partial = partial_path(&args.out)?;
	let key_file = args.key_file.as_deref().map(read_key_file).transpose()?;
	let http = shards::http_client()
		.map_err(|error| CliError::Other(format!("cannot build the HTTP client: {error}")))?;
	let chain = Chain::connect(&cli.url).await?;
	let id = args.deal;
	let (deal, manifest) = chain.deal(id, None).await?.ok_or(CliError::NoDeal(id))?;
	check_manifest(id, &deal, &manifest, args.root)?;
	// A private deal's shards are served to its owner's signed requests only.
	let mut owner_key = None;
	let secret = match (manifest.encryption, key_file) {
		(Encryption::None, _) => GetSecret::Public,
		(_, Some(key)) => GetSecret::Key(key),
		(_, None) => {
			let key = signing_key(&chain, suri).await?;
			if AccountId::from(key.public()) != deal.owner {
				return Err(CliError::NotOwner { deal: id, owner: deal.owner });
			}
			let secret = GetSecret::Owner(owner_secret(&file_key_root(cli, &key)?));
			owner_key = Some(key);
			secret
		},
	};

	let needed = usize::from(manifest.data_shards);
	let size = manifest.shard_size();
	// Stored shards, data shards first: with all k of them decoding needs no parity work.
	let candidates = deal
		.shards
		.iter()
		.enumerate()
		.filter(|(_, shard)| matches!(shard.state, ShardState::Stored { .. }))
		.filter_map(|(index, shard)| Some((index, shard.root, shard.provider.clone()?)))
		.collect::<Vec<_>>();
	let stored = candidates.len();
	if stored < needed {
		return Err(CliError::Transfer {
			message: format!(
				"deal {id} has {stored} confirmed shards, {needed} are needed (status: {})",
				status_name(&deal.status)
			),
			failures: Vec::new(),
		});
	}
	// `(index, error, endpoint)` of each shard that could not be fetched.
	let mut failures: Vec<(usize, String, Option<String>)> = Vec::new();
	let endpoints = futures::future::try_join_all(
		candidates.iter().map(|(_, _, provider)| chain.provider_endpoint(provider)),
	)
	.await?;
	let mut sources = Vec::with_capacity(stored);
	for ((index, root, provider), endpoint) in candidates.into_iter().zip(endpoints) {
		match endpoint {
			Some(endpoint) => sources.push(Source { index, root, provider, endpoint }),
			None => {
				let error = format!("provider {} is not registered", provider.to_ss58check());
				failures.push((index, error, None));
			},
		}
	}

	let mut report = Report::new();
	let dir = tempfile::Builder::new()
		.prefix("xmbl-get-")
		.tempdir()
		.map_err(|error| CliError::Other(format!("cannot create a temporary folder: {error}")))?;
	let download_start = Instant::now();
	let options = FetchOptions {
		needed,
		shard_size: size,
		concurrency: needed,
		signer: owner_key.as_ref(),
		retry: RetryPolicy::TRANSFERS,
	};
	let progress = Downloads { meter: report.start("downloading", 0), shard_size: size };
	let fetch =
		fetch_shards(&http, sources, &options, |index| shard_path(dir.path(), index), progress)
			.await;
	report.finish();
	let failed = |failure: xmbl_client::fetch::FetchFailure| {
		(failure.index, failure.error.to_string(), Some(failure.endpoint))
	};
	let fetched: Vec<usize> = match fetch {
		Ok(fetched) => {
			failures.extend(fetched.failures.into_iter().map(failed));
			fetched.shards.into_iter().map(|(index, _)| index).collect()
		},
		Err(short_of) => {
			failures.extend(short_of.failures.into_iter().map(failed));
			let listed = failures
				.iter()
				.map(|(index, error, _)| format!("shard {index}: {error}"))
				.collect::<Vec<_>>()
				.join("; ");
			return Err(CliError::Transfer {
				message: format!(
					"fetched {} of the {needed} shards deal {id} needs: {listed}",
					short_of.fetched
				),
				failures: failures
					.iter()
					.map(
						|(index, error, endpoint)| json!({ "index": index, "endpoint": endpoint, "error": error }),
					)
					.collect(),
			});
		},
	};

	let downloaded = download_start.elapsed();
	let meter = report.start("decoding", manifest.plaintext_size);
	let decode_start = Instant::now();
	let guard = Partial(Some(partial.clone()));
	let (shard_dir, decode_manifest, out) =
		(dir.path().to_owned(), manifest.clone(), partial.clone());
	let decoded = tokio::task::spawn_blocking(move || {
		decode_file(&decode_manifest, &shard_dir, &fetched, &secret, &out, meter)
	})
	.await
	.map_err(|error| CliError::Other(format!("the decoding task: {error}")))??;
	let decoded_in = decode_start.elapsed();
	std::fs::rename(&partial, &args.out).map_err(io_error("cannot write", &args.out))?;
	guard.keep();
	report.finish();

	let mut shards_failed: Vec<Value> = failures
		.iter()
		.map(|(index, error, _)| json!({ "index": index, "error": error }))
		.collect();
	shards_failed.extend(
		decoded
			.rejected
			.iter()
			.map(|(index, problem)| json!({ "index": index, "error": problem.to_string() })),
	);
	Ok(json!({
		"deal": id,
		"bytes": manifest.plaintext_size,
		"out": args.out.display().to_string(),
		"shards_used": decoded.used,
		"shards_failed": shards_failed,
		"seconds": {
			"download": round_seconds(downloaded),
			"decode": round_seconds(decoded_in),
			"total": round_seconds(start.elapsed()),
		},
	}))
}

/// `get`'s downloads on its meter: a line as each starts or fails, their bytes as they come.
struct Downloads {
	meter: Meter,
	shard_size: u64,
}

impl FetchProgress for Downloads {
	fn started(&self, source: &Source) {
		let (index, endpoint) = (source.index, &source.endpoint);
		self.meter.step(format!(
			"downloading shard {index} from {} at {endpoint}",
			short(&source.provider)
		));
		self.meter.grow(self.shard_size);
	}

	fn retrying(&self, _source: &Source) {
		self.meter.grow(self.shard_size);
	}

	fn bytes(&self, bytes: u64) {
		self.meter.add(bytes);
	}

	fn failed(&self, source: &Source, error: &ShardTransferError) {
		self.meter.step(format!("shard {}: {error}", source.index));
	}
}

/// Decodes the shards `indices` in `dir` into `out` and syncs it to disk.
pub(super) fn decode_file(
	manifest: &Manifest,
	dir: &Path,
	indices: &[usize],
	secret: &GetSecret,
	out: &Path,
	meter: Meter,
) -> Result<xmbl_file_format::DecodeReport, CliError> {
	let shards = indices
		.iter()
		.map(|&index| {
			let path = shard_path(dir, index);
			File::open(&path)
				.map(|file| (index, file))
				.map_err(io_error("cannot read", &path))
		})
		.collect::<Result<Vec<_>, _>>()?;
	let file = File::create(out).map_err(io_error("cannot create", out))?;
	let output = Metered { inner: BufWriter::with_capacity(1 << 20, file), meter };
	let secret = match secret {
		GetSecret::Public => FileSecret::Public,
		GetSecret::Owner(secret) => FileSecret::Owner(secret),
		GetSecret::Key(key) => FileSecret::Key(key),
	};
	// Decoding holds about two segments per batch entry.
	let pool = pipeline_pool(2 * u64::from(manifest.segment_size))?;
	let report = pool
		.install(|| xmbl_file_format::decode(manifest, shards, secret, output))
		.map_err(|error| CliError::Other(format!("decoding failed: {error}")))?;
	File::open(out)
		.and_then(|file| file.sync_all())
		.map_err(io_error("cannot sync", out))?;
	Ok(report)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		storage::{put::encode_file, tests::sample_deal},
		Command,
	};
	use clap::Parser;

	#[test]
	fn key_files_and_output_paths() {
		let dir = tempfile::tempdir().unwrap();
		let key = dir.path().join("key");
		std::fs::write(&key, format!("0x{}\n", "01".repeat(32))).unwrap();
		assert_eq!(read_key_file(&key).unwrap().as_bytes(), &[1; 32]);
		std::fs::write(&key, "02".repeat(32)).unwrap();
		assert_eq!(read_key_file(&key).unwrap().as_bytes(), &[2; 32]);
		for bad in ["", "0x12", &"zz".repeat(32), &"01".repeat(33)] {
			std::fs::write(&key, bad).unwrap();
			assert_eq!(read_key_file(&key).err().unwrap().exit_code(), 2, "{bad}");
		}

		let out = dir.path().join("file.bin");
		assert_eq!(partial_path(&out).unwrap(), dir.path().join("file.bin.partial"));
		assert_eq!(partial_path(Path::new("file")).unwrap(), Path::new("file.partial"));
		assert_eq!(partial_path(dir.path()).unwrap_err().exit_code(), 2);
		assert_eq!(partial_path(&dir.path().join("no/such/file")).unwrap_err().exit_code(), 2);
	}

	/// Fails if `get --root` accepts a manifest of another file root, a manifest whose root
	/// is not the hash of its fields (a node that edited a field and kept the root), or a
	/// deal whose shard roots are not the manifest's; or if the refusal is not exit 7.
	#[test]
	fn get_refuses_a_manifest_that_is_not_the_pinned_file() {
		let dir = tempfile::tempdir().unwrap();
		let source = dir.path().join("source");
		std::fs::write(&source, vec![5u8; 10_000]).unwrap();
		let manifest = encode_file(&source, dir.path(), 2, 1, None, Meter(None)).unwrap();
		let root = manifest.file_root;
		let mut deal = sample_deal();
		deal.file_root = root;
		for (shard, info) in deal.shards.iter_mut().zip(&manifest.shards) {
			shard.root = info.root;
		}
		assert!(check_manifest(3, &deal, &manifest, Some(root)).is_ok());
		assert!(check_manifest(3, &deal, &manifest, None).is_ok());

		let refused = |deal: &Deal<Runtime>, manifest: &Manifest, pinned| {
			let error = check_manifest(3, deal, manifest, pinned).unwrap_err();
			assert_eq!(error.exit_code(), 7, "{error}");
			assert_eq!(error.to_json()["error"]["kind"], "root_mismatch");
			assert_eq!(error.to_json()["error"]["deal"], 3);
			error.to_string()
		};
		let mut other = root;
		other[0] ^= 1;
		assert_eq!(
			refused(&deal, &manifest, Some(other)),
			format!(
				"deal 3: the node serves the manifest of file root {}, not {}",
				hex0x(&root),
				hex0x(&other)
			)
		);
		// Other shards under the pinned root, the deal made to agree: the root no longer
		// hashes the fields.
		let mut edited = manifest.clone();
		edited.shards[0].root = [1; 32];
		let mut edited_deal = deal.clone();
		edited_deal.shards[0].root = [1; 32];
		assert_eq!(
			refused(&edited_deal, &edited, Some(root)),
			format!(
				"deal 3: the node serves an inconsistent manifest: {}",
				xmbl_file_format::ManifestError::FileRootMismatch
			)
		);
		let mut swapped = deal.clone();
		swapped.shards[0].root = [0; 32];
		assert_eq!(
			refused(&swapped, &manifest, Some(root)),
			"deal 3: the deal's roots are not its manifest's"
		);

		let parsed = |args: &[&str]| match Cli::try_parse_from(
			[&["xmbl", "get", "3", "-o", "out"], args].concat(),
		) {
			Ok(Cli { command: Command::Get(args), .. }) => Ok(args.root),
			Ok(_) => unreachable!("parsed as get"),
			Err(error) => Err(error.exit_code()),
		};
		assert_eq!(parsed(&["--root", &hex0x(&root)]), Ok(Some(root)));
		assert_eq!(parsed(&["--root", &hex::encode(root)]), Ok(Some(root)));
		assert_eq!(parsed(&[]), Ok(None));
		assert_eq!(parsed(&["--root", "0x12"]), Err(2));
	}
}
