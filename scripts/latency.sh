#!/usr/bin/env bash
# Measures the latency Dialtone's own audio pipeline adds (mouth to ear, zero network jitter):
# two Dialtones on loopback call each other directly (built-in local accounts, no registrar).
# A's microphone is a WAV file holding a short 1 kHz burst once a period (looped); B records
# what it hears. Both log `audio stream ready ... at=<time>` at the instant their first frame
# is read from / written to a file, and after that one frame per ptime, so every sample of
# both files has a wall-clock time and each burst's latency is
#   (T_B + onset in B's recording) - (T_A + onset in A's input, unrolled over the loops).
#
#   scripts/latency.sh                     PCMU, G722 and opus, a 12 s call each
#   scripts/latency.sh --codec opus        one codec (repeatable): PCMU, PCMA, G722, opus
#   CALL_SECONDS=30 scripts/latency.sh     longer calls, more bursts
#   RUNS=5 scripts/latency.sh              five calls per codec, one row each
#   JITTER_MIN_MS=0 scripts/latency.sh     set [media] jitter_min_ms (default 20) on both phones
#   KEEP=1 scripts/latency.sh              keep the work dir (configs, logs, WAVs, bursts.csv)
#   DIALTONE_BIN=path/to/dialtone          that binary (else $CARGO_TARGET_DIR/release/dialtone,
#                                          built with `cargo build --release` if missing)
#
# Prints one row per codec: bursts matched, mean/min/max latency in ms, and B's jitter and
# jitter-buffer delay from its last call.stats event when the event carries them.
# Needs bash, python3 (standard library only). Method and figures: docs/performance.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALL_SECONDS=${CALL_SECONDS:-12}
PERIOD_MS=${PERIOD_MS:-1000}   # one burst per period; latencies must stay below this
OFFSET_MS=${OFFSET_MS:-250}    # where the burst starts inside the period
BURST_MS=${BURST_MS:-20}
RUNS=${RUNS:-1}                # calls per codec (each call has its own tick phase)
WAIT_SECONDS=15
CODECS=()

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --codec) [ $# -ge 2 ] || { usage >&2; exit 2; }; CODECS+=("$2"); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[ ${#CODECS[@]} -gt 0 ] || CODECS=(PCMU G722 opus)

for tool in python3 ss; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/dialtone-latency-XXXXXX)
source "$ROOT/scripts/bench-lib.sh"

BIN=$(dialtone_bin)

# The codec's PCM rate: A's input is written at it, so the WAV backend does not resample.
pcm_rate() {
    case "$1" in
        PCMU|pcmu|PCMA|pcma) echo 8000 ;;
        G722|g722) echo 16000 ;;
        opus|OPUS|Opus) echo 48000 ;;
        *) echo "unknown codec: $1" >&2; return 1 ;;
    esac
}

# write_bursts <file> <rate>: one period of silence with a 1 kHz burst (amplitude 0.5,
# starting at phase 0, so its onset is sharp) at OFFSET_MS.
write_bursts() {
    python3 - "$1" "$2" "$PERIOD_MS" "$OFFSET_MS" "$BURST_MS" <<'PY'
import math, struct, sys, wave
path, rate, period_ms, offset_ms, burst_ms = sys.argv[1], *map(int, sys.argv[2:])
n = rate * period_ms // 1000
start, length = rate * offset_ms // 1000, rate * burst_ms // 1000
pcm = [0] * n
for i in range(length):
    pcm[start + i] = int(round(0.5 * 32767 * math.sin(2 * math.pi * 1000 * i / rate)))
with wave.open(path, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(struct.pack("<%dh" % n, *pcm))
PY
}

# start_phone <dir> <codec> <serve args...>: sets PHONE_PID; events in <dir>/events.jsonl,
# log in <dir>/dialtone.log, control socket <dir>/control.sock.
start_phone() {
    local d=$1 codec=$2; shift 2
    local port rtp
    mkdir -p "$d"
    port=$(free_port)
    rtp=$(( 40000 + (RANDOM % 200) * 100 ))
    cat >"$d/dialtone.toml" <<EOF
[sip]
listen = "127.0.0.1"
port = $port
keepalive_interval = 0

[media]
codecs = ["$codec"]
rtp_port_min = $rtp
rtp_port_max = $((rtp + 99))
EOF
    if [ -n "${JITTER_MIN_MS:-}" ]; then echo "jitter_min_ms = $JITTER_MIN_MS" >>"$d/dialtone.toml"; fi
    echo "$port" >"$d/sip_port"
    (cd "$d" && exec setsid env RUST_LOG="${RUST_LOG:-info}" \
        "$BIN" serve --config "$d/dialtone.toml" --events --control "$d/control.sock" "$@" \
        </dev/null >"$d/events.jsonl" 2>"$d/dialtone.log") &
    PHONE_PID=$!
    PIDS+=("$PHONE_PID")
    wait_for "$WAIT_SECONDS" "dialtone in $d serving its control socket" \
        "$BIN" status --control "$d/control.sock"
}

event_seen() { grep -aq "\"event\":\"$2\"" "$1/events.jsonl"; }
stream_ready() { grep -aq "audio stream ready" "$1/dialtone.log"; }

# run_codec <codec> <dir>: one call A -> B; leaves the files in <dir> for analyse.
run_codec() {
    local codec=$1 a=$2/a b=$2/b rate call_a call_b
    rate=$(pcm_rate "$codec")
    mkdir -p "$a" "$b"
    write_bursts "$a/bursts.wav" "$rate"
    start_phone "$a" "$codec" --audio-in "$a/bursts.wav"
    start_phone "$b" "$codec" --audio-out "$b/heard.wav"
    call_a=$("$BIN" dial "sip:dialtone@127.0.0.1:$(cat "$b/sip_port")" --control "$a/control.sock")
    wait_for "$WAIT_SECONDS" "call.incoming at B" event_seen "$b" call.incoming
    call_b=$(grep -a -m1 '"event":"call.incoming"' "$b/events.jsonl" |
        python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["data"]["callId"])')
    "$BIN" call answer "$call_b" --control "$b/control.sock"
    wait_for "$WAIT_SECONDS" "call.answered at A" event_seen "$a" call.answered
    wait_for "$WAIT_SECONDS" "A's audio stream" stream_ready "$a"
    wait_for "$WAIT_SECONDS" "B's audio stream" stream_ready "$b"
    echo "$codec: call up, holding it ${CALL_SECONDS}s" >&2
    sleep "$CALL_SECONDS"   # the bursts being measured
    "$BIN" call hangup "$call_a" --control "$a/control.sock"
    wait_for 10 "call.ended at A" event_seen "$a" call.ended
    wait_for 10 "call.ended at B" event_seen "$b" call.ended
    stop_pids   # B's recording was finalised when its stream was dropped, at call end
}

# analyse <codec> <dir>: one table row; every burst into <dir>/bursts.csv.
analyse() {
    python3 - "$2" "$1" "$PERIOD_MS" <<'PY'
import json, re, struct, sys, wave
from datetime import datetime

work, codec, period_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])

