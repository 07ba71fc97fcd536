//! `xmbl put`: the file encoded into shard files, the deal made, and each shard uploaded to
//! the provider the chain draws for it, until every shard is confirmed.

use super::{
	file_key_root, io_error, periods_for, pipeline_pool, round_seconds, shard_path, short,
};
use crate::{
	hex0x,
	progress::{Meter, Metered, Report},
	signing_key, submitted_json, Cli, CliError,
};
use clap::Args;
use pallet_xmbl_storage::{Deal, DealFailure, DealStatus, Event as StorageEvent, ShardState};
use polkadot_sdk::{
	frame_support::traits::Get,
	sp_core::{crypto::Ss58Codec, sr25519},
};
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, HashSet},
	fs::File,
	io::BufWriter,
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};
use xmbl_client::{
	format_amount, owner_secret, parse_amount,
	shard_requests::RequestSigner,
	shards::{self, ShardTransferError},
	Chain, Wait,
};
use xmbl_file_format::{
	piece_len, EncodeParams, Encryption, FileSecret, Manifest, DEFAULT_SEGMENT_SIZE, FORMAT_VERSION,
};
use xmbl_primitives::DealId;
use xmbl_runtime::{AccountId, Balance, BlockNumber, Header, Runtime, RuntimeCall, RuntimeEvent};

/// Uploads running at once.
const PARALLEL_TRANSFERS: usize = 8;
/// How often `put` looks at the best block while it follows its deal.
const POLL: Duration = Duration::from_secs(1);
/// Data shards of a file unless told otherwise.
pub(crate) const DEFAULT_DATA_SHARDS: u8 = 3;
/// Parity shards of a file unless told otherwise.
pub(crate) const DEFAULT_PARITY_SHARDS: u8 = 2;
/// XMBL paid per shard and proven period unless told otherwise.
pub(crate) const DEFAULT_PRICE: &str = "0.001";

/// `xmbl put`.
#[derive(Args)]
pub struct PutArgs {
	/// The file to store.
	file: PathBuf,
	/// Data shards (k): any k shards give the file back.
	#[arg(long, default_value_t = DEFAULT_DATA_SHARDS)]
	data: u8,
	/// Parity shards (m): the file survives the loss of m providers.
	#[arg(long, default_value_t = DEFAULT_PARITY_SHARDS)]
	parity: u8,
	/// How long to keep the file, in blocks (rounded up to whole proof periods).
	#[arg(long, default_value_t = 1000)]
	blocks: u32,
	/// XMBL paid per shard for each proven period.
	#[arg(long, default_value = DEFAULT_PRICE)]
	price: String,
	/// Store the file unencrypted: anyone can read it with `get`.
	#[arg(long)]
	public: bool,
}

/// A file to store and its deal's terms, checked against the chain's bounds before connecting.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PutPlan {
	file: PathBuf,
	data: u8,
	parity: u8,
	public: bool,
	bytes: u64,
	periods: u32,
	price: Balance,
	shard_size: u64,
}

fn max_data_shards() -> u8 {
	<Runtime as pallet_xmbl_storage::Config>::MaxDataShards::get()
}

fn max_parity_shards() -> u8 {
	<Runtime as pallet_xmbl_storage::Config>::MaxParityShards::get()
}

/// The manifest `put` would make of a `bytes`-byte file, without its roots.
pub(super) fn planned_manifest(bytes: u64, data: u8, parity: u8, public: bool) -> Manifest {
	Manifest {
		version: FORMAT_VERSION,
		plaintext_size: bytes,
		segment_size: DEFAULT_SEGMENT_SIZE,
		data_shards: data,
		parity_shards: parity,
		encryption: if public {
			Encryption::None
		} else {
			Encryption::Aes256GcmStream { salt: [0; 32], nonce_prefix: [0; 7] }
		},
		shards: Vec::new(),
		file_root: [0; 32],
	}
}

impl PutArgs {
	/// Everything about the request that the chain's constants decide, before connecting.
	fn check(&self, wait: Wait) -> Result<PutPlan, CliError> {
		if wait == Wait::None {
			return Err(CliError::Usage(
				"put needs --wait in-block or finalized: the deal's number comes from its event"
					.into(),
			));
		}
		let price =
			parse_amount(&self.price).map_err(|error| CliError::Usage(error.to_string()))?;
		PutPlan::new(&self.file, self.data, self.parity, self.blocks, price, self.public)
	}
}

