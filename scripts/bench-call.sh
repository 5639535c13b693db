#!/usr/bin/env bash
# Measures what one call costs: whole-process CPU seconds (utime+stime from /proc/<pid>/stat)
# and peak RSS (VmHWM) of both ends of an Opus call through a private Kamailio on loopback.
#
#   scripts/bench-call.sh                  baresip (1002) calls baresip (1003), 60 s
#   CALL_SECONDS=10 scripts/bench-call.sh  a shorter call
#   CODEC=PCMU/8000/1 scripts/bench-call.sh
#   KEEP=1 scripts/bench-call.sh           keep the work dir (configs, logs, recordings)
#   scripts/bench-call.sh --dialtone       Dialtone (release build) calls baresip (1003)
#   scripts/bench-call.sh --both           both runs back to back, then the two side by side
#   DIALTONE_BIN=path/to/dialtone          that binary (else $CARGO_TARGET_DIR/release/dialtone,
#                                          built with `cargo build --release` if missing)
#
# Prints a table `side  cpu_s  peak_rss_kb  call_cpu_s`. cpu_s and peak_rss_kb cover each
# process's whole life (start-up and registration included), read just before the caller
# hangs up; call_cpu_s is the CPU used while the call was held. Kamailio's row sums its
# processes (CPU and VmHWM). Method and figures: docs/performance.md.
#
# Standalone on purpose (bash, perl, openssl, kamailio, baresip): the configs follow the
# Rust harness (tests/src/baresip/options.rs, tests/src/kamailio.rs) but are written here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CALL_SECONDS=${CALL_SECONDS:-60}
CODEC=${CODEC:-opus/48000/2}
MODE=baresip
WAIT_SECONDS=15

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --dialtone) MODE=dialtone ;;
        --baresip) MODE=baresip ;;
        --both) MODE=both ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# --both: one run of each, each with its own Kamailio, then the tables joined by side.
if [ "$MODE" = both ]; then
    BARESIP_TABLE=$("$0" --baresip)
    echo "$BARESIP_TABLE"
    DIALTONE_TABLE=$("$0" --dialtone)
    echo "$DIALTONE_TABLE"
    echo "# side by side: baresip -> baresip | dialtone -> baresip"
    printf '%-10s %8s %12s %11s | %8s %12s %11s\n' side cpu_s peak_rss_kb call_cpu_s cpu_s peak_rss_kb call_cpu_s
    join <(grep -v -e '^#' -e '^side' <<<"$BARESIP_TABLE" | sort) \
         <(grep -v -e '^#' -e '^side' <<<"$DIALTONE_TABLE" | sort) |
        awk '{ printf "%-10s %8s %12s %11s | %8s %12s %11s\n", $1, $2, $3, $4, $5, $6, $7 }'
    exit 0
fi

for tool in kamailio kamcmd baresip openssl perl ss; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/test.sh installs it)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/dialtone-bench-XXXXXX)
source "$ROOT/scripts/bench-lib.sh"

# write_tone <file> <hz> <seconds>: mono S16LE WAV at 48 kHz, amplitude 0.3.
write_tone() {
    perl -e '
        my ($file, $hz, $secs) = @ARGV; my $rate = 48000; my $n = int($rate * $secs);
        open(my $f, ">:raw", $file) or die "$file: $!";
        print $f "RIFF", pack("V", 36 + 2 * $n), "WAVE", "fmt ", pack("VvvVVvv", 16, 1, 1, $rate, 2 * $rate, 2, 16),
                 "data", pack("V", 2 * $n);
        my $w = 2 * 3.14159265358979 * $hz / $rate;
        for (my $i = 0; $i < $n; $i += 4800) {
            my $m = $n - $i < 4800 ? $n - $i : 4800;
            print $f pack("s<*", map { int(0.3 * 32767 * sin($w * ($i + $_))) } 0 .. $m - 1);
        }' "$1" "$2" "$3"
}

# ---------------------------------------------------------------- Kamailio
start_kamailio() {
    local d=$WORK/kamailio
    mkdir -p "$d/run"
    KAM_UDP=$(free_port pair); KAM_TCP=$(free_port pair); KAM_TLS=$(free_port pair)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/server.key" -out "$d/server.pem" -days 1 -subj /CN=127.0.0.1 2>/dev/null
    printf '[server:default]\nmethod = TLSv1.2+\nprivate_key = %s\ncertificate = %s\n' \
        "$d/server.key" "$d/server.pem" >"$d/tls.cfg"
    sed -e "s|@@DEFINES@@|#!define REJECT_BAD_PASSWORD|" \
        -e "s|@@DEBUG@@|2|" \
        -e "s|@@UDP_PORT@@|$KAM_UDP|" -e "s|@@TCP_PORT@@|$KAM_TCP|" -e "s|@@TLS_PORT@@|$KAM_TLS|" \
        -e "s|@@MODULES_DIR@@|/usr/lib/x86_64-linux-gnu/kamailio/modules/|" \
        -e "s|@@CTL_SOCKET@@|$d/ctl.sock|" -e "s|@@CTL_FIFO@@|$d/fifo|" \
        -e "s|@@TLS_CFG@@|$d/tls.cfg|" \
        -e "s|@@AUTH_SECRET@@|bench$$$RANDOM|" -e "s|@@AUTH_ALGORITHM_PARAM@@||" \
        "$ROOT/tests/kamailio/kamailio.cfg.in" >"$d/kamailio.cfg"
    if grep -q '@@' "$d/kamailio.cfg"; then
        echo "unfilled placeholder in kamailio.cfg: $(grep -m1 '@@' "$d/kamailio.cfg")" >&2; return 1
    fi
    setsid kamailio -DD -E -f "$d/kamailio.cfg" -P "$d/kamailio.pid" -Y "$d/run" -w "$d" \
        </dev/null >"$d/kamailio.log" 2>&1 &
    KAM_PID=$!
    PIDS+=("$KAM_PID")
    wait_for 10 "kamailio ctl socket" kamcmd -s "unix:$d/ctl.sock" core.uptime
}

