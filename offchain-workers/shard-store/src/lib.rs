//! The shard store of an XMBL provider node: shards content-addressed by their BLAKE3 root.
//!
//! - Streaming, verified writes: [`ShardStore::begin_write`] returns a [`ShardWriter`] (also an
//!   [`std::io::Write`]) that hashes while it writes; [`ShardWriter::finish`] makes the shard
//!   visible only if its length and root are the expected ones. [`ShardStore::put`] does the
//!   same from an [`std::io::Read`].
//! - Crash safety: bytes go to a temporary file in the store directory, are fsynced, renamed
//!   to their final name and the directory is fsynced; [`ShardStore::open`] removes what a
//!   crash left behind.
//! - Proofs from a small outboard: each shard's outboard (its Merkle tree's parent nodes above
//!   16 KiB groups, see `xmbl-merkle`) is stored beside it; [`ShardStore::prove`] reads only
//!   the parents on the proven paths and the groups holding the proven leaves.
//! - A size limit that counts writes in flight, so concurrent writes never exceed it together;
//!   a write holds space for the bytes it has written, not for the whole shard up front.
//!
//! All methods take `&self`; the store is `Send + Sync` and cheap to clone (clones share it).
//! DESIGN.md describes the files on disk and the recovery rules.

use std::{
	collections::HashMap,
	fs::{self, File, OpenOptions},
	io::{self, Read, Write},
	os::unix::fs::FileExt,
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, MutexGuard,
	},
};

use xmbl_merkle::{prove_with, Layout, OutboardBuilder, Proof, ProveError, PARENT_LEN};

/// A shard root: the BLAKE3 hash of the shard's bytes.
pub type Root = [u8; 32];

const SHARD_SUFFIX: &str = ".shard";
const OUTBOARD_SUFFIX: &str = ".outboard";
const TEMP_SUFFIX: &str = ".tmp";

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
	#[error("shard bytes hash to {}, expected {}", hex::encode(actual), hex::encode(expected))]
	RootMismatch { expected: Root, actual: Root },
	#[error("shard is longer than the declared {expected_len} bytes")]
	TooLong { expected_len: u64 },
	#[error("shard ended after {actual_len} bytes, {expected_len} were declared")]
	TooShort { expected_len: u64, actual_len: u64 },
	#[error(
		"storing {needed} bytes would exceed the store limit of {limit} bytes \
		 ({used} stored, {reserved} reserved by writes in progress)"
	)]
	OverLimit { needed: u64, used: u64, reserved: u64, limit: u64 },
	#[error("no shard {}", hex::encode(root))]
	NotFound { root: Root },
	#[error("an earlier error aborted this write; start a new one")]
	WriteAborted,
	#[error("cannot prove shard {}: {source}", hex::encode(root))]
	Prove { root: Root, source: ProveError },
	#[error("stored outboard of shard {} does not match its bytes", hex::encode(root))]
	OutboardMismatch { root: Root },
	#[error("reading the shard's source failed: {0}")]
	Source(#[source] io::Error),
	#[error("{}: {source}", path.display())]
	Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
	move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// Whether [`ShardStore::put`] stored the shard or found it already present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
	Stored,
	AlreadyPresent,
}

/// What [`ShardStore::open`] found and repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
	/// Shards kept.
	pub shards: usize,
	/// Leftover temporary files removed.
	pub temp_files_removed: usize,
	/// Outboards rebuilt because they were missing or of the wrong length.
	pub outboards_rebuilt: usize,
	/// Shards removed because their bytes do not hash to their name.
	pub corrupt_shards_removed: usize,
	/// Outboards removed because their shard is absent.
	pub orphan_outboards_removed: usize,
}

struct State {
	/// Length of every visible shard.
	shards: HashMap<Root, u64>,
	/// Bytes of visible shards and their outboards.
	used: u64,
	/// Bytes reserved by writes in progress.
	reserved: u64,
}

struct Inner {
	dir: PathBuf,
	limit: u64,
	state: Mutex<State>,
	temp_counter: AtomicU64,
}

/// A directory of shards and their outboards. See the crate documentation.
#[derive(Clone)]
pub struct ShardStore {
	inner: Arc<Inner>,
}