def ready(log):
    """(at, rate) of the first `audio stream ready` line, at in seconds since the epoch."""
    with open(log, errors="replace") as f:
        for line in f:
            if "audio stream ready" in line:
                at = re.search(r"\bat=(\S+)", line).group(1)
                rate = int(re.search(r"\brate=(\d+)", line).group(1))
                return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp(), rate
    sys.exit(f"{log}: no 'audio stream ready' line")

def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        n, rate = w.getnframes(), w.getframerate()
        return list(struct.unpack("<%dh" % n, w.readframes(n))), rate

def onsets(pcm, rate, min_gap_s=0.3):
    """First sample of each burst: |x| reaches a quarter of the file's peak after at least
    min_gap_s below it. The same rule on A's input and B's recording, so its bias cancels."""
    peak = max((abs(x) for x in pcm), default=0)
    if peak < 1000:
        return [], peak
    thr, gap, last, found = peak / 4, int(min_gap_s * rate), None, []
    for i, x in enumerate(pcm):
        if abs(x) >= thr:
            if last is None or i - last > gap:
                found.append(i)
            last = i
    return found, peak

t_a, rate_a = ready(f"{work}/a/dialtone.log")
t_b, rate_b = ready(f"{work}/b/dialtone.log")
src, src_rate = read_wav(f"{work}/a/bursts.wav")
rec, rec_rate = read_wav(f"{work}/b/heard.wav")
if src_rate != rate_a:
    sys.exit(f"A's input is {src_rate} Hz but its stream runs at {rate_a} Hz")
if rec_rate != rate_b:
    sys.exit(f"B's recording is {rec_rate} Hz but its stream runs at {rate_b} Hz")
src_on, _ = onsets(src, src_rate)
if len(src_on) != 1:
    sys.exit(f"expected one burst in A's input, found {len(src_on)}")
a0, loop = src_on[0] / src_rate, len(src) / src_rate
rec_on, rec_peak = onsets(rec, rec_rate)

rows, lat = [], []
for i in rec_on:
    heard = t_b + i / rec_rate
    k = int((heard - t_a - a0) // loop)   # which loop of A's input this burst came from
    if k < 0:
        continue                          # heard before A's first burst: not one of ours
    said = t_a + a0 + k * loop
    ms = (heard - said) * 1000
    rows.append((k, said, heard, ms))
    lat.append(ms)
with open(f"{work}/bursts.csv", "w") as f:
    f.write("loop,said_epoch_s,heard_epoch_s,latency_ms\n")
    for k, said, heard, ms in rows:
        f.write(f"{k},{said:.6f},{heard:.6f},{ms:.2f}\n")

stats, jitter, jb = None, "-", "-"
with open(f"{work}/b/events.jsonl") as f:
    for line in f:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "call.stats":
            stats = e.get("data", {})
if stats is not None:
    jitter = "%.2f" % stats["jitterMs"] if "jitterMs" in stats else "-"
    key = next((k for k in ("jitterBufferMs", "jitterBufferDelayMs", "playoutDelayMs") if k in stats), None)
    jb = "%.1f" % stats[key] if key else "n/a"

if lat:
    mean = sum(lat) / len(lat)
    print("%-6s %5d %7d %8.1f %7.1f %7.1f %10s %8s %6.0f" % (
        codec, rate_b, len(lat), mean, min(lat), max(lat), jitter, jb, 100 * rec_peak / 16384))
else:
    print("%-6s %5d %7d %8s %7s %7s %10s %8s %6.0f" % (codec, rate_b, 0, "-", "-", "-", jitter, jb,
          100 * rec_peak / 16384))
print(f"{codec}: A ready at {t_a:.6f}, B ready at {t_b:.6f} (B - A = {(t_b - t_a) * 1000:.1f} ms); "
      f"{len(rec_on)} onsets in B's {len(rec) / rec_rate:.2f} s recording; latencies ms: "
      + " ".join("%.1f" % x for x in lat), file=sys.stderr)
PY
}

printf '%-6s %5s %7s %8s %7s %7s %10s %8s %6s\n' \
    codec rate bursts mean_ms min_ms max_ms jitter_ms jb_ms level%
for run in $(seq "$RUNS"); do
    for codec in "${CODECS[@]}"; do
        run_codec "$codec" "$WORK/$codec-$run"
        analyse "$codec" "$WORK/$codec-$run"
    done
done
