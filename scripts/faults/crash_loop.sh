#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 90
# The test-only fault switch (SHOAL_FAULT_FILE) makes slot 1 abort at every start: its breaker
# must open after K failures while slot 0 keeps serving; once the fault file is removed, the
# breaker half-opens after the cooldown, the trial start stays healthy, and the breaker closes.
source "$(dirname "$0")/lib/common.bash"

fault="$FAULT_TMP/fault_file"
echo 1 >"$fault"
export SHOAL_FAULT_FILE="$fault"
PORT="$(free_port)"
BUS="shoal-fault-$FAULT_NAME-$$"
"$SHOAL_BIN" serve --workers 2 --port "$PORT" --bus-name "$BUS" --backoff-initial-ms 50 \
    --backoff-max-ms 200 --breaker-failures 3 --breaker-window-ms 5000 \
    --breaker-cooldown-ms 1500 --healthy-after-ms 1000 >"$FAULT_TMP/serve.log" 2>&1 &
SUP_PID=$!
SUP_LOG="$FAULT_TMP/serve.log"
STARTED_PIDS+=("$SUP_PID")
t0="$(now_ms)"

breaker_is() { [ "$(slot_field 1 breaker)" = "$1" ]; }
wait_until 10000 breaker_is open || fail "slot 1's breaker did not open"
opened="$(log_ms "breaker closed -> open: slot=1")" || fail "no breaker transition logged"
crashes="$(grep -c "worker exited: slot=1 .*signal=6" "$SUP_LOG")"
[ "$crashes" -ge 3 ] || fail "breaker opened after $crashes crashes, expected 3"

# The healthy slot serves while slot 1 is down behind its breaker.
slot_is 0 running 1 || fail "slot 0 is not running while slot 1's breaker is open"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "connection refused while a breaker is open"
exec 3<&-

rm -f "$fault"
removed="$(now_ms)"
closed_now() { breaker_is closed && slot_is 1 running 1; }
wait_until 10000 closed_now || fail "slot 1's breaker did not close after the fault was removed"
grep -q "breaker open -> half-open: slot=1" "$SUP_LOG" || fail "no half-open transition logged"
closed="$(log_ms "breaker half-open -> closed: slot=1")" || fail "no close transition logged"

# Open means no restarts: the log shows no start of slot 1 between each open and the half-open
# that follows it, and each cooldown lasted at least its configured length.
starts_while_open="$(awk '/breaker .* -> open: slot=1/ {open=1} /breaker open -> half-open: slot=1/ {open=0}
    open && /worker started: slot=1 / {n++} END {print n+0}' "$SUP_LOG")"
[ "$starts_while_open" = 0 ] || fail "slot 1 started $starts_while_open times while its breaker was open"
half="$(log_ms "breaker open -> half-open: slot=1")"
[ $((half - opened)) -ge 1500 ] || fail "half-open after $((half - opened)) ms, before the cooldown"

echo "crash_loop: breaker opened after $crashes crashes in $((opened - t0)) ms; closed $((closed - removed)) ms after the fault was removed (cooldown 1500, healthy after 1000)"
