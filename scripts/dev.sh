#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start a dev node
# (validator, storage and compute provider at once) with RPC on ws://127.0.0.1:9944,
# and build the `xmbl` client next to it.
# Extra arguments go to xmbl-node. `--dev` starts from a fresh temporary database
# every time; `scripts/dev.sh --base-path <dir>` keeps the chain between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
build_workspace
exec "$XMBL_NODE" --dev "$@"
