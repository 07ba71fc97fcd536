//! What a worker keeps on disk, in its account's folder (`<base path>/compute/<SS58>/`):
//!
//! - `results/<job>.scale`: the SCALE encoding of a [`Record`] (job, round, result, salt),
//!   written before the commitment to it is submitted, so that a worker that restarts between
//!   its commitment and its reveal still reveals what it committed to;
//! - `outputs/<64 hex>`: the bytes of each kept output (longer than `MaxInlineOutput`), named
//!   by the hex of their `blake2_256`, written before the record that names them;
//! - `fetch/`: stored programs and inputs being downloaded, emptied at every start.
//!
//! Every file is written to a temporary name, synced, renamed and its folder synced, so a
//! crash leaves either the whole file or none (temporary files are removed at the next start).
//! A record and its output are removed once the job is pruned from the chain.

use codec::{Decode, Encode};
use std::{
	collections::HashMap,
	fs::{self, File},
	io::{self, Write},
	path::{Path, PathBuf},
	sync::Mutex,
};
use xmbl_primitives::{JobId, JobOutput};

use crate::outcome::RunResult;

/// A worker's result for one job and the salt of its commitment.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Record {
	pub job: JobId,
	/// The round the worker was drawn in.
	pub round: u8,
	pub result: RunResult,
	pub salt: [u8; 32],
}

impl Record {
	/// The hash its kept output is stored under, if it has one.
	pub fn kept_hash(&self) -> Option<[u8; 32]> {
		match self.result.output {
			JobOutput::Kept { hash, .. } => Some(hash),
			JobOutput::None | JobOutput::Inline(_) => None,
		}
	}
}

/// What [`Records::open`] found and cleaned up.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Opened {
	pub records: usize,
	/// Records that did not decode (removed: their commitments cannot be revealed).
	pub unreadable: Vec<PathBuf>,
	/// Temporary files of interrupted writes and outputs no record names, removed.
	pub removed: usize,
}

/// One worker's records, in memory and on disk.
pub struct Records {
	dir: PathBuf,
	results: PathBuf,
	outputs: PathBuf,
	fetch: PathBuf,
	by_job: Mutex<HashMap<JobId, Record>>,
}

const TEMP_SUFFIX: &str = ".tmp";

impl Records {
	/// Opens (creating) the folders in `dir` and reads every record.
	pub fn open(dir: &Path) -> io::Result<(Self, Opened)> {
		let records = Self {
			dir: dir.to_owned(),
			results: dir.join("results"),
			outputs: dir.join("outputs"),
			fetch: dir.join("fetch"),
			by_job: Mutex::new(HashMap::new()),
		};
		// Downloads of an interrupted fetch are of no use after a restart.
		if records.fetch.exists() {
			fs::remove_dir_all(&records.fetch)?;
		}
		for folder in [&records.results, &records.outputs, &records.fetch] {
			fs::create_dir_all(folder)?;
		}
		let mut opened = Opened::default();
		let mut by_job = HashMap::new();
		for entry in fs::read_dir(&records.results)? {
			let path = entry?.path();
			let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
			if name.ends_with(TEMP_SUFFIX) {
				fs::remove_file(&path)?;
				opened.removed += 1;
				continue;
			}
			let job = name.strip_suffix(".scale").and_then(|job| job.parse::<JobId>().ok());
			let record = fs::read(&path)?;
			match (job, Record::decode(&mut &record[..])) {
				(Some(job), Ok(record)) if record.job == job => {
					by_job.insert(job, record);
				},
				_ => {
					fs::remove_file(&path)?;
					opened.unreadable.push(path);
				},
			}
		}
		let named: Vec<String> =
			by_job.values().filter_map(Record::kept_hash).map(hex::encode).collect();
		for entry in fs::read_dir(&records.outputs)? {
			let path = entry?.path();
			let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
			if !named.iter().any(|hash| hash == name) {
				fs::remove_file(&path)?;
				opened.removed += 1;
			}
		}
		opened.records = by_job.len();
		*records.by_job.lock().expect("not poisoned") = by_job;
		Ok((records, opened))
	}

	pub fn get(&self, job: JobId) -> Option<Record> {
		self.by_job.lock().expect("not poisoned").get(&job).cloned()
	}

	/// The jobs with a record.
	pub fn jobs(&self) -> Vec<JobId> {
		self.by_job.lock().expect("not poisoned").keys().copied().collect()
	}

