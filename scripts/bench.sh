#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark matrix in one go (docs/benchmarks.md). Builds Release, then for each step starts
# a fresh shoal on a free 127.0.0.1 port, drives it with shoal_loadgen, stops it by its PID, and
# prints one progress line. Writes results.json, results.csv and plot.svg (and each step's JSON)
# into the output folder, then prints the table. Steps needing what the server cannot do yet
# (it does not start, or no cross-worker bus) are skipped with a line saying so, never failed.
#
# Usage: scripts/bench.sh [--quick] [--duration S] [--out DIR] [--build DIR] [--no-build]
#                         [--shoal PATH] [--server shoal|stub|fake] [--only NAME_REGEX] [--rounds N]
#   --quick     1 s per step instead of 3 (the whole matrix then takes about a minute)
#   --server    shoal (default); stub: shoal_fanout_stub, to measure the load generator's own
#               ceiling; fake: tests/bench/fake_pusher_server.mjs (Node; tests this script)
#   --only RE   run only the steps whose name matches RE (e.g. 'w1-n1000' or 'latency');
#               'cluster' matches the cross-host steps (scripts/bench_cluster.sh), 'baseline'
#               the transport baseline (both skipped when RE matches neither)
#   --rounds N  run the selected steps N times, one round after another (so shoal and the stub
#               alternate); the report gives each step's median run and the spread
# Fan-out steps run with 10 events per HTTP request (-b10) and with one (-b1); the floor steps
# (fanout-floor-stub-...) are the same load against shoal_fanout_stub, so the report can give
# shoal's deliveries/s as a fraction of the kernel's cost for the same writes, in the same run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
out=""
duration=3
latency_duration=5
do_build=1
shoal_bin=""
server=shoal
only=""
rounds=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) duration=1; latency_duration=2 ;;
        --duration) duration="$2"; shift ;;
        --out) out="$2"; shift ;;
        --build) build="$2"; shift ;;
        --no-build) do_build=0 ;;
        --shoal) shoal_bin="$2"; shift ;;
        --server) server="$2"; shift ;;
        --fake) server=fake ;;
        --only) only="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
out="${out:-$build/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
log="$out/bench.log"
: >"$log"
say() { printf '%s\n' "$*" | tee -a "$log"; }

# ---- build --------------------------------------------------------------------------------
if [ "$do_build" = 1 ]; then
    say "bench: building Release into $build (cmake --build -j2)"
    # GCC 12 reports a false -Wrestrict at -O3 inside std::string (GCC bug 105329); the test
    # builds (-O2) keep every warning an error, this one stays a warning here.
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHOAL_BUILD_TESTS=OFF \
        -DCMAKE_CXX_FLAGS=-Wno-error=restrict >>"$log" 2>&1
    cmake --build "$build" -j2 --target shoal_loadgen >>"$log" 2>&1 ||
        { say "bench: shoal_loadgen did not build (see $log)"; exit 1; }
    if [ "$server" = stub ] || [ "$server" = shoal ]; then
        cmake --build "$build" -j2 --target shoal_fanout_stub >>"$log" 2>&1 || say "bench: no stub"
    fi
    if [ "$server" = shoal ] && [ -z "$shoal_bin" ]; then
        cmake --build "$build" -j2 --target shoal >>"$log" 2>&1 ||
            say "bench: the shoal binary did not build; server steps will be skipped (see $log)"
    fi
    cmake --build "$build" -j2 --target transport_baseline_bench >>"$log" 2>&1 ||
        say "bench: transport_baseline_bench did not build; the baseline ratio will be skipped"
fi
loadgen="$build/bench/shoal_loadgen"
[ -x "$loadgen" ] || { say "bench: $loadgen missing (drop --no-build)"; exit 1; }
shoal_bin="${shoal_bin:-$build/supervisor/shoal}"

