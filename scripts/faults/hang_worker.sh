#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# SIGSTOP a worker: its heartbeat goes stale, so after the heartbeat timeout the supervisor
# SIGKILLs it and starts a replacement in the same slot with a new epoch.
source "$(dirname "$0")/lib/common.bash"

timeout_ms=1000
start_serve 2 --heartbeat-interval-ms 50 --heartbeat-timeout-ms "$timeout_ms" \
    --backoff-initial-ms 50

victim="$(slot_field 0 pid)"
epoch="$(slot_field 0 epoch)"
t0="$(now_ms)"
kill -STOP "$victim"

wait_until 6000 slot_is 0 running $((epoch + 1)) || fail "stopped worker was not replaced"
pid_gone "$victim" || fail "stopped worker $victim was not killed"
grep -qE "worker heartbeat stale: slot=0 pid=$victim" "$SUP_LOG" || fail "no stale heartbeat logged"
killed="$(log_ms "worker heartbeat stale: slot=0 pid=$victim")"
up="$(log_ms "worker up: slot=0 pid=[0-9]+ epoch=$((epoch + 1)) ")" || fail "no worker up logged"
detect=$((killed - t0))
# Staleness counts from the last beat, up to one interval (50 ms) before the SIGSTOP.
[ "$detect" -ge $((timeout_ms - 100)) ] || fail "killed after $detect ms, before the $timeout_ms ms timeout"
[ "$detect" -le $((timeout_ms + 1000)) ] || fail "killed after $detect ms, long past the timeout"
slot_is 1 running 1 || fail "slot 1 was disturbed"

echo "hang_worker: stopped worker killed after ${detect} ms (timeout ${timeout_ms} ms), replacement up after $((up - t0)) ms"
