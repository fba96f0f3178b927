#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What TLS and permessage-deflate cost, measured in one run against `shoal serve --workers 1`
# (docs/tls.md "Figures"): for plain, deflate (shared), TLS and TLS + deflate (shared), with
# 1,000 subscribers on one channel and 10,000 over 100 channels, a 1 KiB JSON event published
# through the HTTP API as fast as it is absorbed:
#   deliveries/s, server CPU per delivery, bytes read per delivery by the subscribers (ciphertext
#   with TLS), and the server CPU per client set-up (connect, TLS handshake, upgrade, subscribe).
# Modes alternate within each round so a noisy machine hits them all alike; each figure is the
# median over the rounds. The certificate is a throw-away P-256 one made here with openssl.
#
# Usage: bench/tls/tls_bench.sh [--rounds N] [--duration S] [--build DIR] [--no-build] [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build-bench"
rounds=3
duration=3
do_build=1
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --build) build="$2"; shift ;;
        --no-build) do_build=0 ;;
        --out) out="$2"; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "tls_bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
out="${out:-$build/results/tls-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
log="$out/bench.log"
: >"$log"
say() { printf '%s\n' "$*" | tee -a "$log"; }

if [ "$do_build" = 1 ]; then
    say "tls_bench: building Release into $build"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHOAL_BUILD_TESTS=OFF \
        -DCMAKE_CXX_FLAGS=-Wno-error=restrict >>"$log" 2>&1
    cmake --build "$build" -j2 --target shoal shoal_loadgen >>"$log" 2>&1 ||
        { say "tls_bench: the build failed (see $log)"; exit 1; }
fi
shoal="$build/supervisor/shoal"
loadgen="$build/bench/shoal_loadgen"

certs="$out/certs"
mkdir -p "$certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/ca.key" \
    -out "$certs/ca.pem" -days 2 -subj "/CN=bench CA" >>"$log" 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/srv.key" \
    -out "$certs/srv.csr" -subj "/CN=localhost" >>"$log" 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$certs/ext"
openssl x509 -req -in "$certs/srv.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" -set_serial 2 \
    -days 2 -extfile "$certs/ext" -out "$certs/leaf.pem" >>"$log" 2>&1
cat "$certs/leaf.pem" "$certs/ca.pem" >"$certs/srv.pem"

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
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 10000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}
ready() {  # plain port -> 0 once GET /ready answers 200
    local line=""
    exec 3<>/dev/tcp/127.0.0.1/"$1" || return 1
    printf 'GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
    IFS= read -r -t 1 line <&3 || true
    exec 3<&- 3>&-
    [[ "$line" == "HTTP/1.1 200"* ]]
}

# mode -> server flags, loadgen flags (the API always publishes to the plain port)
run_step() {  # name mode subscribers channels
    local name=$1 mode=$2 n=$3 c=$4 port plain sflags=() lflags=()
    port=$(free_port); plain=$(free_port)
    case "$mode" in
        plain) ;;
        deflate) sflags=(--compression shared); lflags=(--deflate) ;;
        tls) sflags=(--tls-cert "$certs/srv.pem" --tls-key "$certs/srv.key")
             lflags=(--tls) ;;
        tls-deflate) sflags=(--tls-cert "$certs/srv.pem" --tls-key "$certs/srv.key"
                             --compression shared)
                     lflags=(--tls --deflate) ;;
    esac
    if [[ "$mode" == tls* ]]; then
        sflags+=(--plain-port "$plain"); lflags+=(--api-port "$plain")
    else
        plain=$port
    fi
    "$shoal" serve --workers 1 --port "$port" --host 127.0.0.1 --bus-name "shoal-tlsbench-$port" \
        --log-level warn --max-connections 20000 "${sflags[@]}" >>"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do ready "$plain" 2>/dev/null && break; sleep 0.1; done
    "$loadgen" --port "$port" -n "$n" -c "$c" -s 1024 --payload-fill json -d "$duration" \
        --connect-concurrency 256 --connect-timeout 120 --server-pid "$server_pid" --json \
        --label "$name" "${lflags[@]}" >"$out/$name.json" 2>>"$log" ||
        say "tls_bench: $name: the load generator failed (see $log)"
    stop_server
}

modes=(plain deflate tls tls-deflate)
for round in $(seq 1 "$rounds"); do
    for scenario in "n1000-c1|1000|1" "n10000-c100|10000|100"; do
        IFS='|' read -r sname n c <<<"$scenario"
        for mode in "${modes[@]}"; do
            name="$sname-$mode-r$round"
            run_step "$name" "$mode" "$n" "$c"
            say "tls_bench: $name done"
        done
    done
done

node "$root/bench/tls/tls_summary.mjs" "$out" "$rounds" | tee "$out/summary.md"
say "tls_bench: results in $out"
