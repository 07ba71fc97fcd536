//! The storage commands: `put`, `get`, `deals`, `deal`, `renew`, `cancel`, `file-key`.
//!
//! Files never sit in memory: `put` encodes into temporary shard files (in `$TMPDIR`) that
//! stream to the providers, and `get` streams shards into temporary files and decodes them
//! into `OUT.partial`, renamed to `OUT` once the whole file is back. The pipeline runs on a
//! small thread pool whose batches bound its memory.

use crate::{signing_key, submit, submitted_json, Cli, CliError};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pallet_xmbl_storage::{Deal, DealFailure, DealStatus, Event as StorageEvent, ShardState};
use polkadot_sdk::{
	frame_support::traits::Get,
	sp_core::{crypto::Ss58Codec, sr25519, Pair},
};
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, HashSet},
	fs::File,
	io::{BufWriter, IsTerminal, Read, Write},
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};
use xmbl_cipher::FileKey;
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
use zeroize::Zeroizing;

/// Uploads (and, in `get`, downloads) running at once.
const PARALLEL_TRANSFERS: usize = 8;
/// Tries of one upload to one provider when the failure may pass (unreachable, 403, 5xx).
const UPLOAD_ATTEMPTS: u32 = 4;
/// Pause before the second try of an upload; doubled before each further one.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// How often `put` looks at the best block while it follows its deal.
const POLL: Duration = Duration::from_secs(1);
/// Threads of the encode and decode pipeline, at most.
const PIPELINE_THREADS: usize = 8;
/// Memory the pipeline's batches of segments may take, roughly.
const PIPELINE_MEMORY: u64 = 64 << 20;
/// Suffix of the file `get` writes before renaming it to the output path.
const PARTIAL_SUFFIX: &str = ".partial";

/// `xmbl put`.
#[derive(Args)]
pub struct PutArgs {
	/// The file to store.
	file: PathBuf,
	/// Data shards (k): any k shards give the file back.
	#[arg(long, default_value_t = 3)]
	data: u8,
	/// Parity shards (m): the file survives the loss of m providers.
	#[arg(long, default_value_t = 2)]
	parity: u8,
	/// How long to keep the file, in blocks (rounded up to whole proof periods).
	#[arg(long, default_value_t = 1000)]
	blocks: u32,
	/// XMBL paid per shard for each proven period.
	#[arg(long, default_value = "0.001")]
	price: String,
	/// Store the file unencrypted: anyone can read it with `get`.
	#[arg(long)]
	public: bool,
}

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

/// The key whose hard child the signer's file keys come from: `--file-key-suri`, or the
/// signer.
fn file_key_root(cli: &Cli, signer: &sr25519::Pair) -> Result<sr25519::Pair, CliError> {
	match &cli.file_key_suri {
		Some(suri) => Ok(xmbl_client::signer(suri)?),
		None => Ok(signer.clone()),
	}
}

/// What `put` checked before connecting.
#[derive(Debug, PartialEq, Eq)]
struct PutPlan {
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

/// The manifest `put` would make of a `bytes`-byte file, without its roots.
fn planned_manifest(bytes: u64, data: u8, parity: u8, public: bool) -> Manifest {
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
		let file = self.file.display();
		let metadata = std::fs::metadata(&self.file)
			.map_err(|error| CliError::Usage(format!("cannot read {file}: {error}")))?;
		if !metadata.is_file() {
			return Err(CliError::Usage(format!("{file} is not a file")));
		}
		let bytes = metadata.len();
		if bytes == 0 {
			return Err(CliError::Usage(format!("{file} is empty: there is nothing to store")));
		}
		let (max_k, max_m) = (max_data_shards(), max_parity_shards());
		if !(1..=max_k).contains(&self.data) {
			return Err(CliError::Usage(format!(
				"--data {} is out of range: the chain takes 1..={max_k} data shards",
				self.data
			)));
		}
		if !(1..=max_m).contains(&self.parity) {
			return Err(CliError::Usage(format!(
				"--parity {} is out of range: the chain takes 1..={max_m} parity shards",
				self.parity
			)));
		}
		let price =
			parse_amount(&self.price).map_err(|error| CliError::Usage(error.to_string()))?;
		if price == 0 {
			return Err(CliError::Usage("--price must be above zero".into()));
		}
		let periods = periods_for(self.blocks)?;
		let shard_size = planned_manifest(bytes, self.data, self.parity, self.public).shard_size();
		let max_shard = <Runtime as pallet_xmbl_storage::Config>::MaxShardSize::get();
		if shard_size > max_shard {
			return Err(CliError::Usage(format!(
				"{file} makes shards of {shard_size} bytes at --data {}; the chain takes at most \
				 {max_shard}: use more data shards",
				self.data
			)));
		}
		Ok(PutPlan { bytes, periods, price, shard_size })
	}
}

/// Progress on stderr: one bar (bytes, rate) when stderr is a terminal, plain lines
/// otherwise.
struct Report {
	terminal: bool,
	bar: Option<ProgressBar>,
}

