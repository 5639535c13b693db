#!/usr/bin/env bash
# Quick start, step 2: the whole test suite. Installs what the tests need (Kamailio, sipp,
# openssl), builds the `dialtone` binary the end-to-end tests run, then runs every test.
source "$(dirname "$0")/lib.sh"
# baresip: the far end of call tests (tests/src/baresip.rs); iproute2 (ss) for scripts/bench-call.sh.
# (cmake and libasound2-dev, for the bundled libopus and ALSA, are BUILD_PACKAGES in lib.sh.)
CALL_PACKAGES=(baresip iproute2)
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${CALL_PACKAGES[@]}"
ensure_rust
cd "$ROOT"
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> building"
cargo build --workspace --bins
echo "==> unit and layer tests"
cargo test --workspace --exclude dialtone-e2e
echo "==> end-to-end tests (real Kamailio, sipp and the dialtone binary on loopback)"
cargo test -p dialtone-e2e -- --nocapture
