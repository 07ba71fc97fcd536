#!/usr/bin/env bash
# Install what building and testing XMBL needs and is missing on this machine: the
# Rust toolchain's targets and components that rust-toolchain.toml lists, the Debian
# packages the build uses, and the npm packages of the JS compatibility tests.
# Safe to run again: it installs only what is missing and says what it added.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
ensure_toolchain

# C/C++ compilers and make (binaryen, secp256k1, vendored OpenSSL, which also needs
# perl), protoc (litep2p), pkg-config, git, curl, certificates, and Node.js with npm
# for the JS tests.
debian_packages=(
	build-essential g++ make perl pkg-config protobuf-compiler git curl ca-certificates
)
missing_packages=()
for package in "${debian_packages[@]}"; do
	dpkg -s "$package" >/dev/null 2>&1 || missing_packages+=("$package")
done
# Node.js from NodeSource ships npm and conflicts with Debian's npm package: ask for
# the packages only when the commands are missing.
command -v node >/dev/null || missing_packages+=(nodejs)
command -v npm >/dev/null || missing_packages+=(npm)
if [ ${#missing_packages[@]} -gt 0 ]; then
	as_root=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "error: missing Debian packages (${missing_packages[*]}); run as root or install sudo" >&2
			exit 1
		fi
		as_root=(sudo)
	fi
	echo "installing ${missing_packages[*]}"
	"${as_root[@]}" apt-get update
	DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends \
		"${missing_packages[@]}"
fi

# The JS tests run on Node.js 20.10 or newer (global WebSocket behind a flag, node:test).
node_version=$(node --version)
node_major=${node_version#v}
node_major=${node_major%%.*}
node_minor=${node_version#v*.}
node_minor=${node_minor%%.*}
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 10 ]; }; then
	echo "error: Node.js $node_version is too old: the JS tests need 20.10 or newer" >&2
	exit 1
fi

# Reinstall the npm packages whenever package-lock.json differs from the one they were
# installed from (kept inside node_modules).
js_dir=tests/polkadot-js
if ! cmp -s "$js_dir/package-lock.json" "$js_dir/node_modules/.installed-package-lock.json"; then
	(cd "$js_dir" && npm ci --no-audit --no-fund)
	cp "$js_dir/package-lock.json" "$js_dir/node_modules/.installed-package-lock.json"
fi
