#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Installs what the tests need (Kamailio, sipp,
# openssl), builds the `dialtone` binary the end-to-end tests run, then runs every test.
source "$(dirname "$0")/lib.sh"
# baresip: the far end of call tests (tests/src/baresip.rs); iproute2 (ss) for scripts/bench-call.sh.
# (cmake and libasound2-dev, for the bundled libopus and ALSA, are BUILD_PACKAGES in lib.sh.)
CALL_PACKAGES=(baresip iproute2)
# The bridge's browser test: Debian's Chromium driven by npm playwright-core (no browser
# download); Node.js and npm from Debian unless a Node.js with npm is already there.
BROWSER_PACKAGES=(chromium)
command -v npm >/dev/null 2>&1 || BROWSER_PACKAGES+=(nodejs npm)
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${CALL_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}"
ensure_rust
cd "$ROOT"
echo "==> npm packages of the browser tests (tests/browser, from package-lock.json)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> building"
cargo build --workspace --bins
echo "==> unit and layer tests"
cargo test --workspace --exclude dialtone-e2e
echo "==> end-to-end tests (real Kamailio, sipp and the dialtone binary on loopback)"
cargo test -p dialtone-e2e -- --nocapture
