#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Webhooks must never slow fan-out (docs/webhooks.md). One run, three servers in turn, the same
# load on each: shoal_loadgen publishes client events on private channels (every event is also a
# client_event webhook when the app has one), as fast as the server absorbs them, and reports
# deliveries/s. The app has (1) no webhook, (2) a webhook to a receiver that answers 200,
# (3) a webhook to a receiver that never answers. Prints each figure and the ratios to (1).
# Bounded: each step stops by itself; everything started here is stopped by its PID.
#
# Usage: scripts/bench_webhooks.sh --loadgen PATH --shoal PATH [--out DIR] [--duration S]
#                                  [--workers W] [--connections N] [--channels C]
#                                  [--queue-bytes B]   (--webhook-queue-bytes, default 4 MiB:
#                                  the hanging step fills it, so drops are part of what is timed)
#                                  [--rounds R]  (default 3: the three servers in turn, R times;
#                                  the ratios are of the medians, as a shared machine is noisy)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
loadgen="" shoal_bin="" out="" duration=3 workers=2 subs=1000 channels=100 qbytes_max=4194304 rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --loadgen) loadgen="$2"; shift ;;
        --shoal) shoal_bin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --workers) workers="$2"; shift ;;
        --connections) subs="$2"; shift ;;
        --channels) channels="$2"; shift ;;
        --queue-bytes) qbytes_max="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench_webhooks.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$loadgen" ] && [ -x "$shoal_bin" ] || { echo "bench_webhooks: need --loadgen and --shoal"; exit 2; }
command -v node >/dev/null || { echo "bench_webhooks: skipped (no node)"; exit 0; }
out="${out:-$(mktemp -d /tmp/shoal-bench-webhooks.XXXXXX)}"
mkdir -p "$out"
log="$out/bench_webhooks.log"
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

start_receiver() { # mode -> sets rx_pid, rx_port
    local f="$out/receiver-$1.out"
    node "$root/bench/webhooks/receiver.mjs" "$1" >"$f" 2>>"$log" &
    rx_pid=$!
    pids+=("$rx_pid")
    for _ in $(seq 1 100); do [ -s "$f" ] && break; sleep 0.05; done
    rx_port=$(head -1 "$f")
}

# name|webhook url ("" for none)
start_receiver ok;   ok_pid=$rx_pid ok_port=$rx_port
start_receiver hang; hang_pid=$rx_pid hang_port=$rx_port
steps=("none|" "answering|http://127.0.0.1:$ok_port/hooks" "hanging|http://127.0.0.1:$hang_port/hooks")
echo "bench_webhooks: $workers workers, $subs subscribers on $channels private channels," \
     "client events as fast as absorbed, $duration s per step, results in $out"
for round in $(seq 1 "$rounds"); do
for step in "${steps[@]}"; do
    IFS='|' read -r name url <<<"$step"
    apps="$out/apps-$name.json"
    hooks="[]"
    [ -n "$url" ] && hooks="[{\"url\":\"$url\",\"event_types\":[\"client_event\"]}]"
    printf '{"apps":[{"id":"app-id","key":"app-key","secret":"app-secret",' >"$apps"
    printf '"enable_client_events":true,"max_client_events_per_second":10000,' >>"$apps"
    printf '"webhooks":%s}]}\n' "$hooks" >>"$apps"
    port=$(free_port)
    "$shoal_bin" serve --workers "$workers" --port "$port" --host 127.0.0.1 \
        --bus-name "shoal-bench-webhooks-$port" --log-level warn --apps "$apps" \
        --webhook-timeout-ms 60000 --webhook-queue-bytes "$qbytes_max" >>"$log" 2>&1 &
    spid=$!
    pids+=("$spid")
    ready "$port" || { echo "bench_webhooks: shoal did not start (see $log)"; exit 1; }
    j="$out/$name-$round.json"
    rc=0
    timeout $((duration + 90)) "$loadgen" --port "$port" -n "$subs" -c "$channels" \
        --channel-prefix private-bench- --publish client -s 64 -r 0 -d "$duration" \
        --drain-ms 3000 --server-pid "$spid" --json --label "webhooks-$name" >"$j" 2>>"$log" || rc=$?
    sent=$(metric "$port" shoal_webhook_events_sent_total)
    dropped=$(metric "$port" 'shoal_webhook_requests_dropped_total\{reason="overflow"\}')
    qbytes=$(metric "$port" shoal_webhook_queue_bytes)
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    if [ "$rc" != 0 ] || [ ! -s "$j" ]; then echo "$name: loadgen failed (exit $rc, see $log)"; continue; fi
    printf 'webhooks %-9s %10.0f deliv/s  %9.0f published/s  lost %s  webhook events sent %s, requests dropped %s, queue bytes %s\n' \
        "$name" "$(field "$j" deliveries_per_s)" "$(field "$j" published_per_s)" "$(field "$j" lost)" \
        "${sent:-0}" "${dropped:-0}" "${qbytes:-0}"
    printf 'webhooks %-9s server cpu %.2f s (%s cores busy), loadgen bottleneck: %s\n' "$name" \
        "$(sed -nE 's/.*"server":\{[^}]*"cpu_s":([0-9.]+).*/\1/p' "$j" | head -1)" \
        "$(field "$j" busy_cores)" "$(sed -nE 's/.*"bottleneck":"([^"]*)".*/\1/p' "$j" | head -1)"
done
done
median() { # name -> the median deliveries/s over the rounds
    for f in "$out/$1"-*.json; do [ -s "$f" ] && field "$f" deliveries_per_s; done | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
base=$(median none)
for name in none answering hanging; do
    m=$(median "$name")
    awk -v a="${m:-0}" -v b="${base:-0}" -v n="$name" -v r="$rounds" \
        'BEGIN { printf "webhooks median %-9s %10.0f deliv/s over %d rounds, ratio to no webhook %.2f\n", n, a, r, (b > 0 ? a / b : 0) }'
done
