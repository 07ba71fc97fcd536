#!/usr/bin/env bash
# Storage figures on one machine: `xmbl put` and `xmbl get` of a random file (default
# 256 MiB, 3+2) through a dev node that serves the dev chain's five genesis providers on
# loopback, the proof traffic of the deal's first two periods (scripts/proof-traffic.mjs),
# then `get` again with the providers of two data shards down (their registered endpoints
# moved to a closed port, so the client must decode from parity), and the peak RSS of the
# client and of the node. Prints one JSON object; docs/storage.md has the figures.
#   scripts/bench-storage.sh [MiB]
# The dev providers' ports (30400-30404) must be free: stop scripts/dev.sh first.
# The debug binaries by default; XMBL_NODE and XMBL_CLIENT name others, such as release
# builds (`cargo build --release -p xmbl-node -p xmbl-client`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ -z "${XMBL_CLIENT:-}" ]; then build_workspace; fi
xmbl="${XMBL_CLIENT:-$CARGO_TARGET_DIR/debug/xmbl}"
size_mib="${1:-256}"
dir="$(mktemp -d -t xmbl-bench-XXXX)"
node_pid=""
cleanup() {
	if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT

"$XMBL_NODE" --dev --base-path "$dir/node" --rpc-port 0 --listen-addr /ip4/127.0.0.1/tcp/0 \
	--no-prometheus --no-telemetry --no-mdns 2>"$dir/node.log" &
node_pid=$!
url=""
for _ in $(seq 600); do
	port="$(sed -n 's/.*Running JSON-RPC server: addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/node.log" | head -1)"
	if [ -n "$port" ]; then url="ws://127.0.0.1:$port"; break; fi
	kill -0 "$node_pid" 2>/dev/null || { tail -20 "$dir/node.log" >&2; exit 1; }
	sleep 0.2
done
[ -n "$url" ] || { echo "error: the node serves no RPC" >&2; exit 1; }
export XMBL_URL="$url" XMBL_SURI=//Ferdie
until "$xmbl" balance >/dev/null 2>&1; do sleep 1; done

head -c "$((size_mib << 20))" /dev/urandom >"$dir/file"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# Runs a command with stdout to $dir/out.json; sets `seconds` and `peak_kib` (VmHWM, polled).
# Dirty pages are written back first, so that no run pays for the previous one's writes.
measure() {
	local start end hwm=0 value
	sync
	start="$(date +%s.%N)"
	"$@" >"$dir/out.json" 2>"$dir/err.log" &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		value="$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
		if [ -n "$value" ]; then hwm="$value"; fi
		sleep 0.05
	done
	wait "$pid" || { cat "$dir/err.log" >&2; exit 1; }
	end="$(date +%s.%N)"
	seconds="$(awk "BEGIN {printf \"%.1f\", $end - $start}")"
	peak_kib="$hwm"
}
field() { node -e "console.log(JSON.parse(require('fs').readFileSync('$dir/out.json'))$1)"; }
json_field() { node -e "console.log(JSON.stringify(JSON.parse(require('fs').readFileSync('$dir/out.json'))$1))"; }
mbs() { awk "BEGIN {printf \"%.1f\", $size_mib * 1.048576 / $1}"; }

measure "$xmbl" put "$dir/file"
put_seconds="$seconds" put_kib="$peak_kib"
deal="$(field .deal)"
# put's own phase times: encode, create_deal (until finalized), upload (selection,
# transfer and confirmations), total.
put_phases="$(json_field .seconds)"
put_upload_seconds="$(field .seconds.upload)"
node_kib="$(awk '/^VmHWM/ {print $2}' "/proc/$node_pid/status")"
proof_traffic="$(node scripts/proof-traffic.mjs "$url" "$deal" 2)"
measure "$xmbl" get "$deal" -o "$dir/back"
get_seconds="$seconds" get_kib="$peak_kib" get_phases="$(json_field .seconds)"
cmp -s "$dir/file" "$dir/back" || { echo "error: get returned other bytes" >&2; exit 1; }

# Down: the providers of data shards 0 and 1 point their endpoints at a closed port.
measure "$xmbl" deal "$deal"
for index in 0 1; do
	holder="$(field ".shards[$index].provider")"
	for suri in //Alice //Bob //Charlie //Dave //Eve; do
		if [ "$("$xmbl" balance "$suri" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).account)')" = "$holder" ]; then
			XMBL_SURI="$suri" "$xmbl" --wait in-block provider update --endpoint http://127.0.0.1:9 >/dev/null
		fi
	done
done
rm -f "$dir/back"
measure "$xmbl" get "$deal" -o "$dir/back"
down_seconds="$seconds" down_kib="$peak_kib" down_phases="$(json_field .seconds)"
cmp -s "$dir/file" "$dir/back" || { echo "error: get with 2 down returned other bytes" >&2; exit 1; }
used="$(field '.shards_used.join(",")')"

cat <<EOF
{"file_mib": $size_mib, "k": 3, "m": 2,
 "put": {"seconds": $put_seconds, "mb_per_s": $(mbs "$put_seconds"), "client_peak_rss_mib": $((put_kib / 1024)),
  "phases_seconds": $put_phases, "upload_phase_mb_per_s": $(mbs "$put_upload_seconds")},
 "get": {"seconds": $get_seconds, "mb_per_s": $(mbs "$get_seconds"), "client_peak_rss_mib": $((get_kib / 1024)), "phases_seconds": $get_phases},
 "get_2_down": {"seconds": $down_seconds, "mb_per_s": $(mbs "$down_seconds"), "shards_used": "$used", "client_peak_rss_mib": $((down_kib / 1024)), "phases_seconds": $down_phases},
 "proof_traffic": $proof_traffic,
 "node_peak_rss_mib_after_put": $((node_kib / 1024)),
 "load_average_before": "$load_before",
 "machine": "$(nproc) cores, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1)", "node": "$XMBL_NODE", "client": "$xmbl"}
EOF
