#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-timeout: 60
# A worker that fails at start-up with a configuration error (exit 78) opens its slot's breaker at
# once instead of restarting in a loop; the other slot serves on, and a rolling restart (SIGUSR2)
# skips the slot behind the open breaker.
source "$(dirname "$0")/lib/common.bash"

fault="$FAULT_TMP/fault_file"
echo "1:config" >"$fault"
export SHOAL_FAULT_FILE="$fault"
PORT="$(free_port)"
BUS="shoal-fault-$FAULT_NAME-$$"
"$SHOAL_BIN" serve --workers 2 --port "$PORT" --bus-name "$BUS" --breaker-failures 5 \
    --breaker-cooldown-ms 30000 >"$FAULT_TMP/serve.log" 2>&1 &
SUP_PID=$!
SUP_LOG="$FAULT_TMP/serve.log"
STARTED_PIDS+=("$SUP_PID")

breaker_open() { [ "$(slot_field 1 breaker)" = open ]; }
wait_until 5000 breaker_open || fail "slot 1's breaker did not open"
sleep 1
exits="$(grep -c "worker exited: slot=1 .*status=78" "$SUP_LOG")"
[ "$exits" = 1 ] || fail "slot 1 started $exits times; exit 78 must open the breaker at once"
grep -q "breaker closed -> open: slot=1 (configuration error, exit 78)" "$SUP_LOG" ||
    fail "breaker transition not logged"
slot_is 0 running 1 || fail "slot 0 is not serving"

# A rolling restart replaces slot 0 and skips slot 1, which its open breaker owns.
kill -USR2 "$SUP_PID"
rolled() { grep -q "rolling restart finished" "$SUP_LOG"; }
wait_until 5000 rolled || fail "rolling restart did not finish"
grep -q "rolling restart: slot=1 skipped (breaker-open)" "$SUP_LOG" || fail "slot 1 not skipped"
slot_is 0 running 2 || fail "slot 0 was not rolled"
[ "$(grep -c "worker exited: slot=1 .*status=78" "$SUP_LOG")" = 1 ] ||
    fail "the roll started slot 1 despite its open breaker"

echo "config_error: exit 78 opened the breaker after $exits start; slot 0 serving and rolled, slot 1 skipped"
