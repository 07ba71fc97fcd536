//! Progress on stderr: a bar per phase, or a spinner while a command waits on the chain, when
//! stderr is a terminal; plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};

/// Progress on stderr: one bar (bytes, rate) when stderr is a terminal, plain lines
/// otherwise.
pub(crate) struct Report {
	terminal: bool,
	bar: Option<ProgressBar>,
}

/// Counts bytes into the current bar, if any.
#[derive(Clone)]
pub(crate) struct Meter(pub(crate) Option<ProgressBar>);

impl Meter {
	pub(crate) fn add(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc(bytes);
		}
	}

	/// Makes room for `bytes` more (a retry, a replacement download).
	pub(crate) fn grow(&self, bytes: u64) {
		if let Some(bar) = &self.0 {
			bar.inc_length(bytes);
		}
	}

	/// [`Report::step`], for a task that holds the meter only.
	pub(crate) fn step(&self, line: impl AsRef<str>) {
		print_line(self.0.as_ref(), line.as_ref());
	}
}

const BAR_TEMPLATE: &str =
	"{msg:12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}";

impl Report {
	pub(crate) fn new() -> Self {
		Self { terminal: std::io::stderr().is_terminal(), bar: None }
	}

	/// One line, above the bar if there is one.
	pub(crate) fn step(&self, line: impl AsRef<str>) {
		print_line(self.bar.as_ref(), line.as_ref());
	}

	/// Starts a phase that moves `total` bytes.
	pub(crate) fn start(&mut self, label: &str, total: u64) -> Meter {
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

	pub(crate) fn finish(&mut self) {
		if let Some(bar) = self.bar.take() {
			bar.finish_and_clear();
		}
	}
}

const SPINNER_TEMPLATE: &str = "{spinner} {msg} ({elapsed})";

/// What a command waits for, on stderr: one line under a spinner on a terminal, otherwise a
/// plain line each time it changes.
pub(crate) struct Waiting {
	spinner: Option<ProgressBar>,
	last: String,
}

impl Waiting {
	pub(crate) fn new() -> Self {
		let spinner = std::io::stderr().is_terminal().then(|| {
			let style = ProgressStyle::with_template(SPINNER_TEMPLATE)
				.expect("the spinner template is valid");
			let spinner = ProgressBar::new_spinner().with_style(style);
			spinner.enable_steady_tick(std::time::Duration::from_millis(120));
			spinner
		});
		Self { spinner, last: String::new() }
	}

	/// Shows `message` if it is not the one shown.
	pub(crate) fn set(&mut self, message: String) {
		if message == self.last {
			return;
		}
		match &self.spinner {
			Some(spinner) => spinner.set_message(message.clone()),
			None => eprintln!("{message}"),
		}
		self.last = message;
	}
}

impl Drop for Waiting {
	fn drop(&mut self) {
		if let Some(spinner) = self.spinner.take() {
			spinner.finish_and_clear();
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
pub(crate) struct Metered<T> {
	pub(crate) inner: T,
	pub(crate) meter: Meter,
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
	fn the_progress_templates_are_valid() {
		assert!(ProgressStyle::with_template(BAR_TEMPLATE).is_ok());
		assert!(ProgressStyle::with_template(SPINNER_TEMPLATE).is_ok());
	}
}
