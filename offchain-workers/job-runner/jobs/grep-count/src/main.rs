//! An example compute job meant for a stored file: prints how many lines of standard input
//! contain the pattern given as its one argument, as `grep -c -F PATTERN` counts them (lines
//! end at newlines; a last line without one counts; the empty pattern matches every line).
//! Without exactly one argument it writes its usage to stderr and exits with code 2.

use std::{
	io::{self, Read, Write},
	process::ExitCode,
};

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let [pattern] = &args[..] else {
		eprintln!("usage: grep-count PATTERN (one argument, {} given)", args.len());
		return ExitCode::from(2);
	};
	let mut input = Vec::new();
	io::stdin().read_to_end(&mut input).expect("read standard input");
	let count = lines(&input).filter(|line| contains(line, pattern.as_bytes())).count();
	writeln!(io::stdout(), "{count}").expect("write standard output");
	ExitCode::SUCCESS
}

/// The lines of `input` without their newlines: none in empty input, and no empty line after
/// a final newline.
fn lines(input: &[u8]) -> impl Iterator<Item = &[u8]> {
	let body = input.strip_suffix(b"\n").or((!input.is_empty()).then_some(input));
	body.into_iter().flat_map(|body| body.split(|&byte| byte == b'\n'))
}

fn contains(line: &[u8], pattern: &[u8]) -> bool {
	pattern.is_empty() || line.windows(pattern.len()).any(|window| window == pattern)
}
