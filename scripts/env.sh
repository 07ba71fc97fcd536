# Sourced by the scripts: the shared cargo target dir, outside the work tree so
# that a fresh clone (or CI) reuses an earlier build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/xmbl/target}"
export XMBL_NODE="${XMBL_NODE:-$CARGO_TARGET_DIR/debug/xmbl-node}"

# Every script builds with this one command: the same packages and targets give the
# same feature set, so switching between scripts never recompiles shared crates.
build_workspace() {
	# `--test e2e`: the end-to-end binary is `test = false`, so `--tests` leaves it out.
	cargo build --locked --workspace --bins --tests --test e2e
}