# ---- server control -----------------------------------------------------------------------
server_pid=""
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 10000))  # below the ephemeral range the load generator uses
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}
http_ready() {  # 200 from GET /ready, or (stand-in server) any HTTP answer
    local port=$1 line=""
    exec 3<>/dev/tcp/127.0.0.1/"$port" || return 1
    printf 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    IFS= read -r -t 1 line <&3 || true
    exec 3<&- 3>&-
    case "$line" in "HTTP/1.1 200"*) return 0 ;; "HTTP/1.1 "*) [ "$server" != shoal ] ;; *) return 1 ;; esac
}
launch() {  # workers port mode -> starts the server in the background, sets server_pid
    local workers=$1 port=$2 mode=$3
    case "$mode" in
        fake) node "$root/tests/bench/fake_pusher_server.mjs" "$port" >>"$log" 2>&1 & ;;
        stub) "$build/bench/shoal_fanout_stub" "$port" >>"$log" 2>&1 & ;;
        serve) "$shoal_bin" serve --workers "$workers" --port "$port" --host 127.0.0.1 \
                   --bus-name "shoal-bench-$port" --log-level warn >>"$log" 2>&1 & ;;
        worker) "$shoal_bin" worker --port "$port" --host 127.0.0.1 --log-level warn \
                    >>"$log" 2>&1 & ;;
    esac
    server_pid=$!
}
wait_ready() {  # port -> 0 when ready; 1 with $why when the server exited or timed out
    local port=$1 i
    for i in $(seq 1 100); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null || true
            server_pid=""; why="server exited at start"; return 1
        fi
        if http_ready "$port" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    stop_server; why="server not ready within 10 s"; return 1
}
serve_mode=serve  # becomes "worker" when this build has no `shoal serve` yet
start_server() {  # workers port -> sets server_pid, or returns 1 with the reason in $why
    local workers=$1 port=$2
    why=""
    if [ "$server" != shoal ]; then
        if [ "$workers" != 1 ]; then why="the $server server is one process"; return 1; fi
        launch 1 "$port" "$server"
        wait_ready "$port"
        return
    fi
    if [ ! -x "$shoal_bin" ]; then why="no shoal binary"; return 1; fi
    if [ "$serve_mode" = worker ] && [ "$workers" != 1 ]; then
        why="this build has no shoal serve, and one standalone worker cannot be $workers"
        return 1
    fi
    launch "$workers" "$port" "$serve_mode"
    wait_ready "$port" && return 0
    if [ "$serve_mode" = serve ] && [ "$workers" = 1 ]; then
        say "bench: shoal serve did not start; using one standalone shoal worker for --workers 1"
        serve_mode=worker
        launch 1 "$port" worker
        wait_ready "$port"
        return
    fi
    return 1
}
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap stop_server EXIT

# ---- the matrix ---------------------------------------------------------------------------
# name|workers|subscribers|channels|payload|rate (0: as fast as absorbed)|duration|batch
steps=()
for w in 1 2; do
    for n in 1000 10000; do
        for c in 1 100; do
            for s in 64 1024; do
                for b in 10 1; do
                    steps+=("fanout-w$w-n$n-c$c-s$s-b$b|$w|$n|$c|$s|0|$duration|$b")
                done
            done
        done
    done
done
# The floor, in the same run: the same loads against shoal_fanout_stub (one epoll thread, no
# checks at all: the kernel's cost for the same writes, and the load generator's ceiling).
have_stub=0
if [ "$server" = shoal ] && [ -x "$build/bench/shoal_fanout_stub" ]; then have_stub=1; fi
if [ "$have_stub" = 1 ]; then
    for nc in "1000 1" "10000 100"; do
        read -r n c <<<"$nc"
        for b in 10 1; do
            steps+=("fanout-floor-stub-n$n-c$c-s64-b$b|stub|$n|$c|64|0|$duration|$b")
        done
    done
fi
steps+=("latency-w1-n1000-c100-s64-r1000|1|1000|100|64|1000|$latency_duration|10")
steps+=("latency-w2-n1000-c100-s64-r1000|2|1000|100|64|1000|$latency_duration|10")
if [ "$have_stub" = 1 ]; then
    steps+=("latency-floor-stub-n1000-c100-s64-r1000|stub|1000|100|64|1000|$latency_duration|10")
fi
if [ -n "$only" ]; then
    kept=()
    for s in "${steps[@]}"; do [[ "${s%%|*}" =~ $only ]] && kept+=("$s"); done
    steps=("${kept[@]}")
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '{"server":"%s","commit":"%s","duration_s":%s,"rounds":%s,"shoal_bin":"%s"}\n' "$server" \
    "$commit" "$duration" "$rounds" "$shoal_bin" >"$out/meta.json"

# A server that starts but does not speak Pusher yet (no subscription_succeeded) would cost each
# step its whole connect timeout: one small probe per worker count decides for all its steps.
declare -A probe=()
probe_pusher() {  # workers port -> 0 when two clients can subscribe
    local workers=$1 port=$2
    if [ -z "${probe[$workers]:-}" ]; then
        probe[$workers]=no
        "$loadgen" --port "$port" -n 2 -c 1 -d 0.1 -r 10 --drain-ms 200 --settle-ms 0 \
            --connect-timeout 5 --json >>"$log" 2>&1 && probe[$workers]=yes
    fi
    [ "${probe[$workers]}" = yes ]
}

field() { sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" | head -1; }
field_in() {  # file object key: a number inside one nested object, or "-"
    local v
    v=$(sed -nE "s/.*\"$2\":\{[^}]*\"$3\":(-?[0-9.]+).*/\1/p" "$1" | head -1)
    echo "${v:--}"
}
total=$((${#steps[@]} * rounds))
index=0
say "bench: $total steps against $server, $duration s each; results in $out"
for round in $(seq 1 "$rounds"); do
for step in "${steps[@]}"; do
    index=$((index + 1))
    IFS='|' read -r name workers subs channels payload rate secs batch <<<"$step"
    file="$name"
    [ "$rounds" = 1 ] || file="$name.r$round"
    port=$(free_port)
    started_ok=1
    if [ "$workers" = stub ]; then  # the floor step: the stub whatever --server says
        saved_server=$server
        server=stub
        start_server 1 "$port" || started_ok=0
        server=$saved_server
    else
        start_server "$workers" "$port" || started_ok=0
    fi
    if [ "$started_ok" = 0 ]; then
        say "[$index/$total] $name: skipped ($why)"
        continue
    fi
    if ! probe_pusher "$workers" "$port"; then
        stop_server
        say "[$index/$total] $name: skipped (server does not speak Pusher protocol 7 yet)"
        continue
    fi
    started=$SECONDS
    warmup=0
    busy=()
    if [ "$rate" != 0 ]; then
        warmup=500  # latency steps: leave out the first half second
        # and spin, so the load generator's own wake-up from a halted vCPU (~30 us on this VM,
        # more at the tail) is not counted as the server's latency
        busy=(--busy-poll)
    fi
    rc=0
    timeout $((secs + 90)) "$loadgen" --port "$port" -n "$subs" -c "$channels" -s "$payload" \
        -r "$rate" -d "$secs" --drain-ms 5000 --warmup-ms "$warmup" "${busy[@]}" \
        --batch "$batch" --server-pid "$server_pid" \
        --json --label "$name" \
        >"$out/$file.json" 2>>"$log" || rc=$?
    stop_server
    if [ "$rc" != 0 ] || [ ! -s "$out/$file.json" ]; then
        say "[$index/$total] $name: loadgen failed (exit $rc, see $log)"
        rm -f "$out/$file.json"
        continue
    fi
    j="$out/$file.json"
    printf -v line '[%d/%d] %-34s %10.0f deliv/s  p99 %9.1f us  lost %s  conn/s %6.0f  cores: server %s loadgen %s  (%d s)' \
        "$index" "$total" "$name" "$(field "$j" deliveries_per_s)" "$(field "$j" p99)" \
        "$(field "$j" lost)" "$(field "$j" per_s)" "$(field_in "$j" server cores)" \
        "$(field_in "$j" loadgen cores)" $((SECONDS - started))
    say "$line"
done
done

# ---- cross-host fan-out through Redis (scripts/bench_cluster.sh, docs/cluster.md) -----------
if [ "$server" = shoal ] && [ -x "$shoal_bin" ] && { [ -z "$only" ] || [[ cluster =~ $only ]]; }; then
    "$root/scripts/bench_cluster.sh" --loadgen "$loadgen" --shoal "$shoal_bin" \
        --out "$out/cluster" --duration "$duration" 2>>"$log" | tee -a "$log" ||
        say "bench: cluster steps failed (see $out/cluster)"
fi

# ---- transport baseline: the shm ring vs Unix sockets, one writer to R reader processes ------
tb="$build/bench/transport_baseline_bench"
if [ -n "$only" ] && ! [[ baseline =~ $only ]]; then
    :  # a subset run: no baseline
elif [ -x "$tb" ]; then
    say "bench: transport_baseline_bench (shm ring vs Unix socket)"
    "$tb" --benchmark_format=json --benchmark_min_time=0.3 >"$out/transport_baseline_bench.json" \
        2>>"$log" || say "bench: transport_baseline_bench failed (see $log)"
else
    say "bench: transport_baseline_bench not built: baseline ratio skipped"
fi

# ---- results: JSON, CSV, SVG, table -------------------------------------------------------
node "$root/scripts/bench_report.mjs" "$out" | tee -a "$log"