/// Bytes a shard of `len` bytes takes on disk: itself and its outboard.
pub fn stored_size(len: u64) -> u64 {
	len.saturating_add(Layout::new(len).outboard_len())
}

fn parse_root(hex_name: &str) -> Option<Root> {
	let mut root = [0u8; 32];
	hex::decode_to_slice(hex_name, &mut root).ok()?;
	Some(root)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
	File::open(dir).and_then(|d| d.sync_all()).map_err(io_error(dir))
}

impl ShardStore {
	/// Opens (creating it if needed) the store in `dir` with at most `limit` bytes of shards
	/// and outboards, and recovers from a crash: removes temporary files, rebuilds missing or
	/// truncated outboards (dropping a shard whose bytes do not match its name) and removes
	/// outboards without a shard. Shards with a consistent outboard are trusted, not rehashed:
	/// the write protocol only ever gives a file its final name after verifying and fsyncing it.
	pub fn open(dir: impl Into<PathBuf>, limit: u64) -> Result<(Self, Recovery), StoreError> {
		let dir = dir.into();
		fs::create_dir_all(&dir).map_err(io_error(&dir))?;
		let mut recovery = Recovery::default();
		let mut shard_files = HashMap::new();
		let mut outboard_files = HashMap::new();
		for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
			let entry = entry.map_err(io_error(&dir))?;
			let path = entry.path();
			let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
			if name.ends_with(TEMP_SUFFIX) {
				fs::remove_file(&path).map_err(io_error(&path))?;
				recovery.temp_files_removed += 1;
			} else if let Some(root) = name.strip_suffix(SHARD_SUFFIX).and_then(parse_root) {
				let len = entry.metadata().map_err(io_error(&path))?.len();
				shard_files.insert(root, len);
			} else if let Some(root) = name.strip_suffix(OUTBOARD_SUFFIX).and_then(parse_root) {
				let len = entry.metadata().map_err(io_error(&path))?.len();
				outboard_files.insert(root, len);
			}
		}
		let inner = Inner {
			dir,
			limit,
			state: Mutex::new(State { shards: HashMap::new(), used: 0, reserved: 0 }),
			temp_counter: AtomicU64::new(0),
		};
		let mut shards = HashMap::new();
		for (root, len) in shard_files {
			let outboard_ok = outboard_files.remove(&root) == Some(Layout::new(len).outboard_len());
			if !outboard_ok {
				if inner.rebuild_outboard(&root)? {
					recovery.outboards_rebuilt += 1;
				} else {
					recovery.corrupt_shards_removed += 1;
					continue;
				}
			}
			shards.insert(root, len);
		}
		for root in outboard_files.into_keys() {
			let path = inner.outboard_path(&root);
			fs::remove_file(&path).map_err(io_error(&path))?;
			recovery.orphan_outboards_removed += 1;
		}
		sync_dir(&inner.dir)?;
		recovery.shards = shards.len();
		{
			let mut state = inner.lock();
			state.used = shards.values().map(|&len| stored_size(len)).sum();
			state.shards = shards;
		}
		Ok((ShardStore { inner: Arc::new(inner) }, recovery))
	}

	/// The store directory.
	pub fn dir(&self) -> &Path {
		&self.inner.dir
	}

	/// The configured limit in bytes.
	pub fn limit(&self) -> u64 {
		self.inner.limit
	}

	/// Bytes taken by the stored shards and their outboards.
	pub fn disk_usage(&self) -> u64 {
		self.inner.lock().used
	}

	/// Bytes reserved by writes in progress and by [`Reservation`]s.
	pub fn reserved(&self) -> u64 {
		self.inner.lock().reserved
	}

	/// Reserves `bytes` against the limit for files kept outside the store (a repair's
	/// downloads) until the returned guard is dropped.
	pub fn reserve(&self, bytes: u64) -> Result<Reservation, StoreError> {
		self.inner.reserve(bytes)?;
		Ok(Reservation { store: self.inner.clone(), bytes })
	}

	/// The roots of all stored shards, sorted.
	pub fn list(&self) -> Vec<Root> {
		let mut roots: Vec<Root> = self.inner.lock().shards.keys().copied().collect();
		roots.sort_unstable();
		roots
	}

	/// The length of shard `root`, if stored.
	pub fn shard_len(&self, root: &Root) -> Option<u64> {
		self.inner.lock().shards.get(root).copied()
	}

	/// Whether shard `root` is stored.
	pub fn contains(&self, root: &Root) -> bool {
		self.shard_len(root).is_some()
	}

	/// Starts writing shard `root` of `expected_len` bytes. A shard that does not fit beside
	/// what is stored and reserved is refused here; space is then reserved as bytes arrive
	/// (shard and outboard), so a writer that stalls holds only what it wrote.
	pub fn begin_write(&self, root: Root, expected_len: u64) -> Result<ShardWriter, StoreError> {
		self.inner.check_fits(stored_size(expected_len))?;
		// From here on what is reserved is released by `ShardWriter`'s drop on any error.
		let mut writer = ShardWriter {
			store: self.inner.clone(),
			root,
			expected_len,
			reserved: 0,
			written: 0,
			builder: OutboardBuilder::new(),
			shard: None,
			outboard: None,
			failed: false,
		};
		writer.shard = Some(self.inner.create_temp(&root, SHARD_SUFFIX)?);
		writer.outboard = Some(self.inner.create_temp(&root, OUTBOARD_SUFFIX)?);
		Ok(writer)
	}

	/// Stores shard `root` of `expected_len` bytes read from `source`. If it is already
	/// stored, nothing is read. On any error nothing is left behind.
	pub fn put(
		&self,
		root: Root,
		expected_len: u64,
		mut source: impl Read,
	) -> Result<PutOutcome, StoreError> {
		if self.contains(&root) {
			return Ok(PutOutcome::AlreadyPresent);
		}
		let mut writer = self.begin_write(root, expected_len)?;
		let mut buf = vec![0u8; 1 << 16];
		loop {
			let n = match source.read(&mut buf) {
				Ok(0) => break,
				Ok(n) => n,
				Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
				Err(source) => return Err(StoreError::Source(source)),
			};
			writer.write_chunk(&buf[..n])?;
		}
		writer.finish()
	}

	/// A reader of the whole shard `root`. It stays readable if the shard is deleted meanwhile.
	pub fn read(&self, root: &Root) -> Result<File, StoreError> {
		self.require(root)?;
		let path = self.inner.shard_path(root);
		File::open(&path).map_err(|source| self.not_found_or_io(root, path, source))
	}

	/// The bytes of leaf `index` of shard `root`.
	pub fn leaf(&self, root: &Root, index: u64) -> Result<Vec<u8>, StoreError> {
		let layout = Layout::new(self.require(root)?);
		let path = self.inner.shard_path(root);
		let file = File::open(&path).map_err(|e| self.not_found_or_io(root, path.clone(), e))?;
		let leaves = read_leaves(root, &layout, &file, &path, &[index])?;
		Ok(leaves.into_iter().next().expect("one index, one leaf"))
	}

	/// The leaves `indices` (strictly increasing) of shard `root` and their combined proof,
	/// read from its outboard and the groups holding those leaves, which are rehashed.
	pub fn prove(&self, root: &Root, indices: &[u64]) -> Result<(Vec<Vec<u8>>, Proof), StoreError> {
		let layout = Layout::new(self.require(root)?);
		let path = self.inner.outboard_path(root);
		let outboard =
			File::open(&path).map_err(|e| self.not_found_or_io(root, path.clone(), e))?;
		let shard_path = self.inner.shard_path(root);
		let shard = File::open(&shard_path)
			.map_err(|e| self.not_found_or_io(root, shard_path.clone(), e))?;
		// `prove_with` checks the indices before it reads anything.
		let proof = prove_with(
			&layout,
			indices,
			|parent| {
				let mut pair = [0u8; PARENT_LEN];
				outboard
					.read_exact_at(&mut pair, parent * PARENT_LEN as u64)
					.map_err(|source| ProveFailure::Io(io_error(&path)(source)))?;
				Ok(pair)
			},
			|offset, group| {
				shard
					.read_exact_at(group, offset)
					.map_err(|source| ProveFailure::Io(io_error(&shard_path)(source)))
			},
		)
		.map_err(|failure| match failure {
			ProveFailure::Prove(source) => StoreError::Prove { root: *root, source },
			ProveFailure::Io(e) => e,
		})?;
		// The leaves come from the file the proof was made from, even if the shard is deleted
		// meanwhile.
		Ok((read_leaves(root, &layout, &shard, &shard_path, indices)?, proof))
	}

	/// Deletes shard `root` and its outboard.
	pub fn delete(&self, root: &Root) -> Result<(), StoreError> {
		let mut state = self.inner.lock();
		let len = state.shards.remove(root).ok_or(StoreError::NotFound { root: *root })?;
		state.used -= stored_size(len);
		// Shard first: once it is gone the shard is invisible, and a crash before the outboard
		// is removed leaves an orphan outboard that `open` removes.
		let shard = self.inner.shard_path(root);
		fs::remove_file(&shard).map_err(io_error(&shard))?;
		let outboard = self.inner.outboard_path(root);
		fs::remove_file(&outboard).map_err(io_error(&outboard))?;
		drop(state);
		sync_dir(&self.inner.dir)
	}

	/// Rehashes shard `root` and checks it against its name and its outboard (a scrub).
	pub fn verify(&self, root: &Root) -> Result<(), StoreError> {
		let file = self.read(root)?;
		let path = self.inner.shard_path(root);
		let (actual, _, nodes) =
			xmbl_merkle::outboard_from_reader(io::BufReader::new(file)).map_err(io_error(&path))?;
		if actual.as_bytes() != root {
			return Err(StoreError::RootMismatch { expected: *root, actual: *actual.as_bytes() });
		}
		let outboard_path = self.inner.outboard_path(root);
		let stored = fs::read(&outboard_path).map_err(io_error(&outboard_path))?;
		if stored != nodes {
			return Err(StoreError::OutboardMismatch { root: *root });
		}
		Ok(())
	}

	fn require(&self, root: &Root) -> Result<u64, StoreError> {
		self.shard_len(root).ok_or(StoreError::NotFound { root: *root })
	}

	fn not_found_or_io(&self, root: &Root, path: PathBuf, source: io::Error) -> StoreError {
		if source.kind() == io::ErrorKind::NotFound {
			StoreError::NotFound { root: *root }
		} else {
			StoreError::Io { path, source }
		}
	}
}

