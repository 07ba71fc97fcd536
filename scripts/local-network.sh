#!/usr/bin/env bash
# Start the validators of chain-spec/local.json on loopback: `scripts/local-network.sh [N]`
# starts the first N of Alice, Bob and Charlie (default: all 3, the spec's authorities).
# Node i (0-based) listens on p2p port 30333+i and serves RPC on ws://127.0.0.1:(9945+i),
# so it never clashes with scripts/dev.sh on 9944; it is also its validator's storage
# provider, serving shards on http://127.0.0.1:(30400+i) as the spec registers it. Ctrl-C
# stops them all; if one dies, the others are stopped and its log tail is printed.
# Databases, shards and logs live under $XMBL_LOCAL_DIR if given (kept), else in a
# temporary folder removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

validators=(alice bob charlie)
count="${1:-${#validators[@]}}"
if ! [[ "$count" =~ ^[0-9]+$ ]] || [ "$count" -lt 1 ] || [ "$count" -gt ${#validators[@]} ]; then
	echo "error: the node count must be 1 to ${#validators[@]} (the spec's validators), not '$count'" >&2
	exit 2
fi

build_workspace
if [ -n "${XMBL_LOCAL_DIR:-}" ]; then
	data_dir="$XMBL_LOCAL_DIR"
	mkdir -p "$data_dir"
	remove_data_dir=false
else
	data_dir="$(mktemp -d -t xmbl-local-XXXX)"
	remove_data_dir=true
fi

pids=()
names=()
stop_all() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if $remove_data_dir; then rm -rf "$data_dir"; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for ((index = 0; index < count; index++)); do
	name="${validators[$index]}"
	suri="//${name^}"
	# The spec's bootnodes are these nodes: fixed node keys 0x..01-03 on ports 30333-30335.
	"$XMBL_NODE" --chain chain-spec/local.json --"$name" --validator \
		--base-path "$data_dir/$name" \
		--node-key "$(printf '%064x' $((index + 1)))" \
		--port $((30333 + index)) --rpc-port $((9945 + index)) \
		--provider "$suri" --storage-port $((30400 + index)) \
		--no-mdns --no-prometheus 2>"$data_dir/$name.log" &
	pids+=($!)
	names+=("$name")
	echo "$name: ws://127.0.0.1:$((9945 + index)), shards on http://127.0.0.1:$((30400 + index)), log $data_dir/$name.log"
done

# Every node runs until Ctrl-C: the first one to exit is a failure.
set +e
wait -n -p exited_pid "${pids[@]}"
status=$?
set -e
for index in "${!pids[@]}"; do
	if [ "${pids[$index]}" = "$exited_pid" ]; then
		name="${names[$index]}"
		echo "error: $name exited ($status); the last lines of $data_dir/$name.log:" >&2
		tail -n 30 "$data_dir/$name.log" >&2
	fi
done
exit 1
