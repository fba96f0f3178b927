#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# kill -9 a random worker under client load: its replacement must be up (its loop running on the
# inherited socket) within 1 s, and no connection attempt may be refused meanwhile.
source "$(dirname "$0")/lib/common.bash"

start_serve 2 --backoff-initial-ms 100 --heartbeat-interval-ms 50 --heartbeat-timeout-ms 1000
start_load 4000 200
sleep 1

slot=$((RANDOM % 2))
victim="$(slot_field "$slot" pid)"
epoch="$(slot_field "$slot" epoch)"
[ -n "$victim" ] && [ "$victim" -gt 0 ] || fail "no pid for slot $slot"
t0="$(now_ms)"
kill -9 "$victim"

wait_until 5000 slot_is "$slot" running $((epoch + 1)) || fail "slot $slot not replaced within 5 s"
# Measured from the kill to the supervisor's "worker up" line: the new loop runs on the socket.
up="$(log_ms "worker up: slot=$slot pid=[0-9]+ epoch=$((epoch + 1)) ")" || fail "no worker up logged"
took=$((up - t0))
pid_gone "$victim" || fail "killed worker $victim still runs"

wait "$LOAD_PID" || fail "load client failed"
attempts="$(load_field attempts)"
refused="$(load_field refused)"
connected="$(load_field connected)"
ok="$(load_field ok)"
log "load: $(cat "$FAULT_TMP/load.json")"
[ "$refused" = 0 ] || fail "$refused of $attempts connection attempts were refused"
[ "$connected" = "$attempts" ] || fail "only $connected of $attempts connections were made"
[ "$took" -le 1000 ] || fail "replacement took $took ms (limit 1000)"
grep -q "worker exited: slot=$slot pid=$victim" "$SUP_LOG" || fail "no exit logged for $victim"

echo "kill_worker: slot $slot replaced and accepting after ${took} ms; $attempts connections, $refused refused, $ok answered"
