#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Installs what the tests need (Kamailio, sipp,
# baresip, Chromium, the WebKit WebDriver, Xvfb), builds the web UI, the `dialtone` binary and
# the desktop app the end-to-end tests run, then runs every test.
source "$(dirname "$0")/lib.sh"
# baresip: the far end of call tests (tests/src/baresip.rs); iproute2 (ss) for scripts/bench-call.sh.
CALL_PACKAGES=(baresip iproute2)
# Browser tests: Debian's Chromium driven by npm playwright-core (no browser download).
BROWSER_PACKAGES=(chromium)
# The desktop smoke test: the real app under Xvfb, driven by tauri-driver through
# WebKitWebDriver, with a D-Bus session for the tray and notifications; GNOME Keyring for
# the keyring tests (a private Secret Service in a throwaway home).
DESKTOP_TEST_PACKAGES=(webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring)
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${CALL_PACKAGES[@]}" \
    "${BROWSER_PACKAGES[@]}" "${DESKTOP_TEST_PACKAGES[@]}"
ensure_node
ensure_rust
if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "==> installing tauri-driver (crates.io)"
    cargo install --locked tauri-driver@2.1.0
fi
cd "$ROOT"
echo "==> npm packages of the browser tests (tests/browser, from package-lock.json)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
build_ui
echo "==> UI unit tests (vitest)"
(cd ui && npm test --silent)
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
echo "==> building"
cargo build --workspace --bins
echo "==> unit and layer tests"
cargo test --workspace --exclude dialtone-e2e
echo "==> the UI's TypeScript types match crates/api (ts-rs)"
cargo test -p dialtone-api --features ts
echo "==> end-to-end tests (real Kamailio, baresip, sipp, Chromium and the desktop app on loopback)"
cargo test -p dialtone-e2e -- --nocapture