	/// Writes `kept` (the output of a `Kept` result), then `record`, durably. Blocks.
	pub fn save(&self, record: Record, kept: Option<&[u8]>) -> io::Result<()> {
		if let (Some(hash), Some(bytes)) = (record.kept_hash(), kept) {
			write_durably(&self.outputs, &hex::encode(hash), bytes)?;
		}
		write_durably(&self.results, &format!("{}.scale", record.job), &record.encode())?;
		self.by_job.lock().expect("not poisoned").insert(record.job, record);
		Ok(())
	}

	/// Removes the record of `job` and its kept output, unless another record names the same
	/// output (two jobs with the same result). Blocks.
	pub fn remove(&self, job: JobId) -> io::Result<()> {
		let mut by_job = self.by_job.lock().expect("not poisoned");
		let Some(record) = by_job.remove(&job) else { return Ok(()) };
		remove_if_present(&self.results.join(format!("{job}.scale")))?;
		if let Some(hash) = record.kept_hash() {
			if !by_job.values().any(|other| other.kept_hash() == Some(hash)) {
				remove_if_present(&self.outputs.join(hex::encode(hash)))?;
			}
		}
		Ok(())
	}

	/// The file of the kept output with `blake2_256` `hash`, if it is kept.
	pub fn output(&self, hash: &[u8; 32]) -> Option<PathBuf> {
		let path = self.outputs.join(hex::encode(hash));
		path.is_file().then_some(path)
	}

	/// The worker's folder.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// Where downloads of stored programs and inputs go.
	pub fn fetch_dir(&self) -> &Path {
		&self.fetch
	}
}

fn remove_if_present(path: &Path) -> io::Result<()> {
	match fs::remove_file(path) {
		Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
		_ => Ok(()),
	}
}

/// Writes `bytes` to `dir/name` so that a crash leaves the whole file or none.
fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
	let temporary = dir.join(format!("{name}{TEMP_SUFFIX}"));
	let mut file = File::create(&temporary)?;
	file.write_all(bytes)?;
	file.sync_all()?;
	fs::rename(&temporary, dir.join(name))?;
	File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
	use super::*;
	use xmbl_primitives::JobOutcomeKind;

	fn record(job: JobId, output: JobOutput<Vec<u8>>) -> Record {
		Record {
			job,
			round: 1,
			result: RunResult { kind: JobOutcomeKind::Success, fuel_used: 10, output },
			salt: [job as u8; 32],
		}
	}

	/// How it fails: a record or output lost at a reopen (the worker could not reveal), a
	/// temporary file, an undecodable record or an output no record names left behind, or a
	/// shared output deleted with the first of the two jobs that kept it.
	#[test]
	fn records_survive_a_reopen_and_leave_with_their_job() {
		let dir = tempfile::tempdir().unwrap();
		let kept = vec![5u8; 100];
		let hash = [9u8; 32];
		let (records, opened) = Records::open(dir.path()).unwrap();
		assert_eq!(opened, Opened::default());
		records
			.save(record(3, JobOutput::Kept { hash, len: 100 }), Some(&kept))
			.unwrap();
		records
			.save(record(4, JobOutput::Kept { hash, len: 100 }), Some(&kept))
			.unwrap();
		records.save(record(5, JobOutput::Inline(vec![1])), None).unwrap();
		drop(records);
		fs::write(dir.path().join("results/6.scale.tmp"), b"half").unwrap();
		fs::write(dir.path().join("results/7.scale"), b"garbage").unwrap();
		fs::write(dir.path().join("outputs").join(hex::encode([1u8; 32])), b"orphan").unwrap();
		fs::write(dir.path().join("fetch/partial"), b"download").unwrap();

		let (records, opened) = Records::open(dir.path()).unwrap();
		assert_eq!(opened.records, 3);
		assert_eq!(opened.unreadable, vec![dir.path().join("results/7.scale")]);
		assert_eq!(opened.removed, 2);
		assert!(!dir.path().join("fetch/partial").exists());
		let mut jobs = records.jobs();
		jobs.sort();
		assert_eq!(jobs, [3, 4, 5]);
		assert_eq!(records.get(5), Some(record(5, JobOutput::Inline(vec![1]))));
		assert_eq!(fs::read(records.output(&hash).unwrap()).unwrap(), kept);
		assert_eq!(records.output(&[1; 32]), None);

		records.remove(3).unwrap();
		assert_eq!(records.get(3), None);
		assert!(records.output(&hash).is_some(), "job 4 still keeps it");
		records.remove(4).unwrap();
		assert_eq!(records.output(&hash), None);
		records.remove(4).unwrap();
		let mut left: Vec<_> = fs::read_dir(dir.path().join("results"))
			.unwrap()
			.map(|entry| entry.unwrap().file_name().into_string().unwrap())
			.collect();
		left.sort();
		assert_eq!(left, ["5.scale"]);
	}
}
