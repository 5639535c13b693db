#!/usr/bin/env bash
# Builds the desktop app's Linux bundles: the web UI, a release build, and a .deb with the
# icons from src-tauri/icons and a .desktop entry registering the tel:, sip:, sips: and
# callto: handlers. Prints where the bundle is.
#
#   scripts/bundle.sh               the .deb
#   scripts/bundle.sh appimage      an AppImage as well (Tauri's bundler downloads linuxdeploy
#                                   from GitHub for it, so it needs that network access)
#
# Updater artefacts are signed when TAURI_SIGNING_PRIVATE_KEY holds the release key.
source "$(dirname "$0")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}" file
ensure_node
ensure_rust
cd "$ROOT"
build_ui
bundles=deb
[ "${1:-}" = appimage ] && bundles=deb,appimage
echo "==> cargo tauri build --bundles $bundles (release)"
# The UI is built above; the CLI's own beforeBuildCommand would build it again.
ui/node_modules/.bin/tauri build --bundles "$bundles" --config '{"build":{"beforeBuildCommand":""}}'
echo "==> bundles:"
find "$CARGO_TARGET_DIR/release/bundle" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.AppImage' \) -print
