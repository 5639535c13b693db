# Shared by scripts/start.sh and scripts/test.sh: installs what is missing (Debian/Ubuntu).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build outside the clone when a cache directory exists (CI reuses it between runs).
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR="${DIALTONE_CACHE:-$HOME/.cache/dialtone}/target"
fi
mkdir -p "$CARGO_TARGET_DIR"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt packages: installed only when one of them is missing.
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "==> installing the Rust toolchain (rustup)"
        ensure_packages curl ca-certificates
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! cargo fmt --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
        rustup component add rustfmt
    fi
}

# What building Dialtone needs: the engine (cmake for the bundled libopus, ALSA for cpal) and
# the desktop app (Tauri 2 on WebKitGTK, the tray's appindicator, the keyring's D-Bus).
BUILD_PACKAGES=(build-essential pkg-config git cmake libasound2-dev libdbus-1-dev
    libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev)
# What the end-to-end tests run against: a real registrar, real SIP peers, TLS tooling.
TEST_PACKAGES=(kamailio kamailio-tls-modules kamailio-websocket-modules sip-tester openssl procps)

# Node.js and npm build the web UI (ui/) and run the browser tests. Debian's own packages unless
# a Node.js with npm is already there.
ensure_node() {
    if ! command -v npm >/dev/null 2>&1; then
        ensure_packages nodejs npm
    fi
}

# The web UI, built into ui/dist (the desktop app embeds it at compile time).
build_ui() {
    echo "==> web UI: npm install (the versions in package-lock.json) and build (ui/)"
    # Not `npm ci`: the npm here records only this platform's optional packages (rollup's and
    # the Tauri CLI's native binaries) in the lock file, which `npm ci` then calls out of sync.
    (cd "$ROOT/ui" && npm install --no-audit --no-fund --loglevel=error && npm run build --silent)
}
