#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What channel history costs fan-out (docs/history.md). One run, one server per step in turn, the
# same load on each: shoal_loadgen publishes signed API events (batch_events) to 100 channels as
# fast as the server absorbs them and counts deliveries/s to 1,000 subscribers. The app keeps
# (1) no history, (2) history on every channel (300 events, 300 s): each event is then
# sequenced by the supervisor and delivered from the control ring. Prints each figure and the
# ratio of the medians. Bounded: every step stops by itself; what is started here is stopped by
# its PID.
#
# Usage: scripts/bench_history.sh --loadgen PATH --shoal PATH [--out DIR] [--duration S]
#                                 [--workers W] [--connections N] [--channels C] [--rounds R]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
loadgen="" shoal_bin="" out="" duration=3 workers=2 subs=1000 channels=100 rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --loadgen) loadgen="$2"; shift ;;
        --shoal) shoal_bin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --workers) workers="$2"; shift ;;
        --connections) subs="$2"; shift ;;
        --channels) channels="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "bench_history.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$loadgen" ] && [ -x "$shoal_bin" ] || { echo "bench_history: need --loadgen and --shoal"; exit 2; }
out="${out:-$(mktemp -d /tmp/shoal-bench-history.XXXXXX)}"
mkdir -p "$out"
log="$out/bench_history.log"
: >"$log"

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
            for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 10000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}
ready() {
    local port=$1 line=""
    for _ in $(seq 1 100); do
        if { exec 3<>/dev/tcp/127.0.0.1/"$port"; } 2>/dev/null; then
            printf 'GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
            IFS= read -r -t 1 line <&3 || true
            exec 3<&- 3>&-
            case "$line" in "HTTP/1.1 200"*) return 0 ;; esac
        fi
        sleep 0.1
    done
    return 1
}
field() { sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" | head -1; }
metric() { # port name -> value
    { exec 3<>/dev/tcp/127.0.0.1/"$1"; } 2>/dev/null || return 0
    printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
    grep -E "^$2 " <&3 | awk '{print $2}'
    exec 3<&- 3>&-
}

steps=("off|" "on|,\"history\":{\"events\":300,\"seconds\":300}")
echo "bench_history: $workers workers, $subs subscribers on $channels channels," \
     "API events as fast as absorbed, $duration s per step, results in $out"
for round in $(seq 1 "$rounds"); do
for step in "${steps[@]}"; do
    IFS='|' read -r name history <<<"$step"
    apps="$out/apps-$name.json"
    printf '{"apps":[{"id":"app-id","key":"app-key","secret":"app-secret"%s}]}\n' "$history" >"$apps"
    port=$(free_port)
    "$shoal_bin" serve --workers "$workers" --port "$port" --host 127.0.0.1 \
        --bus-name "shoal-bench-history-$port" --log-level warn --apps "$apps" >>"$log" 2>&1 &
    spid=$!
    pids+=("$spid")
    ready "$port" || { echo "bench_history: shoal did not start (see $log)"; exit 1; }
    j="$out/$name-$round.json"
    rc=0
    timeout $((duration + 90)) "$loadgen" --port "$port" -n "$subs" -c "$channels" \
        --channel-prefix bench- --publish api -s 64 -r 0 -d "$duration" \
        --drain-ms 3000 --server-pid "$spid" --json --label "history-$name" >"$j" 2>>"$log" || rc=$?
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    if [ "$rc" != 0 ] || [ ! -s "$j" ]; then echo "$name: loadgen failed (exit $rc, see $log)"; continue; fi
    printf 'history %-3s %10.0f deliv/s  %9.0f published/s  lost %s  server cpu %.2f s  p50 %s us  p99 %s us\n' \
        "$name" "$(field "$j" deliveries_per_s)" "$(field "$j" published_per_s)" "$(field "$j" lost)" \
        "$(sed -nE 's/.*"server":\{[^}]*"cpu_s":([0-9.]+).*/\1/p' "$j" | head -1)" \
        "$(sed -nE 's/.*"latency_us":\{[^}]*"p50":([0-9.]+).*/\1/p' "$j" | head -1)" \
        "$(sed -nE 's/.*"latency_us":\{[^}]*"p99":([0-9.]+).*/\1/p' "$j" | head -1)"
done
done
median() { # name -> the median deliveries/s over the rounds
    for f in "$out/$1"-*.json; do [ -s "$f" ] && field "$f" deliveries_per_s; done | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
base=$(median off)
for name in off on; do
    m=$(median "$name")
    awk -v a="${m:-0}" -v b="${base:-0}" -v n="$name" -v r="$rounds" \
        'BEGIN { printf "history median %-3s %10.0f deliv/s over %d rounds, ratio to no history %.2f\n", n, a, r, (b > 0 ? a / b : 0) }'
done
