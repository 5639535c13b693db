#!/usr/bin/env bash
# Quick start, step 1: install what is missing, build, and start Dialtone headless with the
# local example config (no PBX needed). Extra arguments go to `dialtone serve`, e.g.
#   scripts/start.sh --config ~/.config/dialtone/config.toml
source "$(dirname "$0")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}"
ensure_rust
cd "$ROOT"
cargo build --release -p dialtone-cli
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--config "$ROOT/config/local.example.toml")
echo "==> starting: dialtone serve --events ${args[*]}  (Ctrl-C to stop)"
exec "$CARGO_TARGET_DIR/release/dialtone" serve --events "${args[@]}"