impl PutPlan {
	/// `file` as `k = data`, `m = parity` shards kept for `blocks` blocks at `price` per shard
	/// and period, encrypted unless `public`: the file is read and every term checked against
	/// the chain's constants (usage errors).
	pub(crate) fn new(
		file: &Path,
		data: u8,
		parity: u8,
		blocks: u32,
		price: Balance,
		public: bool,
	) -> Result<Self, CliError> {
		let shown = file.display();
		let metadata = std::fs::metadata(file)
			.map_err(|error| CliError::Usage(format!("cannot read {shown}: {error}")))?;
		if !metadata.is_file() {
			return Err(CliError::Usage(format!("{shown} is not a file")));
		}
		let bytes = metadata.len();
		if bytes == 0 {
			return Err(CliError::Usage(format!("{shown} is empty: there is nothing to store")));
		}
		let (max_k, max_m) = (max_data_shards(), max_parity_shards());
		if !(1..=max_k).contains(&data) {
			return Err(CliError::Usage(format!(
				"--data {data} is out of range: the chain takes 1..={max_k} data shards"
			)));
		}
		if !(1..=max_m).contains(&parity) {
			return Err(CliError::Usage(format!(
				"--parity {parity} is out of range: the chain takes 1..={max_m} parity shards"
			)));
		}
		if price == 0 {
			return Err(CliError::Usage("--price must be above zero".into()));
		}
		let periods = periods_for(blocks)?;
		let shard_size = planned_manifest(bytes, data, parity, public).shard_size();
		let max_shard = <Runtime as pallet_xmbl_storage::Config>::MaxShardSize::get();
		if shard_size > max_shard {
			return Err(CliError::Usage(format!(
				"{shown} makes shards of {shard_size} bytes at --data {data}; the chain takes at \
				 most {max_shard}: use more data shards"
			)));
		}
		Ok(PutPlan {
			file: file.to_owned(),
			data,
			parity,
			public,
			bytes,
			periods,
			price,
			shard_size,
		})
	}

	/// The file's size in bytes.
	pub(crate) fn bytes(&self) -> u64 {
		self.bytes
	}
}

/// Encodes `path` into `k + m` shard files in `dir`.
pub(super) fn encode_file(
	path: &Path,
	dir: &Path,
	data: u8,
	parity: u8,
	secret: Option<&[u8]>,
	meter: Meter,
) -> Result<Manifest, CliError> {
	let file = File::open(path).map_err(io_error("cannot read", path))?;
	let mut writers = (0..usize::from(data) + usize::from(parity))
		.map(|index| {
			let shard = shard_path(dir, index);
			File::create(&shard)
				.map(|file| BufWriter::with_capacity(256 << 10, file))
				.map_err(io_error("cannot create", &shard))
		})
		.collect::<Result<Vec<_>, _>>()?;
	let encrypted = secret.is_some();
	// One segment in flight holds k + m pieces.
	let in_flight = (u64::from(data) + u64::from(parity))
		* piece_len(u64::from(DEFAULT_SEGMENT_SIZE) + 16 * u64::from(encrypted), data);
	let pool = pipeline_pool(in_flight)?;
	let params = EncodeParams {
		batch_segments: 2 * pool.current_num_threads(),
		..EncodeParams::new(data, parity)
	};
	let secret = secret.map_or(FileSecret::Public, FileSecret::Owner);
	pool.install(|| {
		xmbl_file_format::encode(Metered { inner: file, meter }, &params, secret, &mut writers)
	})
	.map_err(|error| CliError::Other(format!("encoding {} failed: {error}", path.display())))
}

/// One finished upload.
struct Uploaded {
	index: usize,
	provider: AccountId,
	endpoint: String,
	result: Result<(), ShardTransferError>,
	finished: Instant,
}

