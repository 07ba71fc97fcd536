#!/usr/bin/env bash
# Install what building and testing XMBL needs and is missing on this machine:
# the rustup targets and components, the Debian packages the build uses, and the
# npm packages of the polkadot.js compatibility test. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_rustup=()
installed_targets=$(rustup target list --installed)
for target in wasm32v1-none wasm32-wasip1; do
	grep -qx "$target" <<<"$installed_targets" || need_rustup+=("$target")
done
if [ ${#need_rustup[@]} -gt 0 ]; then
	rustup target add "${need_rustup[@]}"
fi
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

# A C/C++ compiler (binaryen, secp256k1), protoc (litep2p), make, git, and Node.js
# for the polkadot.js test.
missing_packages=()
command -v cc >/dev/null || missing_packages+=(build-essential)
command -v c++ >/dev/null || missing_packages+=(g++)
command -v make >/dev/null || missing_packages+=(make)
command -v protoc >/dev/null || missing_packages+=(protobuf-compiler)
command -v git >/dev/null || missing_packages+=(git)
command -v node >/dev/null || missing_packages+=(nodejs)
command -v npm >/dev/null || missing_packages+=(npm)
if [ ${#missing_packages[@]} -gt 0 ]; then
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing_packages[@]}"
fi

if [ ! -d tests/polkadot-js/node_modules ]; then
	(cd tests/polkadot-js && npm ci --no-audit --no-fund)
fi
