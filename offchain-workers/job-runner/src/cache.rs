//! Compiled modules by the BLAKE3 hash of their bytes, bounded by compiled code bytes, the
//! least recently used evicted first.

use std::{
	collections::HashMap,
	sync::{Mutex, MutexGuard},
};

/// A module's identity: the BLAKE3 hash of its bytes.
pub type ModuleHash = [u8; 32];

/// What the cache holds and how it has been used, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
	/// Modules held.
	pub modules: usize,
	/// Compiled code bytes held.
	pub bytes: usize,
	/// Runs that found their module compiled.
	pub hits: u64,
	/// Runs that compiled their module (valid or not).
	pub misses: u64,
}

struct Entry<V> {
	value: V,
	bytes: usize,
	last_used: u64,
}

struct Entries<V> {
	map: HashMap<ModuleHash, Entry<V>>,
	stats: CacheStats,
	/// Increases on every lookup and insert; an entry's `last_used` is the clock then.
	clock: u64,
}

pub(crate) struct ModuleCache<V> {
	capacity: usize,
	entries: Mutex<Entries<V>>,
}

impl<V: Clone> ModuleCache<V> {
	pub fn new(capacity: usize) -> Self {
		let entries = Entries { map: HashMap::new(), stats: CacheStats::default(), clock: 0 };
		Self { capacity, entries: Mutex::new(entries) }
	}

	fn lock(&self) -> MutexGuard<'_, Entries<V>> {
		// Every update is a few map and integer operations that cannot panic halfway, so a
		// poisoned lock still guards a consistent cache.
		self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// The compiled module for `hash`, counting a hit or a miss.
	pub fn get(&self, hash: &ModuleHash) -> Option<V> {
		let mut entries = self.lock();
		entries.clock += 1;
		let clock = entries.clock;
		let found = entries.map.get_mut(hash).map(|entry| {
			entry.last_used = clock;
			entry.value.clone()
		});
		match found {
			Some(_) => entries.stats.hits += 1,
			None => entries.stats.misses += 1,
		}
		found
	}

	/// Keeps `value` (`bytes` of compiled code) for `hash`, evicting the least recently used
	/// modules until it fits. A module larger than the whole cache is not kept.
	pub fn insert(&self, hash: ModuleHash, value: V, bytes: usize) {
		if bytes > self.capacity {
			return;
		}
		let mut entries = self.lock();
		// Two runs that missed at once both compile; the second insert replaces the first.
		if let Some(old) = entries.map.remove(&hash) {
			entries.stats.bytes -= old.bytes;
		}
		while entries.stats.bytes + bytes > self.capacity {
			let oldest = entries
				.map
				.iter()
				.min_by_key(|(_, entry)| entry.last_used)
				.map(|(hash, _)| *hash)
				.expect("bytes held are over zero, so some module is held");
			let evicted = entries.map.remove(&oldest).expect("found just above");
			entries.stats.bytes -= evicted.bytes;
		}
		entries.clock += 1;
		let last_used = entries.clock;
		entries.map.insert(hash, Entry { value, bytes, last_used });
		entries.stats.bytes += bytes;
	}

	pub fn stats(&self) -> CacheStats {
		let entries = self.lock();
		CacheStats { modules: entries.map.len(), ..entries.stats }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hash(n: u8) -> ModuleHash {
		[n; 32]
	}

	#[test]
	fn evicts_least_recently_used_until_the_new_module_fits() {
		let cache = ModuleCache::new(100);
		cache.insert(hash(1), 1, 40);
		cache.insert(hash(2), 2, 40);
		// Touch 1, so 2 is now the least recently used.
		assert_eq!(cache.get(&hash(1)), Some(1));
		cache.insert(hash(3), 3, 40);
		assert_eq!(cache.get(&hash(2)), None);
		assert_eq!(cache.get(&hash(1)), Some(1));
		assert_eq!(cache.get(&hash(3)), Some(3));
		assert_eq!(cache.stats(), CacheStats { modules: 2, bytes: 80, hits: 3, misses: 1 });

		// A module needing the whole cache evicts everything else.
		cache.insert(hash(4), 4, 100);
		assert_eq!(cache.stats().modules, 1);
		assert_eq!(cache.stats().bytes, 100);
	}

	#[test]
	fn does_not_keep_a_module_larger_than_the_cache() {
		let cache = ModuleCache::new(100);
		cache.insert(hash(1), 1, 60);
		cache.insert(hash(2), 2, 101);
		assert_eq!(cache.get(&hash(2)), None);
		assert_eq!(cache.get(&hash(1)), Some(1));
	}

	#[test]
	fn reinserting_a_module_replaces_it_without_double_counting() {
		let cache = ModuleCache::new(100);
		cache.insert(hash(1), 1, 60);
		cache.insert(hash(1), 10, 60);
		assert_eq!(cache.stats().bytes, 60);
		assert_eq!(cache.get(&hash(1)), Some(10));
	}
}
