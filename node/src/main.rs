//! `xmbl-node`: the XMBL blockchain node.

mod chain_spec;
mod cli;
mod command;
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