/// Counts bytes into the current bar, if any.
#[derive(Clone)]
struct Meter(Option<ProgressBar>);

impl Meter {
	fn add(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc(bytes);
		}
	}

	/// Makes room for `bytes` more (a retry, a replacement download).
	fn grow(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc_length(bytes);
		}
	}
}

const BAR_TEMPLATE: &str =
	"{msg:12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}";

impl Report {
	fn new() -> Self {
		Self { terminal: std::io::stderr().is_terminal(), bar: None }
	}

	/// One line, above the bar if there is one.
	fn step(&self, line: impl AsRef<str>) {
		match &self.bar {
			Some(bar) => bar.println(line.as_ref()),
			None => eprintln!("{}", line.as_ref()),
		}
	}

	/// Starts a phase that moves `total` bytes.
	fn start(&mut self, label: &str, total: u64) -> Meter {
		self.finish();
		if !self.terminal {
			if total > 0 {
				eprintln!("{label}: {total} bytes");
			}
			return Meter(None);
		}
		let style = ProgressStyle::with_template(BAR_TEMPLATE)
			.expect("the bar template is valid")
			.progress_chars("=> ");
		let bar = ProgressBar::new(total).with_style(style).with_message(label.to_owned());
		self.bar = Some(bar.clone());
		Meter(Some(bar))
	}

	fn finish(&mut self) {
		if let Some(bar) = self.bar.take() {
			bar.finish_and_clear();
		}
	}
}

/// Counts what passes through a reader or writer into a meter.
struct Metered<T> {
	inner: T,
	meter: Meter,
}

impl<R: Read> Read for Metered<R> {
	fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
		let read = self.inner.read(buffer)?;
		self.meter.add(read as u64);
		Ok(read)
	}
}

impl<W: Write> Write for Metered<W> {
	fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
		let written = self.inner.write(buffer)?;
		self.meter.add(written as u64);
		Ok(written)
	}

	fn flush(&mut self) -> std::io::Result<()> {
		self.inner.flush()
	}
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

fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn short(account: &AccountId) -> String {
	let address = account.to_ss58check();
	format!("{}…", &address[..8])
}

fn io_error<'a>(what: &'a str, path: &'a Path) -> impl FnOnce(std::io::Error) -> CliError + 'a {
	move |error| CliError::Other(format!("{what} {}: {error}", path.display()))
}

