//! A job's program and input: inline in the duty, or the file of a storage deal, fetched from
//! the providers holding its shards and decoded as `xmbl get` does (any `k` shards, each
//! checked against its root as it arrives, through `xmbl_client::fetch::fetch_shards` with
//! requests signed by the worker's key), into memory.
//!
//! What is fetched is bounded by what the deal's manifest on chain says, before a byte is
//! downloaded: a stored program must be public and at most the runner's module bound (an
//! encrypted one is `InvalidModule(Malformed)`, since its stored bytes are no module, and a
//! longer one `InvalidModule(TooLarge)`, what the runner answers for it: every worker agrees
//! without fetching it; `submit_job` refuses both, so only a runtime with other bounds lets
//! them through); a stored input is at most `MaxStoredInput` (checked at submission), and an
//! encrypted one is opened with the job's `input_key`, the key of that one file
//! (`FileKey::derive(owner secret, the manifest's salt)`, what `xmbl file-key` prints), never
//! the owner's secret. Verified shards that do not open with that key are the job's outcome,
//! `InputUnreadable`.

use crate::{worker::Worker, LOG_TARGET};
use polkadot_sdk::sp_core::H256;
use std::{
	fs::File,
	path::{Path, PathBuf},
};
use xmbl_cipher::FileKey;
use xmbl_client::{
	fetch::{fetch_shards, FetchOptions, Source},
	retry::RetryPolicy,
};
use xmbl_file_format::{DecodeError, Encryption, FileSecret};
use xmbl_job_runner::{JobLimits, ModuleRejection};
use xmbl_primitives::{DealId, JobId, JobSource, WorkerDuty};
use xmbl_runtime::{apis::DealView, BlockNumber};
use xmbl_storage_provider::endpoints;

/// A job's program, as the worker has it.
pub enum Program {
	/// The module's bytes, for the runner.
	Module(Vec<u8>),
	/// A stored program refused from what the chain says of it, unfetched.
	Refused(ModuleRejection),
}

/// A job's input, as the worker has it.
pub enum Input {
	/// The bytes, for the program's stdin.
	Bytes(Vec<u8>),
	/// A stored input whose shards all matched their roots and whose bytes still do not open
	/// with the job's key (or are not padded as the format pads them): every worker finds the
	/// same, so it is the job's outcome (`InputUnreadable`), with why.
	Unreadable(String),
}

/// The longest module the runner runs; longer ones are `InvalidModule(TooLarge)`.
pub fn max_module_bytes() -> u64 {
	JobLimits::default().max_module_bytes as u64
}

