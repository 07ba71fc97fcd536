#!/usr/bin/env bash
# Test of the setup's toolchain check, run by scripts/test.sh: a fresh machine can have
# the pinned toolchain without its WASM targets. Removes one target that
# rust-toolchain.toml lists from that toolchain, runs the check, and fails unless the
# check said it added the target and the target is installed again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
channel=$(sed -n 's/^channel[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' rust-toolchain.toml)
target=wasm32-wasip1
toolchain_file_list targets | grep -qx "$target" || {
	echo "error: rust-toolchain.toml no longer lists $target; pick another target here" >&2
	exit 1
}
rustup target remove --toolchain "$channel" "$target" >/dev/null 2>&1
said=$(ensure_toolchain)
echo "$said"
failed=0
grep -qx "adding Rust targets to $channel: $target" <<<"$said" || {
	echo "error: the check did not say it added $target" >&2
	failed=1
}
rustup target list --toolchain "$channel" --installed | grep -qx "$target" || {
	echo "error: $target is not installed after the check" >&2
	failed=1
}
echo "setup check: $((1 - failed)) passed, $failed failed"
exit "$failed"
