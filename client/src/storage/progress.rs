//! Progress on stderr: a bar per phase when stderr is a terminal, plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};

/// Progress on stderr: one bar (bytes, rate) when stderr is a terminal, plain lines
/// otherwise.
pub(super) struct Report {
	terminal: bool,
	bar: Option<ProgressBar>,
}

/// Counts bytes into the current bar, if any.
#[derive(Clone)]
pub(super) struct Meter(pub(super) Option<ProgressBar>);

impl Meter {
	pub(super) fn add(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc(bytes);
		}
	}

	/// Makes room for `bytes` more (a retry, a replacement download).
	pub(super) fn grow(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc_length(bytes);
		}
	}

	/// [`Report::step`], for a task that holds the meter only.
	pub(super) fn step(&self, line: impl AsRef<str>) {
		print_line(self.0.as_ref(), line.as_ref());
	}
}

const BAR_TEMPLATE: &str =
	"{msg:12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}";

impl Report {
	pub(super) fn new() -> Self {
		Self { terminal: std::io::stderr().is_terminal(), bar: None }
	}

	/// One line, above the bar if there is one.
	pub(super) fn step(&self, line: impl AsRef<str>) {
		print_line(self.bar.as_ref(), line.as_ref());
	}

	/// Starts a phase that moves `total` bytes.
	pub(super) fn start(&mut self, label: &str, total: u64) -> Meter {
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

	pub(super) fn finish(&mut self) {
		if let Some(bar) = self.bar.take() {
			bar.finish_and_clear();
		}
	}
}

fn print_line(bar: Option<&ProgressBar>, line: &str) {
	match bar {
		Some(bar) => bar.println(line),
		None => eprintln!("{line}"),
	}
}

/// Counts what passes through a reader or writer into a meter.
pub(super) struct Metered<T> {
	pub(super) inner: T,
	pub(super) meter: Meter,
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_progress_bar_template_is_valid() {
		assert!(ProgressStyle::with_template(BAR_TEMPLATE).is_ok());
	}
}