/// A folder removed with everything in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
	fn create(path: PathBuf) -> Result<Self, String> {
		std::fs::create_dir_all(&path)
			.map_err(|error| format!("cannot create {}: {error}", path.display()))?;
		Ok(Self(path))
	}

	fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for Scratch {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

impl Worker {
	/// The program of `duty`, read at block `at`.
	pub(crate) async fn program(
		&self,
		at: H256,
		duty: &WorkerDuty<BlockNumber>,
	) -> Result<Program, String> {
		let deal = match &duty.program {
			JobSource::Inline(bytes) => return Ok(Program::Module(bytes.clone())),
			JobSource::Deal(deal) => *deal,
		};
		let view = self.stored(at, deal)?;
		let manifest = &view.1;
		if manifest.encryption != Encryption::None {
			return Ok(Program::Refused(ModuleRejection::Malformed));
		}
		if manifest.plaintext_size > max_module_bytes() {
			return Ok(Program::Refused(ModuleRejection::TooLarge));
		}
		// A public file has nothing to open: its verified bytes decode.
		self.read_file(at, duty.job, "program", deal, view, None)
			.await?
			.map(Program::Module)
	}

	/// The input of `duty`, read at block `at`.
	pub(crate) async fn input(
		&self,
		at: H256,
		duty: &WorkerDuty<BlockNumber>,
	) -> Result<Input, String> {
		let deal = match &duty.input {
			JobSource::Inline(bytes) => return Ok(Input::Bytes(bytes.clone())),
			JobSource::Deal(deal) => *deal,
		};
		let view = self.stored(at, deal)?;
		let manifest = &view.1;
		// `submit_job` refused inputs over `MaxStoredInput` and encrypted ones without a key.
		let key = match (&manifest.encryption, duty.input_key) {
			(Encryption::None, _) => None,
			(Encryption::Aes256GcmStream { .. }, Some(key)) => Some(FileKey::from_bytes(key)),
			(Encryption::Aes256GcmStream { .. }, None) => {
				return Err(format!("its input, deal {deal}, is encrypted and the job has no key"))
			},
		};
		Ok(match self.read_file(at, duty.job, "input", deal, view, key).await? {
			Ok(bytes) => Input::Bytes(bytes),
			Err(reason) => Input::Unreadable(reason),
		})
	}

	fn stored(&self, at: H256, deal: DealId) -> Result<DealView, String> {
		self.chain
			.deal(at, deal)
			.map_err(|error| error.to_string())?
			.ok_or_else(|| format!("deal {deal} is gone"))
	}

	/// Fetches `k` shards of `deal`'s file and decodes them (with `key` if it is encrypted):
	/// the bytes, or, inside `Ok`, why shards that all matched their roots did not open.
	async fn read_file(
		&self,
		at: H256,
		job: JobId,
		what: &str,
		deal: DealId,
		(stored, manifest): DealView,
		key: Option<FileKey>,
	) -> Result<Result<Vec<u8>, String>, String> {
		let needed = usize::from(manifest.data_shards);
		let mut sources = Vec::new();
		// In the deal's order: data shards first, which decode without parity work.
		for (index, shard) in stored.shards.iter().enumerate() {
			let stored = matches!(shard.state, pallet_xmbl_storage::ShardState::Stored { .. });
			let Some(holder) = shard.provider.clone().filter(|_| stored) else { continue };
			let Some(record) =
				self.chain.provider(at, &holder).map_err(|error| error.to_string())?
			else {
				continue;
			};
			let endpoint = String::from_utf8_lossy(&record.endpoint).into_owned();
			if !self.private_endpoints {
				if let Err(error) = endpoints::check_literal(&endpoint) {
					log::warn!(target: LOG_TARGET, "worker {}: {what} of job {job}: {error}", self.name);
					continue;
				}
			}
			sources.push(Source { index, root: shard.root, provider: holder, endpoint });
		}
		if sources.len() < needed {
			return Err(format!(
				"{} providers hold shards of deal {deal}, its {what}; {needed} are needed",
				sources.len()
			));
		}
		let folder = Scratch::create(self.records.fetch_dir().join(format!("{job}-{what}")))?;
		let options = FetchOptions {
			needed,
			shard_size: manifest.shard_size(),
			concurrency: needed,
			signer: Some(&self.pair),
			retry: RetryPolicy::TRANSFERS,
		};
		let path = |index: usize| folder.path().join(format!("shard-{index}"));
		let fetched = fetch_shards(&self.http, sources, &options, path, ())
			.await
			.map_err(|error| format!("deal {deal}, its {what}: {error}"))?
			.shards;
		let what = what.to_owned();
		let decoded = tokio::task::spawn_blocking(move || {
			let _folder = folder;
			let shards = fetched
				.iter()
				.map(|(index, path)| {
					File::open(path)
						.map(|file| (*index, file))
						.map_err(|error| format!("{}: {error}", path.display()))
				})
				.collect::<Result<Vec<_>, _>>()?;
			let secret = key.as_ref().map_or(FileSecret::Public, FileSecret::Key);
			let mut bytes = Vec::with_capacity(manifest.plaintext_size as usize);
			match xmbl_file_format::decode(&manifest, shards, secret, &mut bytes) {
				Ok(_) => Ok(Ok(bytes)),
				// The shards were checked against their roots as they arrived, so these say
				// the key (or what the client encrypted) is wrong, the same for every worker.
				Err(error @ (DecodeError::Decrypt { .. } | DecodeError::Padding { .. })) => {
					Ok(Err(format!("deal {deal}, its {what}, does not open: {error}")))
				},
				Err(error) => Err(format!("deal {deal}, its {what}, does not decode: {error}")),
			}
		})
		.await;
		decoded.map_err(|error| format!("the decoding task failed: {error}"))?
	}
}
