#!/usr/bin/env bash
# Idle memory of the desktop app next to the headless daemon, measured the same way every time:
# each is started with the same config (the built-in local account, no PBX, bridge on), left
# idle for IDLE_SECONDS after it is up, then the whole process tree is read from /proc
# (the app's WebKit web and network processes are its children): the sum of VmRSS, and the sum
# of Pss from smaps_rollup (shared pages counted once across the tree).
#
#   scripts/bench-memory.sh               release builds of both, 20 s idle
#   IDLE_SECONDS=60 scripts/bench-memory.sh
#
# Needs Xvfb for the app (installed by scripts/test.sh). Prints a table:
#   what  processes  rss_kb  pss_kb
set -euo pipefail
source "$(dirname "$0")/lib.sh"
IDLE_SECONDS=${IDLE_SECONDS:-20}
cd "$ROOT"
[ -f ui/dist/index.html ] || build_ui
cargo build --release -q -p dialtone-cli -p dialtone-desktop
BIN="$CARGO_TARGET_DIR/release"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

config() { # $1: name, $2: SIP port, $3: bridge port
    cat > "$WORK/$1.toml" <<TOML
[sip]
listen = "127.0.0.1"
port = $2
[local]
user = "dialtone"
[audio]
backend = "null"
[bridge]
port = $3
[history]
database = "$WORK/$1.db"
[app]
check_updates = false
TOML
    echo "$WORK/$1.toml"
}

# All descendants of a pid, itself first (bounded: at most 64 processes).
tree() {
    local queue=("$1") out=() i=0
    while [ $i -lt ${#queue[@]} ] && [ ${#queue[@]} -lt 64 ]; do
        local p=${queue[$i]}
        out+=("$p")
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do queue+=("$c"); done
        i=$((i + 1))
    done
    echo "${out[@]}"
}

measure() { # $1: label, $2: root pid
    local rss=0 pss=0 n=0
    for p in $(tree "$2"); do
        local r s
        r=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null || echo 0)
        s=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0)
        rss=$((rss + ${r:-0})); pss=$((pss + ${s:-0})); n=$((n + 1))
    done
    printf '%-22s %9d %9d %9d\n' "$1" "$n" "$rss" "$pss"
}

# Waits (bounded) until a TCP port on 127.0.0.1 accepts: the bridge is the last thing up.
wait_port() {
    for _ in $(seq 1 300); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listened on 127.0.0.1:$1 within 30 s" >&2; return 1
}

printf '%-22s %9s %9s %9s\n' what processes rss_kb pss_kb
cfg=$(config headless 25090 17391)
"$BIN/dialtone" serve --config "$cfg" > "$WORK/headless.log" 2>&1 &
PIDS+=($!); hp=$!
wait_port 17391
sleep "$IDLE_SECONDS"   # the idle period being measured, not synchronisation
measure "dialtone serve" "$hp"
kill "$hp"; wait "$hp" 2>/dev/null || true

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp > "$WORK/xvfb.log" 2>&1 &
PIDS+=($!)
cfg=$(config desktop 25091 17392)
DISPLAY=$display dbus-run-session -- "$BIN/dialtone-desktop" --config "$cfg" > "$WORK/desktop.log" 2>&1 &
PIDS+=($!); dp=$!
wait_port 17392
sleep "$IDLE_SECONDS"
# The app under dbus-run-session (whose bus daemon is not counted); comm is cut to 15 chars.
app=$(pgrep -P "$dp" -x dialtone-deskto | head -1)
measure "dialtone-desktop" "${app:?the desktop app is not running; see $WORK/desktop.log}"