/// The leaves `indices` of shard `root` (of `layout`), read from its open `file` at `path`.
fn read_leaves(
	root: &Root,
	layout: &Layout,
	file: &File,
	path: &Path,
	indices: &[u64],
) -> Result<Vec<Vec<u8>>, StoreError> {
	let mut leaves = Vec::with_capacity(indices.len());
	for &index in indices {
		let (start, len) = layout.leaf_range(index).ok_or_else(|| StoreError::Prove {
			root: *root,
			source: xmbl_merkle::IndexError::OutOfRange { index, leaf_count: layout.leaf_count() }
				.into(),
		})?;
		let mut leaf = vec![0u8; len as usize];
		file.read_exact_at(&mut leaf, start).map_err(io_error(path))?;
		leaves.push(leaf);
	}
	Ok(leaves)
}

/// The error of reading outboard entries or shard groups for `prove_with`.
enum ProveFailure {
	Prove(ProveError),
	Io(StoreError),
}

impl From<ProveError> for ProveFailure {
	fn from(e: ProveError) -> Self {
		ProveFailure::Prove(e)
	}
}

impl Inner {
	fn lock(&self) -> MutexGuard<'_, State> {
		// A panic while holding the lock cannot leave `State` half-updated (each update is a
		// few integer and map operations), so a poisoned lock is still consistent.
		self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	fn over_limit(&self, state: &State, needed: u64) -> Option<StoreError> {
		let total = state.used.saturating_add(state.reserved).saturating_add(needed);
		(total > self.limit).then_some(StoreError::OverLimit {
			needed,
			used: state.used,
			reserved: state.reserved,
			limit: self.limit,
		})
	}

