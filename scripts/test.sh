#!/usr/bin/env bash
# The README's second command: every test. Pallet and engine unit tests, the
# end-to-end tests that start real xmbl-node processes on loopback, and the
# polkadot.js compatibility test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# Build the binaries with the same features the tests resolve, so that `cargo test`
# reuses every compiled crate instead of building a second set.
build_workspace
cargo test --locked --workspace
(cd tests/polkadot-js && npm test)
