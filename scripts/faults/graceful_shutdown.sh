#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# SIGTERM drains: workers get SIGTERM and exit; one that cannot (SIGSTOPped) is SIGKILLed at the
# deadline; the supervisor then unlinks the segment and the lock file and exits 0.
source "$(dirname "$0")/lib/common.bash"

deadline_ms=1500
start_serve 2 --shutdown-deadline-ms "$deadline_ms"
workers="$(worker_pids_of_status)"
stuck="$(slot_field 1 pid)"
kill -STOP "$stuck"
t0="$(now_ms)"
kill -TERM "$SUP_PID"
wait "$SUP_PID"
rc=$?
took=$(($(now_ms) - t0))
SUP_PID_DONE="$SUP_PID"
[ "$rc" = 0 ] || fail "supervisor exited $rc after SIGTERM"
# shellcheck disable=SC2086
all_gone $workers || fail "a worker survived the shutdown"
[ ! -e "/dev/shm/$BUS" ] || fail "segment /dev/shm/$BUS was not unlinked"
[ ! -e "/dev/shm/$BUS.lock" ] || fail "lock file was not removed"
[ "$took" -ge "$deadline_ms" ] || fail "exited after $took ms, before the deadline killed $stuck"
[ "$took" -le $((deadline_ms + 2000)) ] || fail "exited after $took ms, long past the deadline"
grep -q "worker missed the drain deadline: slot=1 pid=$stuck" "$SUP_LOG" ||
    fail "deadline kill not logged"
grep -q "worker exited: slot=0 pid=[0-9]* epoch=1 status=0" "$SUP_LOG" ||
    fail "slot 0 did not exit 0 after SIGTERM"

echo "graceful_shutdown: exit 0 after ${took} ms (deadline ${deadline_ms} ms, one stuck worker SIGKILLed); segment and lock removed"