registered() { kamcmd -s "unix:$WORK/kamailio/ctl.sock" ul.dump | grep -q "AoR: $1\$"; }

# ---------------------------------------------------------------- baresip
# start_baresip <name> <user> <tone hz> <auto|manual> [extra baresip args...]
# Sets BARESIP_PID. Config as in tests/src/baresip/options.rs.
start_baresip() {
    local name=$1 user=$2 hz=$3 answer=$4; shift 4
    local d=$WORK/$name port
    mkdir -p "$d"
    port=$(free_port pair)
    write_tone "$d/source.wav" "$hz" $((CALL_SECONDS + 30))
    cat >"$d/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$port
net_interface		127.0.0.1
dns_server		127.0.0.1:53
call_local_timeout	120
call_max_calls		4
audio_player		aubridge,nil
audio_source		aufile,$d/source.wav
audio_alert		aubridge,nil
ausrc_srate		48000
auplay_srate		48000
ausrc_channels		1
auplay_channels		1
audio_buffer		20-160
jitter_buffer_delay	5-10
rtcp_mux		no
statmode_default	off
module_path		/usr/lib/baresip/modules
module			g711.so
module			g722.so
module			opus.so
module			aubridge.so
module			aufile.so
module			sndfile.so
snd_path		$d
module_tmp		account.so
module_app		menu.so
opus_bitrate		32000
EOF
    echo "<sip:$user@127.0.0.1:$KAM_UDP>;auth_pass=secret-$user;outbound=\"sip:127.0.0.1:$KAM_UDP\";regint=300;answermode=$answer;audio_codecs=$CODEC" \
        >"$d/accounts"
    (cd "$d" && exec setsid env HOME="$d" baresip -f "$d" "$@" </dev/null >"$d/baresip.log" 2>&1) &
    BARESIP_PID=$!
    PIDS+=("$BARESIP_PID")
}

start_callee() {
    start_baresip callee 1003 1000 auto
    CALLEE_PID=$BARESIP_PID
    wait_for "$WAIT_SECONDS" "callee 1003 registered" registered 1003
}

# The caller dials at start-up (baresip -e); a 407 challenge is answered with its password.
start_caller_baresip() {
    start_baresip caller 1002 440 manual -e "/dial sip:1003@127.0.0.1:$KAM_UDP"
    CALLER_PID=$BARESIP_PID
    CALLER_LOG=$WORK/caller/baresip.log
}

# ---------------------------------------------------------------- Dialtone
# Dialtone's name for the codec in $CODEC (baresip's name/rate/channels form).
dialtone_codec() {
    case "${CODEC%%/*}" in
        opus|OPUS) echo opus ;;
        g722|G722) echo G722 ;;
        pcmu|PCMU) echo PCMU ;;
        pcma|PCMA) echo PCMA ;;
        *) echo "no Dialtone codec for $CODEC" >&2; return 1 ;;
    esac
}