	/// Fails if `needed` more bytes would not fit now.
	fn check_fits(&self, needed: u64) -> Result<(), StoreError> {
		self.over_limit(&self.lock(), needed).map_or(Ok(()), Err)
	}

	/// Reserves `needed` bytes against the limit.
	fn reserve(&self, needed: u64) -> Result<(), StoreError> {
		let mut state = self.lock();
		if let Some(error) = self.over_limit(&state, needed) {
			return Err(error);
		}
		state.reserved += needed;
		Ok(())
	}

	fn release(&self, bytes: u64) {
		if bytes > 0 {
			self.lock().reserved -= bytes;
		}
	}

	fn shard_path(&self, root: &Root) -> PathBuf {
		self.dir.join(format!("{}{SHARD_SUFFIX}", hex::encode(root)))
	}

	fn outboard_path(&self, root: &Root) -> PathBuf {
		self.dir.join(format!("{}{OUTBOARD_SUFFIX}", hex::encode(root)))
	}

	fn create_temp(&self, root: &Root, kind: &str) -> Result<(File, PathBuf), StoreError> {
		let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
		let name = format!("{}{kind}.{}-{n}{TEMP_SUFFIX}", hex::encode(root), std::process::id());
		let path = self.dir.join(name);
		let file = OpenOptions::new()
			.write(true)
			.create_new(true)
			.open(&path)
			.map_err(io_error(&path))?;
		Ok((file, path))
	}