/// The uploads of one `put`.
struct Uploads {
	http: reqwest::Client,
	/// The deal owner's key, which signs each upload.
	key: Arc<sr25519::Pair>,
	dir: PathBuf,
	roots: Vec<[u8; 32]>,
	size: u64,
	meter: Meter,
	limit: Arc<Semaphore>,
	tasks: JoinSet<Uploaded>,
	/// `(shard, provider)` pairs this run has started an upload for.
	started: HashSet<(usize, AccountId)>,
	/// The last failure of each shard's uploads.
	failures: BTreeMap<usize, String>,
	/// When the first upload started and the last successful one ended, for the figures.
	first_start: Option<Instant>,
	last_finish: Option<Instant>,
}

impl Uploads {
	/// Starts uploading shard `index` to `provider` unless this run already did.
	async fn start(
		&mut self,
		chain: &Chain,
		report: &Report,
		index: usize,
		provider: &AccountId,
	) -> Result<(), CliError> {
		if !self.started.insert((index, provider.clone())) {
			return Ok(());
		}
		let Some(endpoint) = chain.provider_endpoint(provider).await? else {
			let failure = format!("provider {} is not registered", provider.to_ss58check());
			report.step(format!("shard {index}: {failure}"));
			self.failures.insert(index, failure);
			return Ok(());
		};
		report.step(format!("uploading shard {index} to {} at {endpoint}", short(provider)));
		self.meter.grow(self.size);
		self.first_start.get_or_insert_with(Instant::now);
		let (http, limit, meter) = (self.http.clone(), self.limit.clone(), self.meter.clone());
		let key = self.key.clone();
		let (path, root, size) = (shard_path(&self.dir, index), self.roots[index], self.size);
		let provider = provider.clone();
		self.tasks.spawn(async move {
			let _permit = limit.acquire_owned().await.expect("the semaphore is never closed");
			let signer = RequestSigner { key: &key, provider: &provider };
			let result = shards::upload_shard_retried(
				&http,
				&endpoint,
				&root,
				&path,
				size,
				signer,
				|attempt| {
					if attempt > 1 {
						meter.grow(size);
					}
					let counter = meter.clone();
					move |n| counter.add(n)
				},
			)
			.await;
			Uploaded { index, provider, endpoint, result, finished: Instant::now() }
		});
		Ok(())
	}

	/// Reports the uploads that have ended.
	fn collect(&mut self, report: &Report) -> Result<(), CliError> {
		while let Some(done) = self.tasks.try_join_next() {
			let done = done.map_err(|error| CliError::Other(format!("an upload task: {error}")))?;
			let to = format!("{} at {}", short(&done.provider), done.endpoint);
			match done.result {
				Ok(()) => {
					report.step(format!("shard {} uploaded to {to}", done.index));
					self.last_finish = self.last_finish.max(Some(done.finished));
				},
				Err(error) => {
					report.step(format!("shard {} to {to}: {error}", done.index));
					self.failures.insert(done.index, format!("to {to}: {error}"));
				},
			}
		}
		Ok(())
	}

	fn failures_text(&self) -> String {
		self.failures
			.iter()
			.map(|(index, failure)| format!("shard {index} {failure}"))
			.collect::<Vec<_>>()
			.join("; ")
	}
}

/// Why deal `id`, live at block `seen`, is gone at `best`: the `DealFailed` or
/// `DealCancelled` event in a block between them.
async fn deal_gone(
	chain: &Chain,
	id: DealId,
	best: &Header,
	seen: BlockNumber,
	uploads: &Uploads,
) -> Result<CliError, CliError> {
	let upload_errors = match uploads.failures.is_empty() {
		true => String::new(),
		false => format!("; upload errors: {}", uploads.failures_text()),
	};
	let mut header = best.clone();
	while header.number > seen {
		for record in chain.events(header.hash()).await? {
			let RuntimeEvent::Storage(event) = record.event else { continue };
			let (reason, what) = match event {
				StorageEvent::DealFailed { deal, reason, refund } if deal == id => {
					let (name, why) = failure_text(reason);
					(name, format!("failed ({why}); {} XMBL refunded", format_amount(refund)))
				},
				StorageEvent::DealCancelled { deal, refund } if deal == id => (
					"Cancelled",
					format!("was cancelled by its owner; {} XMBL refunded", format_amount(refund)),
				),
				_ => continue,
			};
			return Ok(CliError::DealFailed {
				deal: id,
				reason: reason.into(),
				message: format!("deal {id} {what} in block {}{upload_errors}", header.number),
			});
		}
		header = chain.header(header.parent_hash).await?;
	}
	Ok(CliError::DealFailed {
		deal: id,
		reason: "Gone".into(),
		message: format!(
			"deal {id} is not on the best chain any more (a reorganisation dropped the block \
			 that made it){upload_errors}"
		),
	})
}

