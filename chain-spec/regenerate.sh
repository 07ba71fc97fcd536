#!/usr/bin/env bash
# Regenerate chain-spec/local.json, the raw spec of the three-validator local
# network, from the current runtime. Its bootnodes (127.0.0.1:30333-30335) and
# their peer ids are built into `xmbl-node --chain local`; see docs/chain.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build_workspace
"$XMBL_NODE" build-spec --chain local --raw --disable-default-bootnode > chain-spec/local.json
echo "wrote chain-spec/local.json"
