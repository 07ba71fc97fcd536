# Sourced by the scripts: the shared cargo target dir, outside the work tree so
# that a fresh clone (or CI) reuses an earlier build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/xmbl/target}"
export XMBL_NODE="${XMBL_NODE:-$CARGO_TARGET_DIR/debug/xmbl-node}"