fn failure_text(reason: DealFailure) -> (&'static str, &'static str) {
	match reason {
		DealFailure::NotEnoughProviders => (
			"NotEnoughProviders",
			"too few storage providers had free capacity when its providers were drawn",
		),
		DealFailure::UploadIncomplete => {
			("UploadIncomplete", "shards were still unconfirmed after the last upload window")
		},
	}
}

/// `xmbl put`.
pub async fn put(cli: &Cli, args: &PutArgs, suri: Option<&str>) -> Result<Value, CliError> {
	let plan = args.check(cli.wait.into())?;
	let chain = Chain::connect(&cli.url).await?;
	let key = signing_key(&chain, suri).await?;
	let stored = store(cli, &chain, &key, &plan, cli.nonce).await?;
	Ok(put_json(&stored, plan.periods))
}

/// A file [`store`] kept on the storage market.
pub(crate) struct Stored {
	/// Its deal, active.
	pub(crate) id: DealId,
	pub(crate) deal: Deal<Runtime>,
	pub(crate) manifest: Manifest,
	/// The block the deal was made in.
	pub(crate) block: BlockNumber,
	/// Seconds spent encoding, making the deal, uploading, and in all.
	pub(crate) seconds: Value,
}

/// Stores the file of `plan`: encodes it into shard files (encrypted with its file key from
/// the signer's file-key secret unless the plan is public), makes the deal signed by `key`
/// (with `nonce` if given), uploads each shard to the provider the chain draws for it, and
/// returns once every shard is confirmed (the deal is active). `cli.wait` must not be
/// [`Wait::None`]: the deal's number comes from its event.
pub(crate) async fn store(
	cli: &Cli,
	chain: &Chain,
	key: &sr25519::Pair,
	plan: &PutPlan,
	nonce: Option<u32>,
) -> Result<Stored, CliError> {
	let wait: Wait = cli.wait.into();
	let http = shards::http_client()
		.map_err(|error| CliError::Other(format!("cannot build the HTTP client: {error}")))?;
	let mut report = Report::new();
	let start = Instant::now();

	let dir = tempfile::Builder::new()
		.prefix("xmbl-put-")
		.tempdir()
		.map_err(|error| CliError::Other(format!("cannot create a temporary folder: {error}")))?;
	let (data, parity) = (plan.data, plan.parity);
	let meter = report.start("encoding", plan.bytes);
	let (source, shard_dir) = (plan.file.clone(), dir.path().to_owned());
	let secret = match plan.public {
		true => None,
		false => Some(owner_secret(&file_key_root(cli, key)?)),
	};
	let manifest = tokio::task::spawn_blocking(move || {
		encode_file(&source, &shard_dir, data, parity, secret.as_ref().map(|s| &s[..]), meter)
	})
	.await
	.map_err(|error| CliError::Other(format!("the encoding task: {error}")))??;
	report.finish();
	if manifest.plaintext_size != plan.bytes {
		return Err(CliError::Other(format!(
			"{} changed while it was encoded ({} bytes, then {})",
			plan.file.display(),
			plan.bytes,
			manifest.plaintext_size
		)));
	}
	let encoded = start.elapsed();
	report.step(format!(
		"encoded {} bytes into {data} + {parity} shards of {} bytes, file root {}",
		manifest.plaintext_size,
		manifest.shard_size(),
		hex0x(&manifest.file_root)
	));

	let call = RuntimeCall::Storage(pallet_xmbl_storage::Call::create_deal {
		manifest: manifest.clone(),
		periods: plan.periods,
		price: plan.price,
	});
	let submitted = chain
		.submit(key, call, nonce, wait, Duration::from_secs(cli.timeout), crate::report_progress)
		.await?;
	let included = submitted.included.as_ref().expect("put waits for a block");
	let (id, escrow) = included
		.events
		.iter()
		.find_map(|event| match event {
			RuntimeEvent::Storage(StorageEvent::DealCreated { deal, escrow, .. }) => {
				Some((*deal, *escrow))
			},
			_ => None,
		})
		.ok_or_else(|| {
			CliError::Other(format!(
				"no DealCreated event in block {:?}: {}",
				included.block_hash,
				submitted_json(chain, &submitted)
			))
		})?;
	let deal_made = start.elapsed();
	report.step(format!(
		"deal {id} made in block {}; {} XMBL held in escrow",
		included.block_number,
		format_amount(escrow)
	));

	let mut uploads = Uploads {
		http,
		key: Arc::new(key.clone()),
		dir: dir.path().to_owned(),
		roots: manifest.shards.iter().map(|shard| shard.root).collect(),
		size: manifest.shard_size(),
		meter: report.start("uploading", 0),
		limit: Arc::new(Semaphore::new(PARALLEL_TRANSFERS)),
		tasks: JoinSet::new(),
		started: HashSet::new(),
		failures: BTreeMap::new(),
		first_start: None,
		last_finish: None,
	};
	let stall = Duration::from_secs(cli.timeout);
	let mut seen = included.block_number;
	let mut last_best = None;
	let mut last_block_at = Instant::now();
	let mut providers = vec![None; manifest.shard_count()];
	let deal = loop {
		uploads.collect(&report)?;
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
		let Some((deal, _)) = chain.deal(id, Some(best.hash())).await? else {
			return Err(deal_gone(chain, id, &best, seen, &uploads).await?);
		};
		seen = best.number;
		for (index, shard) in deal.shards.iter().enumerate() {
			if providers[index] != shard.provider {
				if let Some(provider) = &shard.provider {
					report.step(format!(
						"block {}: shard {index} assigned to {}",
						best.number,
						provider.to_ss58check()
					));
				}
				providers[index] = shard.provider.clone();
			}
		}
		if deal.status == DealStatus::Active {
			break deal;
		}
		for (index, shard) in deal.shards.iter().enumerate() {
			if let (ShardState::Pending { repair: false, .. }, Some(provider)) =
				(&shard.state, &shard.provider)
			{
				uploads.start(chain, &report, index, provider).await?;
			}
		}
		tokio::time::sleep(POLL).await;
	};
	report.finish();
	report.step(format!("deal {id} is active: every shard is confirmed"));
	let uploading = match (uploads.first_start, uploads.last_finish) {
		(Some(first), Some(last)) => last.saturating_duration_since(first),
		_ => Duration::ZERO,
	};
	let seconds = json!({
		"encode": round_seconds(encoded),
		"create_deal": round_seconds(deal_made - encoded),
		"upload": round_seconds(uploading),
		"total": round_seconds(start.elapsed()),
	});
	Ok(Stored { id, deal, manifest, block: included.block_number, seconds })
}

