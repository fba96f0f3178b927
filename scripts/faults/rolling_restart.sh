#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# SIGUSR2 under client load: every slot is replaced one at a time (new epochs, never two slots
# down at once), and no connection attempt is refused meanwhile.
source "$(dirname "$0")/lib/common.bash"

start_serve 2 --heartbeat-interval-ms 50
start_load 3000 200
sleep 0.5
t0="$(now_ms)"
kill -USR2 "$SUP_PID"
rolled() { slot_is 0 running 2 && slot_is 1 running 2; }
wait_until 10000 rolled || fail "not every slot was replaced"
finished="$(log_ms "rolling restart finished")" || fail "rolling restart did not finish"

# One at a time: slot 1 is stopped only after slot 0's replacement is up.
up0="$(log_ms "worker up: slot=0 pid=[0-9]+ epoch=2 ")"
stop1="$(log_ms "worker stop: slot=1 ")"
[ "$stop1" -ge "$up0" ] || fail "slot 1 was stopped before slot 0's replacement was up"

wait "$LOAD_PID" || fail "load client failed"
log "load: $(cat "$FAULT_TMP/load.json")"
attempts="$(load_field attempts)"
refused="$(load_field refused)"
[ "$refused" = 0 ] || fail "$refused of $attempts connection attempts were refused"
[ "$(load_field connected)" = "$attempts" ] || fail "not every connection was made"

echo "rolling_restart: 2 slots replaced one at a time in $((finished - t0)) ms; $attempts connections, $refused refused"
