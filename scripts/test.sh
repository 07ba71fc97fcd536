#!/usr/bin/env bash
# The README's second command: every test. Pallet and engine unit tests, the
# end-to-end tests that start real xmbl-node processes on loopback, and the
# polkadot.js and polkadot-api compatibility tests against a real dev node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# Build the binaries with the same features the tests resolve, so that `cargo test`
# reuses every compiled crate instead of building a second set.
build_workspace
cargo test --locked --workspace
# The engines' parts the runtime uses build without std.
cargo build --locked -p xmbl-merkle -p xmbl-file-format --no-default-features --target wasm32v1-none
# The pallets' benchmarks, run once each as tests (compiles only the pallets with the feature).
cargo test --locked -p pallet-xmbl-providers -p pallet-xmbl-storage --features runtime-benchmarks
# Each JS test file starts its own `xmbl-node --dev` ($XMBL_NODE, from scripts/env.sh);
# deal.test.js also runs the `xmbl` client built next to it.
(cd tests/polkadot-js && npm test)
