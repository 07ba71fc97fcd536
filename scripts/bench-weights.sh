#!/usr/bin/env bash
# Regenerate runtime/src/weights/: build xmbl-node with `--features runtime-benchmarks` in
# the release profile, then run `xmbl-node benchmark pallet` for every pallet the runtime
# lists in `define_benchmarks!` (runtime/src/benchmarks.rs) and write its weight file.
#   scripts/bench-weights.sh [PALLET...]    (all of them by default)
# On 2 cores the cold release build took 45 minutes (2026-12-06), the benchmarks 28 (2026-12-07);
# docs/chain.md ("Weights") has the figures, docs/storage.md how the bounds follow from them.
# Run it on an otherwise idle machine: the weights are the times measured.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/toolchain.sh
ensure_toolchain

cargo build --locked --release -p xmbl-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/xmbl-node"

if [ $# -gt 0 ]; then
	pallets=("$@")
else
	# `--list=pallets` prints a header line, then one pallet a line.
	mapfile -t pallets < <("$node" benchmark pallet --chain dev --list=pallets | tail -n +2)
fi
[ ${#pallets[@]} -gt 0 ] || { echo "error: the runtime lists no benchmarks" >&2; exit 1; }

for pallet in "${pallets[@]}"; do
	output="runtime/src/weights/$pallet.rs"
	echo "benchmarking $pallet -> $output"
	"$node" benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*' \
		--steps 10 --repeat 5 --wasm-execution compiled --output "$output"
	# The template names the trait `<pallet>::WeightInfo`; the extensions' trait is
	# frame_system's `ExtensionsWeightInfo`.
	if [ "$pallet" = frame_system_extensions ]; then
		sed -i 's/frame_system_extensions::WeightInfo/frame_system::ExtensionsWeightInfo/' "$output"
	fi
done