# Dialtone (1002) registers at the private Kamailio (password from password_env) and dials
# 1003 through it. Its microphone is a 1 s 440 Hz tone that the WAV backend loops (a whole
# number of periods, so seamless); the backend holds its input file in memory, so a
# call-length file would add the file's size to the peak RSS (DIALTONE_TONE_SECONDS=90 shows
# how much). What it hears is recorded to $WORK/caller/heard.wav.
start_caller_dialtone() {
    local d=$WORK/caller bin port codec rtp
    mkdir -p "$d"
    bin=$(dialtone_bin)
    codec=$(dialtone_codec)
    port=$(free_port pair)
    rtp=$(( 40000 + (RANDOM % 200) * 100 ))
    write_tone "$d/source.wav" 440 "${DIALTONE_TONE_SECONDS:-1}"
    cat >"$d/dialtone.toml" <<EOF
[sip]
listen = "127.0.0.1"
port = $port
keepalive_interval = 0

[media]
codecs = ["$codec"]
rtp_port_min = $rtp
rtp_port_max = $((rtp + 99))

[[accounts]]
id = "bench"
user = "1002"
domain = "127.0.0.1:$KAM_UDP"
transport = "udp"
expires = 300
password_env = "DIALTONE_BENCH_PASSWORD"
EOF
    DIALTONE_CONTROL_SOCK=$d/control.sock
    CALLER_LOG=$d/events.jsonl
    (cd "$d" && exec setsid env RUST_LOG="${RUST_LOG:-info}" DIALTONE_BENCH_PASSWORD=secret-1002 \
        "$bin" serve --config "$d/dialtone.toml" --events --control "$DIALTONE_CONTROL_SOCK" \
        --audio-in "$d/source.wav" --audio-out "$d/heard.wav" \
        </dev/null >"$CALLER_LOG" 2>"$d/dialtone.log") &
    CALLER_PID=$!
    PIDS+=("$CALLER_PID")
    wait_for "$WAIT_SECONDS" "dialtone 1002 registered (log $d/dialtone.log)" registered 1002
    DIALTONE_CALL_ID=$("$bin" dial "sip:1003@127.0.0.1:$KAM_UDP" --control "$DIALTONE_CONTROL_SOCK")
    [ -n "$DIALTONE_CALL_ID" ] || { echo "dialtone dial printed no call id" >&2; return 1; }
}

caller_established() {
    case "$MODE" in
        dialtone) grep -aq '"event":"call.answered"' "$CALLER_LOG" ;;
        *) grep -aq "Call established" "$CALLER_LOG" ;;
    esac
}

# ---------------------------------------------------------------- measuring
CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks <pid...>: utime+stime summed (fields 14 and 15 of /proc/<pid>/stat; the command
# name in field 2 may hold spaces, so count from after its closing parenthesis).
cpu_ticks() {
    local pid rest ticks=0
    for pid in "$@"; do
        rest=$(sed 's/^.*) //' "/proc/$pid/stat")
        ticks=$((ticks + $(awk '{ print $12 + $13 }' <<<"$rest")))
    done
    echo "$ticks"
}

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

seconds() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN { printf "%.2f", t / h }'; }

ROW_FORMAT='%-10s %8s %12s %11s\n'

# measure <side> <ticks at call start> <pid...>: one row, summing over the pids. cpu_s covers
# the processes' whole lives; call_cpu_s only the held call (from "established" to now).
measure() {
    local side=$1 base=$2; shift 2
    local ticks kb=0 pid
    ticks=$(cpu_ticks "$@")
    for pid in "$@"; do kb=$((kb + $(hwm_kb "$pid"))); done
    # shellcheck disable=SC2059
    printf "$ROW_FORMAT" "$side" "$(seconds "$ticks")" "$kb" "$(seconds $((ticks - base)))"
}

# ---------------------------------------------------------------- main
start_kamailio
start_callee
case "$MODE" in
    baresip) start_caller_baresip ;;
    dialtone) start_caller_dialtone ;;
esac
wait_for "$WAIT_SECONDS" "call established (caller log $CALLER_LOG)" caller_established
mapfile -t KAM_PIDS < <(pgrep -g "$KAM_PID")
BASE_CALLER=$(cpu_ticks "$CALLER_PID")
BASE_CALLEE=$(cpu_ticks "$CALLEE_PID")
BASE_KAM=$(cpu_ticks "${KAM_PIDS[@]}")
echo "call established ($MODE -> baresip, $CODEC); holding it for ${CALL_SECONDS}s" >&2
sleep "$CALL_SECONDS"   # the call's length is what is being measured

kill -0 "$CALLER_PID" "$CALLEE_PID" 2>/dev/null || { echo "a peer exited during the call" >&2; exit 1; }
grep -aq "Call established" "$WORK/callee/baresip.log" || { echo "callee never established" >&2; exit 1; }
echo "# $MODE -> baresip, $CODEC, ${CALL_SECONDS}s call"
# shellcheck disable=SC2059
printf "$ROW_FORMAT" side cpu_s peak_rss_kb call_cpu_s
measure "caller" "$BASE_CALLER" "$CALLER_PID"
measure "callee" "$BASE_CALLEE" "$CALLEE_PID"
measure "kamailio" "$BASE_KAM" "${KAM_PIDS[@]}"

# Hang up (baresip sends BYE on SIGTERM; Dialtone is told over its control socket) and check
# the callee saw the call end.
case "$MODE" in
    baresip) kill -TERM "$CALLER_PID" ;;
    dialtone)
        "$(dialtone_bin)" call hangup "$DIALTONE_CALL_ID" --control "$DIALTONE_CONTROL_SOCK"
        wait_for 10 "dialtone reported call.ended" grep -aq '"event":"call.ended"' "$CALLER_LOG"
        grep -a '"event":"call.stats"' "$CALLER_LOG" | tail -n 1 >&2 || true
        ls -l "$WORK/caller/heard.wav" >&2
        ;;
esac
wait_for 10 "callee saw the call end" grep -aq "terminated" "$WORK/callee/baresip.log"
ls -l "$WORK"/callee/dump-*-dec.wav >&2 2>/dev/null || true