	/// Rehashes shard `root`; if it matches its name, writes its outboard (crash-safely) and
	/// returns `true`, else removes the shard and returns `false`.
	fn rebuild_outboard(&self, root: &Root) -> Result<bool, StoreError> {
		let shard_path = self.shard_path(root);
		let file = File::open(&shard_path).map_err(io_error(&shard_path))?;
		let (actual, _, nodes) = xmbl_merkle::outboard_from_reader(io::BufReader::new(file))
			.map_err(io_error(&shard_path))?;
		if actual.as_bytes() != root {
			fs::remove_file(&shard_path).map_err(io_error(&shard_path))?;
			let outboard = self.outboard_path(root);
			match fs::remove_file(&outboard) {
				Ok(()) => {},
				Err(e) if e.kind() == io::ErrorKind::NotFound => {},
				Err(e) => return Err(io_error(&outboard)(e)),
			}
			return Ok(false);
		}
		let (mut temp, temp_path) = self.create_temp(root, OUTBOARD_SUFFIX)?;
		let written = temp.write_all(&nodes).and_then(|()| temp.sync_all());
		if let Err(e) = written {
			let _ = fs::remove_file(&temp_path);
			return Err(io_error(&temp_path)(e));
		}
		let outboard = self.outboard_path(root);
		fs::rename(&temp_path, &outboard).map_err(io_error(&outboard))?;
		Ok(true)
	}
}

/// Space held against the store's limit by [`ShardStore::reserve`], released on drop.
pub struct Reservation {
	store: Arc<Inner>,
	bytes: u64,
}

impl Drop for Reservation {
	fn drop(&mut self) {
		self.store.release(self.bytes);
	}
}

/// A shard being written: feed it with [`write_chunk`](Self::write_chunk) or [`Write`], then
/// [`finish`](Self::finish). Dropping it unfinished (or any error) removes its temporary files
/// and releases its reserved space.
pub struct ShardWriter {
	store: Arc<Inner>,
	root: Root,
	expected_len: u64,
	reserved: u64,
	written: u64,
	builder: OutboardBuilder,
	shard: Option<(File, PathBuf)>,
	outboard: Option<(File, PathBuf)>,
	failed: bool,
}

impl ShardWriter {
	/// The root this writer checks against.
	pub fn root(&self) -> &Root {
		&self.root
	}

	/// The length the shard must have.
	pub fn expected_len(&self) -> u64 {
		self.expected_len
	}

	/// Bytes written so far.
	pub fn written(&self) -> u64 {
		self.written
	}

	/// Appends the next bytes. More bytes than declared abort the write.
	pub fn write_chunk(&mut self, data: &[u8]) -> Result<(), StoreError> {
		if self.failed {
			return Err(StoreError::WriteAborted);
		}
		let result = self.append(data);
		if result.is_err() {
			self.abort();
		}
		result
	}