/// Encodes `path` into `k + m` shard files in `dir`.
fn encode_file(
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
			let mut attempt = 1;
			let result = loop {
				let counter = meter.clone();
				let signer = RequestSigner { key: &key, provider: &provider };
				let result =
					shards::upload_shard(&http, &endpoint, &root, &path, size, signer, move |n| {
						counter.add(n)
					})
					.await;
				match result {
					Err(error) if error.is_transient() && attempt < UPLOAD_ATTEMPTS => {
						tokio::time::sleep(RETRY_DELAY * 2u32.pow(attempt - 1)).await;
						meter.grow(size);
						attempt += 1;
					},
					result => break result,
				}
			};
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
	let wait: Wait = cli.wait.into();
	let plan = args.check(wait)?;
	let http = shards::http_client()
		.map_err(|error| CliError::Other(format!("cannot build the HTTP client: {error}")))?;
	let chain = Chain::connect(&cli.url).await?;
	let key = signing_key(&chain, suri).await?;
	let mut report = Report::new();
	let start = Instant::now();

	let dir = tempfile::Builder::new()
		.prefix("xmbl-put-")
		.tempdir()
		.map_err(|error| CliError::Other(format!("cannot create a temporary folder: {error}")))?;
	let (data, parity) = (args.data, args.parity);
	let meter = report.start("encoding", plan.bytes);
	let (source, shard_dir) = (args.file.clone(), dir.path().to_owned());
	let secret = match args.public {
		true => None,
		false => Some(owner_secret(&file_key_root(cli, &key)?)),
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
			args.file.display(),
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
		.submit(
			&key,
			call,
			cli.nonce,
			wait,
			Duration::from_secs(cli.timeout),
			crate::report_progress,
		)
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
				submitted_json(&chain, &submitted)
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
			return Err(deal_gone(&chain, id, &best, seen, &uploads).await?);
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
				uploads.start(&chain, &report, index, provider).await?;
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
	Ok(put_json(id, &manifest, plan.periods, included.block_number, &deal, seconds))
}

fn put_json(
	id: DealId,
	manifest: &Manifest,
	periods: u32,
	block: BlockNumber,
	deal: &Deal<Runtime>,
	seconds: Value,
) -> Value {
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

/// Seconds with millisecond precision, for JSON.
fn round_seconds(duration: Duration) -> f64 {
	(duration.as_secs_f64() * 1000.0).round() / 1000.0
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

/// The output path checked before connecting, and its `.partial` sibling.
fn partial_path(out: &Path) -> Result<PathBuf, CliError> {
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
struct Partial(Option<PathBuf>);

impl Partial {
	fn keep(mut self) {
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
enum GetSecret {
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
			owner_key = Some(Arc::new(key));
			secret
		},
	};

	let needed = usize::from(manifest.data_shards);
	let size = manifest.shard_size();
	// Stored shards, data shards first: with all k of them decoding needs no parity work.
	let mut candidates = deal
		.shards
		.iter()
		.enumerate()
		.filter(|(_, shard)| matches!(shard.state, ShardState::Stored { .. }))
		.filter_map(|(index, shard)| Some((index, shard.root, shard.provider.clone()?)))
		.collect::<Vec<_>>()
		.into_iter();
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

	let mut report = Report::new();
	let dir = tempfile::Builder::new()
		.prefix("xmbl-get-")
		.tempdir()
		.map_err(|error| CliError::Other(format!("cannot create a temporary folder: {error}")))?;
	let meter = report.start("downloading", 0);
	let download_start = Instant::now();
	let mut tasks = JoinSet::new();
	let mut fetched = Vec::new();
	let mut failures: Vec<(usize, String, Option<String>)> = Vec::new();
	loop {
		while tasks.len() + fetched.len() < needed {
			let Some((index, root, provider)) = candidates.next() else { break };
			let Some(endpoint) = chain.provider_endpoint(&provider).await? else {
				let error = format!("provider {} is not registered", provider.to_ss58check());
				failures.push((index, error, None));
				continue;
			};
			report
				.step(format!("downloading shard {index} from {} at {endpoint}", short(&provider)));
			meter.grow(size);
			let (http, path, counter) =
				(http.clone(), shard_path(dir.path(), index), meter.clone());
			let key = owner_key.clone();
			tasks.spawn(async move {
				let signer = key.as_deref().map(|key| RequestSigner { key, provider: &provider });
				let result = shards::download_shard(
					&http,
					&endpoint,
					&root,
					size,
					&path,
					signer,
					move |n| counter.add(n),
				)
				.await;
				(index, endpoint, result)
			});
		}
		let Some(done) = tasks.join_next().await else { break };
		let (index, endpoint, result) =
			done.map_err(|error| CliError::Other(format!("a download task: {error}")))?;
		match result {
			Ok(()) => fetched.push(index),
			Err(error) => {
				report.step(format!("shard {index}: {error}"));
				failures.push((index, error.to_string(), Some(endpoint)));
			},
		}
	}
	report.finish();
	if fetched.len() < needed {
		let listed = failures
			.iter()
			.map(|(index, error, _)| format!("shard {index}: {error}"))
			.collect::<Vec<_>>()
			.join("; ");
		return Err(CliError::Transfer {
			message: format!(
				"fetched {} of the {needed} shards deal {id} needs: {listed}",
				fetched.len()
			),
			failures: failures
				.iter()
				.map(
					|(index, error, endpoint)| json!({ "index": index, "endpoint": endpoint, "error": error }),
				)
				.collect(),
		});
	}

	let downloaded = download_start.elapsed();
	let meter = report.start("decoding", manifest.plaintext_size);
	let decode_start = Instant::now();
	let guard = Partial(Some(partial.clone()));
	let (shard_dir, decode_manifest, out) =
		(dir.path().to_owned(), manifest.clone(), partial.clone());
	let used = fetched.clone();
	let decoded = tokio::task::spawn_blocking(move || {
		decode_file(&decode_manifest, &shard_dir, &used, &secret, &out, meter)
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

/// Decodes the shards `indices` in `dir` into `out` and syncs it to disk.
fn decode_file(
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
	let Encryption::Aes256GcmStream { salt, .. } = manifest.encryption else {
		return Err(CliError::Other(format!("deal {id} is public: it has no key")));
	};
	let file_key = FileKey::derive(&owner_secret(&file_key_root(cli, &key)?), &salt)
		.map_err(|error| CliError::Other(format!("key derivation failed: {error}")))?;
	Ok(json!({ "deal": id, "key": hex::encode(file_key.as_bytes()) }))
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

fn merge(mut base: Value, extra: Value) -> Value {
	if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
		base.extend(extra);
	}
	base
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
	use crate::Command;
	use clap::Parser;
	use pallet_xmbl_storage::Shard;
	use polkadot_sdk::{frame_support::BoundedVec, sp_keyring::Sr25519Keyring};

	fn put_args(args: &[&str]) -> PutArgs {
		let cli = Cli::try_parse_from([&["xmbl", "put"], args].concat()).unwrap();
		match cli.command {
			Command::Put(args) => args,
			_ => unreachable!("parsed as put"),
		}
	}

	fn usage_message(result: Result<PutPlan, CliError>) -> String {
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
		assert!(usage_message(periods_for(0).map(|_| unreachable!())).contains("at least 1"));
		assert!(usage_message(periods_for(10_000_001).map(|_| unreachable!()))
			.contains("at most 1000000 periods"));
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

	fn sample_deal() -> Deal<Runtime> {
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

		let put = put_json(7, &manifest, 100, 42, &deal, json!({ "total": 1.5 }));
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

	#[test]
	fn the_progress_bar_template_is_valid() {
		assert!(ProgressStyle::with_template(BAR_TEMPLATE).is_ok());
	}
}
