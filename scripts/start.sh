#!/usr/bin/env bash
# Quick start, step 1: install what is missing, build, and start Dialtone.
# With a display: the desktop app (window, tray, notifications). Without one (a server, an SSH
# session): the headless phone, `dialtone serve`. Both use the local example config, which
# needs no PBX, unless arguments say otherwise, e.g.
#   scripts/start.sh --config ~/.config/dialtone/config.toml
source "$(dirname "$0")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}"
ensure_node
ensure_rust
cd "$ROOT"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--config "$ROOT/config/local.example.toml")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${DIALTONE_HEADLESS:-}" ]; then
    build_ui
    cargo build --release -p dialtone-desktop
    echo "==> starting the desktop app: dialtone-desktop ${args[*]}  (quit from the tray menu or with Ctrl-C)"
    exec "$CARGO_TARGET_DIR/release/dialtone-desktop" "${args[@]}"
fi
cargo build --release -p dialtone-cli
echo "==> no display: starting headless: dialtone serve --events ${args[*]}  (Ctrl-C to stop)"
exec "$CARGO_TARGET_DIR/release/dialtone" serve --events "${args[@]}"