pub(super) fn put_json(stored: &Stored, periods: u32) -> Value {
	let Stored { id, deal, manifest, block, seconds } = stored;
	json!({
		"deal": id,
		"file_root": hex0x(&manifest.file_root),
		"bytes": manifest.plaintext_size,
		"data_shards": manifest.data_shards,
		"parity_shards": manifest.parity_shards,
		"shard_size": manifest.shard_size(),
		"periods": periods,
		"block": block,
		"shards": deal.shards.iter().enumerate().map(|(index, shard)| json!({
			"index": index,
			"root": hex0x(&shard.root),
			"provider": shard.provider.as_ref().map(|provider| provider.to_ss58check()),
		})).collect::<Vec<_>>(),
		"seconds": seconds,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		storage::{
			get::{decode_file, GetSecret},
			tests::usage_message,
		},
		Command,
	};
	use clap::Parser;
	use polkadot_sdk::sp_keyring::Sr25519Keyring;
	use xmbl_cipher::FileKey;

	fn put_args(args: &[&str]) -> PutArgs {
		let cli = Cli::try_parse_from([&["xmbl", "put"], args].concat()).unwrap();
		match cli.command {
			Command::Put(args) => args,
			_ => unreachable!("parsed as put"),
		}
	}

	#[test]
	fn put_checks_its_arguments_before_connecting() {
		let dir = tempfile::tempdir().unwrap();
		let file = dir.path().join("file");
		std::fs::write(&file, vec![7u8; 1000]).unwrap();
		let file = file.to_str().unwrap();

		let plan = put_args(&[file]).check(Wait::Finalized).unwrap();
		assert_eq!(
			plan,
			PutPlan {
				file: file.into(),
				data: 3,
				parity: 2,
				public: false,
				bytes: 1000,
				periods: 100,
				price: 1_000_000_000,
				shard_size: planned_manifest(1000, 3, 2, false).shard_size(),
			}
		);
		assert!(put_args(&[file, "--data", "16", "--parity", "8"]).check(Wait::InBlock).is_ok());

		let empty = dir.path().join("empty");
		std::fs::write(&empty, b"").unwrap();
		let missing = dir.path().join("missing");
		let folder = dir.path().to_str().unwrap();
		for (args, expected) in [
			(vec![missing.to_str().unwrap()], "cannot read"),
			(vec![empty.to_str().unwrap()], "is empty"),
			(vec![folder], "is not a file"),
			(vec![file, "--data", "0"], "--data 0 is out of range"),
			(vec![file, "--data", "17"], "1..=16 data shards"),
			(vec![file, "--parity", "0"], "--parity 0 is out of range"),
			(vec![file, "--parity", "9"], "1..=8 parity shards"),
			(vec![file, "--price", "0"], "above zero"),
			(vec![file, "--price", "abc"], "not an XMBL amount"),
			(vec![file, "--price", "0.0000000000001"], "not an XMBL amount"),
			(vec![file, "--blocks", "0"], "at least 1"),
		] {
			let message = usage_message(put_args(&args).check(Wait::Finalized));
			assert!(message.contains(expected), "{args:?}: {message}");
		}
		assert!(usage_message(put_args(&[file]).check(Wait::None)).contains("--wait"));
		assert!(Cli::try_parse_from(["xmbl", "put", file, "--data", "256"]).is_err());

		// 5 GiB (a sparse file) does not fit the chain's 4 GiB shards in one data shard.
		let large = dir.path().join("large");
		File::create(&large).unwrap().set_len(5 << 30).unwrap();
		let large = large.to_str().unwrap();
		let message = usage_message(put_args(&[large, "--data", "1"]).check(Wait::Finalized));
		assert!(message.contains("use more data shards"), "{message}");
		assert!(put_args(&[large, "--data", "2"]).check(Wait::Finalized).is_ok());
	}

	#[test]
	fn the_planned_shard_size_is_the_encoded_one_and_files_come_back() {
		let secret = owner_secret(&Sr25519Keyring::Alice.pair());
		for (bytes, public) in [(1, false), (1000, true), (1 << 20, false), ((2 << 20) + 5, true)] {
			let dir = tempfile::tempdir().unwrap();
			let source = dir.path().join("source");
			let content: Vec<u8> = (0..bytes).map(|i| (i % 253) as u8).collect();
			std::fs::write(&source, &content).unwrap();
			let owner = (!public).then_some(&secret[..]);
			let manifest = encode_file(&source, dir.path(), 3, 2, owner, Meter(None)).unwrap();
			let planned = planned_manifest(bytes as u64, 3, 2, public).shard_size();
			assert_eq!(manifest.shard_size(), planned, "{bytes} bytes");
			for index in 0..5 {
				let len = std::fs::metadata(shard_path(dir.path(), index)).unwrap().len();
				assert_eq!(len, planned);
			}

			// Any three shards, with the owner's secret or the file's own key.
			let secrets = match manifest.encryption {
				Encryption::None => vec![GetSecret::Public],
				Encryption::Aes256GcmStream { salt, .. } => vec![
					GetSecret::Owner(secret.clone()),
					GetSecret::Key(FileKey::derive(&secret, &salt).unwrap()),
				],
			};
			for secret in &secrets {
				let out = dir.path().join("out");
				let report =
					decode_file(&manifest, dir.path(), &[4, 0, 2], secret, &out, Meter(None))
						.unwrap();
				assert_eq!(report.used, vec![0, 2, 4]);
				assert!(std::fs::read(&out).unwrap() == content);
			}
			if !public {
				let other = GetSecret::Owner(owner_secret(&Sr25519Keyring::Bob.pair()));
				let out = dir.path().join("out");
				let error =
					decode_file(&manifest, dir.path(), &[0, 1, 2], &other, &out, Meter(None))
						.unwrap_err();
				assert!(error.to_string().contains("decrypt"), "{error}");
			}
		}
	}
}
