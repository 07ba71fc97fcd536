//! Encodes a generated stream of N bytes (4 + 2, 1 MiB segments, encrypted) to sink writers and
//! prints the process's peak resident memory, to show it does not grow with the file:
//! `cargo run --release -p xmbl-file-format --example peak_memory -- 1073741824`.

use std::io::{self, Read};
use xmbl_file_format::{encode, EncodeParams, FileSecret};

/// `len` bytes of a fixed pattern, produced on demand.
struct Generated {
	left: u64,
	counter: u64,
}

impl Read for Generated {
	fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
		let n = buffer.len().min(self.left.try_into().unwrap_or(usize::MAX));
		for byte in &mut buffer[..n] {
			self.counter = self.counter.wrapping_mul(6364136223846793005).wrapping_add(1);
			*byte = (self.counter >> 56) as u8;
		}
		self.left -= n as u64;
		Ok(n)
	}
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn peak_rss_kib() -> Result<u64> {
	let status = std::fs::read_to_string("/proc/self/status")?;
	let line = status
		.lines()
		.find(|line| line.starts_with("VmHWM:"))
		.ok_or("no VmHWM in /proc/self/status")?;
	Ok(line.split_whitespace().nth(1).ok_or("malformed VmHWM")?.parse()?)
}

fn main() -> Result<()> {
	let len: u64 = std::env::args().nth(1).ok_or("usage: peak_memory <bytes>")?.parse()?;
	let mut sinks: Vec<io::Sink> = (0..6).map(|_| io::sink()).collect();
	let manifest = encode(
		Generated { left: len, counter: 1 },
		&EncodeParams::new(4, 2),
		FileSecret::Owner(b"peak memory owner"),
		&mut sinks,
	)?;
	println!(
		"encoded {} bytes into {} shards of {} bytes on {} threads; peak RSS {} KiB",
		manifest.plaintext_size,
		manifest.shards.len(),
		manifest.shard_size(),
		rayon::current_num_threads(),
		peak_rss_kib()?
	);
	Ok(())
}
