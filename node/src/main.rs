//! `xmbl-node`: the XMBL blockchain node.

// sc-cli's and sc-service's error enums are large; they are returned once per
// command, so boxing them at every call would only add noise.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod provider_chain;
mod rpc;
mod service;

fn main() {
	if let Err(error) = command::run() {
		// One line that says what went wrong: sc-cli's errors carry their cause in
		// their `Display`, and `main` returning `Err` would print the `Debug` form.
		eprintln!("Error: {}", cli::describe_error(&error));
		std::process::exit(1);
	}
}
