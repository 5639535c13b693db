# Shared by scripts/bench-call.sh and scripts/latency.sh: a work dir, the processes started
# in it and their clean-up, bounded waits, free loopback ports and the Dialtone binary.
# The sourcing script sets ROOT and WORK first.

PIDS=()

# Stops the processes in PIDS, newest first (phones unregister while Kamailio is still up):
# SIGTERM, up to 5 s, then SIGKILL.
stop_pids() {
    local i pid
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    PIDS=()
}

# On exit: stop everything, then remove the work dir (kept with KEEP=1).
cleanup() {
    stop_pids
    if [ "${KEEP:-0}" = 1 ]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# wait_for <seconds> <description> <command...>: polls the command until it succeeds.
wait_for() {
    local secs=$1 what=$2; shift 2
    local deadline=$(( $(date +%s) + secs ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out after ${secs}s waiting for: $what" >&2; return 1
        fi
        sleep 0.05
    done
}

# free_port [pair]: a loopback port free for UDP and TCP and not handed out before; with
# `pair`, the port above it too (baresip takes it for TLS).
free_port() {
    local p span=0
    [ "${1:-}" = pair ] && span=1
    for _ in $(seq 200); do
        p=$(( (RANDOM % 20000) + 20000 ))
        if [ -z "$(ss -Hlnut "( sport = :$p or sport = :$((p + span)) )")" ] \
            && ! grep -qx -e "$p" -e "$((p + span))" "$WORK/ports" 2>/dev/null; then
            echo "$p" >>"$WORK/ports"; echo $((p + span)) >>"$WORK/ports"
            echo "$p"; return 0
        fi
    done
    echo "no free port" >&2; return 1
}

# The release binary: $DIALTONE_BIN, or $CARGO_TARGET_DIR/release/dialtone (built if missing).
dialtone_bin() {
    if [ -n "${DIALTONE_BIN:-}" ]; then
        [ -x "$DIALTONE_BIN" ] || { echo "DIALTONE_BIN=$DIALTONE_BIN is not executable" >&2; return 1; }
        echo "$DIALTONE_BIN"; return 0
    fi
    local target=${CARGO_TARGET_DIR:-${DIALTONE_CACHE:-$HOME/.cache/dialtone}/target}
    if [ ! -x "$target/release/dialtone" ]; then
        echo "building $target/release/dialtone (cargo build --release -p dialtone-cli)" >&2
        (cd "$ROOT" && CARGO_TARGET_DIR=$target cargo build --release -p dialtone-cli >&2)
    fi
    echo "$target/release/dialtone"
}