	fn append(&mut self, data: &[u8]) -> Result<(), StoreError> {
		if self.written + data.len() as u64 > self.expected_len {
			return Err(StoreError::TooLong { expected_len: self.expected_len });
		}
		self.reserve_up_to(stored_size(self.written + data.len() as u64))?;
		let (file, path) = self.shard.as_mut().expect("present until finish or abort");
		file.write_all(data).map_err(io_error(path))?;
		self.builder.update(data);
		self.written += data.len() as u64;
		let nodes = self.builder.take_nodes();
		if !nodes.is_empty() {
			let (file, path) = self.outboard.as_mut().expect("present until finish or abort");
			file.write_all(&nodes).map_err(io_error(path))?;
		}
		Ok(())
	}

	/// Grows this write's reservation to `total` bytes, if the limit allows.
	fn reserve_up_to(&mut self, total: u64) -> Result<(), StoreError> {
		let more = total.saturating_sub(self.reserved);
		if more > 0 {
			self.store.reserve(more)?;
			self.reserved += more;
		}
		Ok(())
	}

	/// Checks length and root, makes the shard durable and visible, and accounts its space.
	/// If the shard was stored meanwhile (by another writer), the result is the same shard.
	pub fn finish(mut self) -> Result<PutOutcome, StoreError> {
		if self.failed {
			return Err(StoreError::WriteAborted);
		}
		let result = self.commit();
		if result.is_err() {
			self.abort();
		}
		result
	}

	fn commit(&mut self) -> Result<PutOutcome, StoreError> {
		if self.written != self.expected_len {
			return Err(StoreError::TooShort {
				expected_len: self.expected_len,
				actual_len: self.written,
			});
		}
		// The outboard's last nodes are written now: the whole stored size is reserved.
		self.reserve_up_to(stored_size(self.expected_len))?;
		let builder = std::mem::take(&mut self.builder);
		let (actual, rest) = builder.finalize();
		if actual.as_bytes() != &self.root {
			return Err(StoreError::RootMismatch {
				expected: self.root,
				actual: *actual.as_bytes(),
			});
		}
		{
			let (file, path) = self.outboard.as_mut().expect("present until finish or abort");
			file.write_all(&rest).and_then(|()| file.sync_all()).map_err(io_error(path))?;
			let (file, path) = self.shard.as_mut().expect("present until finish or abort");
			file.sync_all().map_err(io_error(path))?;
		}
		let store = self.store.clone();
		let mut state = store.lock();
		if state.shards.contains_key(&self.root) {
			drop(state);
			self.abort();
			return Ok(PutOutcome::AlreadyPresent);
		}
		// Outboard first: a shard is only ever visible with its outboard in place.
		let (_, outboard_temp) = self.outboard.take().expect("present until finish or abort");
		let outboard_path = store.outboard_path(&self.root);
		let renamed = fs::rename(&outboard_temp, &outboard_path).map_err(io_error(&outboard_path));
		if let Err(e) = renamed {
			let _ = fs::remove_file(&outboard_temp);
			return Err(e);
		}
		let (_, shard_temp) = self.shard.take().expect("present until finish or abort");
		let shard_path = store.shard_path(&self.root);
		if let Err(e) = fs::rename(&shard_temp, &shard_path).map_err(io_error(&shard_path)) {
			let _ = fs::remove_file(&shard_temp);
			let _ = fs::remove_file(&outboard_path);
			return Err(e);
		}
		state.shards.insert(self.root, self.expected_len);
		state.used += self.reserved;
		state.reserved -= self.reserved;
		self.reserved = 0;
		drop(state);
		sync_dir(&store.dir)?;
		Ok(PutOutcome::Stored)
	}

	/// Removes the temporary files and releases the reservation (idempotent).
	fn abort(&mut self) {
		self.failed = true;
		for (file, path) in [self.shard.take(), self.outboard.take()].into_iter().flatten() {
			drop(file);
			// Best effort: a file that cannot be removed now is removed by the next `open`.
			let _ = fs::remove_file(path);
		}
		self.store.release(std::mem::take(&mut self.reserved));
	}
}

impl Drop for ShardWriter {
	fn drop(&mut self) {
		self.abort();
	}
}

impl Write for ShardWriter {
	fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
		self.write_chunk(buf).map_err(io::Error::other)?;
		Ok(buf.len())
	}

	fn flush(&mut self) -> io::Result<()> {
		Ok(())
	}
}
