#!/usr/bin/env bash
# The README's second command: every test. Pallet and engine unit tests, the
# end-to-end tests that start real xmbl-node processes on loopback, and the
# polkadot.js and polkadot-api compatibility tests against a real dev node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# The setup's toolchain check restores a target removed from the toolchain.
scripts/test-setup.sh
# Build the binaries with the same features the tests resolve, so that `cargo test`
# reuses every compiled crate instead of building a second set.
build_workspace
# The end-to-end tests (tests/tests/e2e/) start real xmbl-node processes and spend most of
# their time waiting for blocks, so they run in the background, side by side with the unit
# tests and the builds below; their output is shown when they end. They run in their own
# process group, so that a failure here stops them and every node they started.
e2e_log="$(mktemp -t xmbl-e2e-XXXXXX.log)"
setsid --wait cargo test --locked --workspace --test e2e >"$e2e_log" 2>&1 &
e2e_pid=$!
trap 'kill -- "-$e2e_pid" 2>/dev/null || true' EXIT
cargo test --locked --workspace
# The engines' parts the runtime uses build without std.
cargo build --locked -p xmbl-merkle -p xmbl-file-format --no-default-features --target wasm32v1-none
# The pallets' benchmarks, run once each as tests (compiles only the pallets with the feature).
cargo test --locked -p pallet-xmbl-providers -p pallet-xmbl-storage -p pallet-xmbl-validators \
	-p pallet-xmbl-compute \
	--features runtime-benchmarks
e2e_status=0
wait "$e2e_pid" || e2e_status=$?
cat "$e2e_log"
if [ "$e2e_status" -ne 0 ]; then
	echo "error: the end-to-end tests failed (exit $e2e_status); their output is above" >&2
	exit "$e2e_status"
fi
# Each JS test file starts its own `xmbl-node --dev` ($XMBL_NODE, from scripts/env.sh);
# deal.test.js also runs the `xmbl` client built next to it.
(cd tests/polkadot-js && npm test)
