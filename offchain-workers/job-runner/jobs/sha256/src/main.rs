//! An example compute job: writes the SHA-256 digest of standard input, 32 raw bytes.

use sha2::{Digest, Sha256};
use std::io::{self, Write};

fn main() {
	let mut hasher = Sha256::new();
	io::copy(&mut io::stdin().lock(), &mut hasher).expect("read standard input");
	io::stdout().write_all(&hasher.finalize()).expect("write standard output");
}
