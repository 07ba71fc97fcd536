//! An example compute job: prints `lines words bytes` of standard input, as `wc` counts them
//! (lines are newlines, words are runs of non-whitespace bytes).

use std::io::{self, Read, Write};

fn main() {
	let mut input = Vec::new();
	io::stdin().read_to_end(&mut input).expect("read standard input");
	let lines = input.iter().filter(|&&byte| byte == b'\n').count();
	let words = input.split(u8::is_ascii_whitespace).filter(|word| !word.is_empty()).count();
	writeln!(io::stdout(), "{lines} {words} {}", input.len()).expect("write standard output");
}
