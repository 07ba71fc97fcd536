# Sourced by scripts/setup.sh and scripts/test-setup.sh: makes sure the toolchain in
# force has every target and component that rust-toolchain.toml lists.
#
# rustup adds a toolchain file's targets and components only when it installs the
# toolchain itself, never to a toolchain of that name that is already on the machine,
# so a machine with Rust 1.95.0 but without the WASM targets would otherwise build for
# a quarter of an hour and then fail in the runtime's build script.

# The values of one array key of rust-toolchain.toml (`targets` or `components`), one a
# line. The file keeps each array on one line.
toolchain_file_list() {
	sed -n "s/^$1[[:space:]]*=[[:space:]]*\[\(.*\)\]/\1/p" rust-toolchain.toml | tr -d '" ' | tr ',' '\n' | sed '/^$/d'
}

ensure_toolchain() {
	if ! command -v rustup >/dev/null; then
		echo "error: rustup is missing; install it (https://rustup.rs), then run scripts/setup.sh again" >&2
		return 1
	fi
	local channel
	channel=$(sed -n 's/^channel[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' rust-toolchain.toml)
	if ! rustup run "$channel" rustc --version >/dev/null 2>&1; then
		echo "installing Rust toolchain $channel"
		rustup toolchain install "$channel" --profile minimal
	fi
	local installed missing=() target component
	installed=$(rustup target list --toolchain "$channel" --installed)
	for target in $(toolchain_file_list targets); do
		grep -qx "$target" <<<"$installed" || missing+=("$target")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "adding Rust targets to $channel: ${missing[*]}"
		rustup target add --toolchain "$channel" "${missing[@]}" || {
			echo "error: could not add targets; fix: rustup target add --toolchain $channel ${missing[*]}" >&2
			return 1
		}
	fi
	missing=()
	installed=$(rustup component list --toolchain "$channel" --installed)
	for component in $(toolchain_file_list components); do
		# Installed components carry the host triple: `rust-src`, `clippy-x86_64-…`.
		grep -Eq "^$component(-|$)" <<<"$installed" || missing+=("$component")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "adding Rust components to $channel: ${missing[*]}"
		rustup component add --toolchain "$channel" "${missing[@]}" || {
			echo "error: could not add components; fix: rustup component add --toolchain $channel ${missing[*]}" >&2
			return 1
		}
	fi
}
