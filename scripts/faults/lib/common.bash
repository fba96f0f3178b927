# SPDX-License-Identifier: MIT
# Shared helpers for the fault scripts (sourced, never run by ctest: the glob takes *.sh only).
# A script starts its own `shoal serve` on a free port with a unique bus name, records every pid
# it starts, and its EXIT trap kills only those, by pid.
set -uo pipefail
ulimit -c 0  # the crash_loop fault aborts on purpose: no core files

FAULT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
SHOAL_BIN="${SHOAL_BIN:-$FAULT_ROOT/build/supervisor/shoal}"
FAULT_NAME="$(basename "$0" .sh)"
FAULT_TMP="$(mktemp -d "/tmp/shoal-fault-$FAULT_NAME.XXXXXX")"
STARTED_PIDS=()
SUP_PID=""
PORT=""
BUS=""

now_ms() { date +%s%3N; }
log() { echo "$FAULT_NAME: $*" >&2; }

fail() {
    echo "$FAULT_NAME: FAIL: $*" >&2
    for f in "$FAULT_TMP"/serve*.log; do
        [ -f "$f" ] && { echo "--- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2; }
    done
    exit 1
}

free_port() {
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# Workers of our supervisor, read from the bus (pids the supervisor we started started).
worker_pids_of_status() { status_json | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);
    console.log(j.slots.filter(x=>x.pid>0).map(x=>x.pid).join(" "));}catch(e){}});'; }

cleanup() {
    local pids=("${STARTED_PIDS[@]}")
    if [ -n "$SUP_PID" ]; then
        for p in $(worker_pids_of_status 2>/dev/null); do pids+=("$p"); done
    fi
    for p in "${pids[@]}"; do
        kill -CONT "$p" 2>/dev/null
        kill -9 "$p" 2>/dev/null
    done
    for p in "${STARTED_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ -n "$BUS" ]; then rm -f "/dev/shm/$BUS" "/dev/shm/$BUS.lock"; fi
    rm -f "$FAULT_TMP"/fault_file
    [ "${KEEP_FAULT_TMP:-0}" = 1 ] || rm -rf "$FAULT_TMP"
}
trap cleanup EXIT

# start_serve WORKERS [extra serve flags...]: starts the supervisor, waits until every slot runs.
start_serve() {
    local workers="$1"
    shift
    [ -x "$SHOAL_BIN" ] || fail "no shoal binary at $SHOAL_BIN (set SHOAL_BIN)"
    [ -n "$PORT" ] || PORT="$(free_port)"
    [ -n "$BUS" ] || BUS="shoal-fault-$FAULT_NAME-$$"
    local logf="$FAULT_TMP/serve.$(now_ms).log"
    "$SHOAL_BIN" serve --workers "$workers" --port "$PORT" --bus-name "$BUS" "$@" \
        >"$logf" 2>&1 &
    SUP_PID=$!
    SUP_LOG="$logf"
    STARTED_PIDS+=("$SUP_PID")
    wait_until 10000 all_running "$workers" || fail "serve did not bring up $workers workers"
}

status_json() { "$SHOAL_BIN" status --json --bus-name "$BUS" 2>/dev/null; }

# slot_field SLOT FIELD: one field of one slot from `shoal status --json`.
slot_field() {
    status_json | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);
        const v=j.slots[+process.argv[1]][process.argv[2]];console.log(v===undefined?"":v);}
        catch(e){console.log("");}});' "$1" "$2"
}

all_running() {
    local n
    n="$(status_json | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);
        console.log(j.slots.filter(x=>x.state==="running").length);}catch(e){console.log(0);}});')"
    [ "$n" = "$1" ]
}

# wait_until TIMEOUT_MS CMD...: polls CMD every 20 ms; non-zero if it never succeeded in time.
wait_until() {
    local timeout="$1"
    shift
    local deadline=$(($(now_ms) + timeout))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

# A pid that no longer runs: gone from /proc, or a zombie waiting for a reaper.
pid_gone() {
    [ -r "/proc/$1/stat" ] || return 0
    local state
    state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)"
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

all_gone() {
    local p
    for p in "$@"; do pid_gone "$p" || return 1; done
    return 0
}

# start_load DURATION_MS RATE: a bounded client that connects RATE times a second and GETs /ready.
start_load() {
    node "$FAULT_ROOT/scripts/faults/lib/load_client.mjs" "$PORT" "$1" "$2" >"$FAULT_TMP/load.json" &
    LOAD_PID=$!
    STARTED_PIDS+=("$LOAD_PID")
}

# load_field FIELD: one number from the finished load client's summary.
load_field() {
    node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(j[process.argv[2]]);' \
        "$FAULT_TMP/load.json" "$1"
}

# log_ms PATTERN: the time (epoch ms) of the first supervisor log line matching PATTERN.
log_ms() {
    local ts
    ts="$(grep -m1 -E "$1" "$SUP_LOG" | awk '{print $1}')"
    [ -n "$ts" ] || return 1
    date -d "$ts" +%s%3N
}

# slot_is SLOT STATE MIN_EPOCH: one status read; true when the slot is in STATE at >= MIN_EPOCH.
slot_is() {
    status_json | node -e '
        let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);
        const x=j.slots[+process.argv[1]];
        process.exit(x.state===process.argv[2]&&x.epoch>=+process.argv[3]?0:1);}
        catch(e){process.exit(1);}});' "$1" "$2" "$3"
}
