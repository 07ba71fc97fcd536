#!/usr/bin/env bash
# Start the three validators of chain-spec/local.json (Alice, Bob, Charlie) on
# loopback: p2p ports 30333-30335, RPC ports 9944-9946. Ctrl-C stops all three.
# Databases live under $XMBL_LOCAL_DIR (default: a fresh temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build_workspace
data_dir="${XMBL_LOCAL_DIR:-$(mktemp -d -t xmbl-local-XXXX)}"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
index=0
for name in alice bob charlie; do
	"$XMBL_NODE" --chain chain-spec/local.json --"$name" --validator \
		--base-path "$data_dir/$name" \
		--node-key "$(printf '%064x' $((index + 1)))" \
		--port $((30333 + index)) --rpc-port $((9944 + index)) --rpc-cors all \
		--no-mdns --no-prometheus 2> "$data_dir/$name.log" &
	pids+=($!)
	echo "$name: ws://127.0.0.1:$((9944 + index)), log $data_dir/$name.log"
	index=$((index + 1))
done
wait
