#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-host fan-out (docs/cluster.md): a redis-server and two `shoal serve --cluster` hosts on
# 127.0.0.1, subscribers on host B, events published through host A's HTTP API, so every
# delivery crossed Redis. Each step runs twice in the same run: published on B itself (the
# single-host baseline) and on A (cross-host), and the cross/local ratio is printed. Bounded:
# each step stops by itself; everything started here is stopped by its PID.
#
# Usage: scripts/bench_cluster.sh --loadgen PATH --shoal PATH [--out DIR] [--duration S]
#                                 [--workers W]
# Called by scripts/bench.sh (after its matrix); runs alone as well.
set -euo pipefail
loadgen="" shoal_bin="" out="" duration=3 workers=1
while [ $# -gt 0 ]; do
    case "$1" in
        --loadgen) loadgen="$2"; shift ;;
        --shoal) shoal_bin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --workers) workers="$2"; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "bench_cluster.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x "$loadgen" ] && [ -x "$shoal_bin" ] || { echo "bench_cluster: need --loadgen and --shoal"; exit 2; }
command -v redis-server >/dev/null || { echo "bench_cluster: skipped (no redis-server; scripts/deps.sh installs it)"; exit 0; }
out="${out:-$(mktemp -d /tmp/shoal-bench-cluster.XXXXXX)}"
mkdir -p "$out"
log="$out/bench_cluster.log"
: >"$log"

pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
            for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
. "$(dirname "$0")/lib/probe.sh"
field() { sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" | head -1; }

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >>"$log" 2>&1 &
pids+=($!)
ready "$rport" redis || { echo "bench_cluster: redis-server did not start (see $log)"; exit 1; }
ports=()
for h in a b; do
    p=$(free_port)
    "$shoal_bin" serve --workers "$workers" --port "$p" --host 127.0.0.1 \
        --bus-name "shoal-bench-cluster-$h-$p" --log-level warn \
        --cluster "redis://127.0.0.1:$rport" >>"$log" 2>&1 &
    pids+=($!)
    ready "$p" shoal || { echo "bench_cluster: host $h did not start (see $log)"; exit 1; }
    ports+=("$p")
done
host_a=${ports[0]} host_b=${ports[1]} host_b_pid=${pids[2]}
sleep 0.5  # both bridges subscribed

# name|subscribers|channels|payload|rate (0: as fast as absorbed)
steps=("fanout-n1000-c1-s64|1000|1|64|0" "fanout-n1000-c100-s1024|1000|100|1024|0"
       "latency-n1000-c100-s64-r1000|1000|100|64|1000")
echo "bench_cluster: $workers worker(s) per host, $duration s per step, results in $out"
for step in "${steps[@]}"; do
    IFS='|' read -r name subs channels payload rate <<<"$step"
    warmup=0
    [ "$rate" != 0 ] && warmup=500
    for where in local cross; do
        api=$host_b
        [ "$where" = cross ] && api=$host_a
        j="$out/cluster-$where-$name.json"
        rc=0
        timeout $((duration + 60)) "$loadgen" --port "$host_b" --api-port "$api" -n "$subs" \
            -c "$channels" -s "$payload" -r "$rate" -d "$duration" --drain-ms 3000 \
            --warmup-ms "$warmup" --server-pid "$host_b_pid" --json \
            --label "cluster-$where-$name" >"$j" 2>>"$log" || rc=$?
        if [ "$rc" != 0 ] || [ ! -s "$j" ]; then
            echo "cluster $where $name: loadgen failed (exit $rc, see $log)"
            continue
        fi
        printf 'cluster %-5s %-30s %10.0f deliv/s  p50 %8.1f us  p99 %9.1f us  lost %s\n' \
            "$where" "$name" "$(field "$j" deliveries_per_s)" "$(field "$j" p50)" \
            "$(field "$j" p99)" "$(field "$j" lost)"
    done
    l="$out/cluster-local-$name.json" c="$out/cluster-cross-$name.json"
    if [ -s "$l" ] && [ -s "$c" ]; then
        awk -v a="$(field "$c" deliveries_per_s)" -v b="$(field "$l" deliveries_per_s)" \
            -v pa="$(field "$c" p99)" -v pb="$(field "$l" p99)" -v n="$name" \
            'BEGIN { printf "cluster ratio %-30s throughput cross/local %.2f, p99 cross/local %.2f\n", n, (b > 0 ? a / b : 0), (pb > 0 ? pa / pb : 0) }'
    fi
done
