#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# kill -9 the supervisor: every worker must be gone within 2 s (parent-death signal), and the next
# `shoal serve` on the same port and bus name starts cleanly, removing the stale segment.
source "$(dirname "$0")/lib/common.bash"

start_serve 2
workers="$(worker_pids_of_status)"
[ -n "$workers" ] || fail "no worker pids"
t0="$(now_ms)"
kill -9 "$SUP_PID"
wait "$SUP_PID" 2>/dev/null
# shellcheck disable=SC2086
wait_until 2000 all_gone $workers || fail "workers $workers outlived the supervisor by 2 s"
gone=$(($(now_ms) - t0))
[ -e "/dev/shm/$BUS" ] || fail "expected the crashed supervisor's segment to be left behind"
stale="$("$SHOAL_BIN" status --bus-name "$BUS" 2>&1)"
st=$?
[ "$st" = 1 ] || fail "status on a dead supervisor's bus exited $st, expected 1"
echo "$stale" | grep -q "not running: stale segment" || fail "status did not call the segment stale"

t1="$(now_ms)"
start_serve 2
restart=$(($(now_ms) - t1))
grep -q "removed a stale bus segment" "$SUP_LOG" || fail "stale segment removal not logged"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "the restarted server refuses connections"
exec 3<&-

echo "kill_supervisor: workers gone ${gone} ms after the supervisor; restarted on port $PORT in ${restart} ms"
