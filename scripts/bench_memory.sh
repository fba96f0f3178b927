#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Server RSS per idle subscribed connection (docs/benchmarks.md "Memory per connection"): for
# each connection count and channel layout, a fresh `shoal serve --workers 1`, shoal_loadgen
# subscribes N clients, settles, and samples the server's process tree (all RSS, anonymous, bus
# segment pages, the supervisor's share); several rounds, alternating the variants, medians.
# Memory figures are not timing-sensitive, so the shared machine's noise barely moves them.
#
# Usage: scripts/bench_memory.sh [--build DIR] [--rounds N] [--counts "10000 19000"]
#                                [--channels "1 100"] [--variants "plain jemalloc tls"] [--out DIR]
#                                [--baseline PATH]
#   variants: plain (glibc malloc), jemalloc (LD_PRELOAD of Debian's libjemalloc2, when
#   installed), tls (the subscribers connect with TLS; a throw-away certificate), baseline (the
#   shoal binary given by --baseline, e.g. a build of an earlier commit, measured in the same run)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
rounds=3
counts="10000 19000"
channels="1 100"
variants="plain"
out=""
baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --counts) counts="$2"; shift ;;
        --channels) channels="$2"; shift ;;
        --variants) variants="$2"; shift ;;
        --out) out="$2"; shift ;;
        --baseline) baseline="$2"; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "bench_memory.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
shoal="$build/supervisor/shoal"
loadgen="$build/bench/shoal_loadgen"
[ -x "$shoal" ] && [ -x "$loadgen" ] || { echo "bench_memory.sh: build shoal and shoal_loadgen in $build" >&2; exit 1; }
out="${out:-$build/results/memory-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
log="$out/bench.log"
: >"$log"
. "$root/scripts/lib/probe.sh"
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

server_pid=""
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap stop_server EXIT

certs="$out/certs"
if [[ " $variants " == *" tls "* ]]; then
    mkdir -p "$certs"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/srv.key" \
        -out "$certs/srv.pem" -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=IP:127.0.0.1" >>"$log" 2>&1
fi

run_one() {  # name variant n c
    local name=$1 variant=$2 n=$3 c=$4 port plain env=() sflags=() lflags=() bin=$shoal
    port=$(free_port); plain=$port
    case "$variant" in
        baseline) [ -x "$baseline" ] || { echo "skip: no --baseline" >"$out/$name.skip"; return; }
                  bin=$baseline ;;
        jemalloc) [ -r "$jemalloc" ] || { echo "skip: no $jemalloc" >"$out/$name.skip"; return; }
                  env=(LD_PRELOAD="$jemalloc") ;;
        tls) plain=$(free_port)
             sflags=(--tls-cert "$certs/srv.pem" --tls-key "$certs/srv.key" --plain-port "$plain")
             lflags=(--tls --api-port "$plain") ;;
    esac
    env "${env[@]}" "$bin" serve --workers 1 --port "$port" --host 127.0.0.1 \
        --bus-name "shoal-mem-$port" --log-level warn "${sflags[@]}" >>"$log" 2>&1 &
    server_pid=$!
    ready "$plain" || { stop_server; echo "bench_memory.sh: $name: server not ready" >&2; return; }
    "$loadgen" --port "$port" -n "$n" -c "$c" -d 0.1 -r 10 --settle-ms 1000 --drain-ms 500 \
        --connect-timeout 120 --server-pid "$server_pid" --json --label "$name" "${lflags[@]}" \
        >"$out/$name.json" 2>>"$log" || echo "bench_memory.sh: $name: loadgen failed" >&2
    stop_server
}

for round in $(seq 1 "$rounds"); do
    for n in $counts; do
        for c in $channels; do
            for v in $variants; do
                name="n$n-c$c-$v-r$round"
                run_one "$name" "$v" "$n" "$c"
                echo "bench_memory: $name done" >>"$log"
            done
        done
    done
done

node - "$out" "$rounds" "$counts" "$channels" "$variants" <<'EOF'
const fs = require('fs');
const [dir, rounds, counts, channels, variants] = process.argv.slice(2);
const med = (a) => { const s = a.filter((x) => x !== undefined).sort((x, y) => x - y);
                     return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const f = (x) => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-';
console.log('| connections | channels | variant | all RSS B/conn | anonymous | bus pages | of which supervisor | runs (all RSS) | subscribed (fewest) |');
console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |');
for (const n of counts.split(' ')) for (const c of channels.split(' ')) for (const v of variants.split(' ')) {
    const runs = [];
    for (let r = 1; r <= Number(rounds); ++r) {
        const p = `${dir}/n${n}-c${c}-${v}-r${r}.json`;
        if (!fs.existsSync(p)) continue;
        try { const j = JSON.parse(fs.readFileSync(p, 'utf8'));
              if (j.server) runs.push({ ...j.server, subscribed: j.connect.subscribed }); } catch (e) {}
    }
    if (!runs.length) continue;
    const pick = (k) => med(runs.map((s) => s && s[k]));
    console.log(`| ${Number(n).toLocaleString('en-US')} | ${c} | ${v} | ${f(pick('rss_per_connection_bytes'))} | ` +
                `${f(pick('anon_rss_per_connection_bytes'))} | ${f(pick('shmem_rss_per_connection_bytes'))} | ` +
                `${f(pick('supervisor_rss_per_connection_bytes'))} | ` +
                `${runs.map((s) => f(s.rss_per_connection_bytes)).join(', ')} | ` +
                `${f(Math.min(...runs.map((s) => s.subscribed)))} |`);
}
EOF
echo "bench_memory: results in $out" >&2
