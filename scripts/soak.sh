#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak under ASan + UBSan (docs/hardening.md): `shoal serve --workers 2` built with
# -DSHOAL_SANITIZE=address in a build tree of its own, driven by tests/soak/asan_soak.mjs (healthy
# pusher-js and phoenix.js clients, churn, hostile inputs, random kill -9 of workers) for SECONDS;
# fails on a lost event, an unexpected worker exit, RSS above its baseline, or any sanitizer report.
#   scripts/soak.sh [SECONDS]             build (incremental), then soak; 600 s by default
#   scripts/soak.sh --build-only          only the ASan build (the slow ctest's setup step)
#   scripts/soak.sh --no-build [SECONDS]  soak with the ASan build as it is
# SHOAL_ASAN_BUILD_DIR is the ASan tree (default build-asan/); reports and the server log go to
# its soak/ folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
asan="${SHOAL_ASAN_BUILD_DIR:-$root/build-asan}"
build=1
if [ "${1:-}" = "--build-only" ]; then build=2; shift; fi
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
seconds="${1:-600}"

if [ "$build" -ne 0 ]; then
    launcher=()
    command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # The same tree as README's ASan build (tests configured, so `ctest --test-dir build-asan`
    # still works), but only the binary is built here. -Werror off as README says: GCC 12 reports
    # false maybe-uninitialized warnings in Catch2 once sanitizers instrument the code.
    cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSHOAL_SANITIZE=address -DSHOAL_WERROR=OFF \
        "${launcher[@]}" >/dev/null
    cmake --build "$asan" --target shoal -j "$(nproc)"
fi
[ "$build" -eq 2 ] && exit 0
bin="$asan/supervisor/shoal"
[ -x "$bin" ] || { echo "soak: no ASan build at $asan (run scripts/soak.sh --build-only)" >&2; exit 2; }
[ -d "$root/tests/node_modules" ] || (cd "$root/tests" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

logs="$asan/soak"
rm -rf "$logs"
mkdir -p "$logs"
# Reports go to files (one per process, named by pid) rather than to stderr, so a worker's report
# survives the supervisor restarting it. The quarantine (freed memory kept poisoned to catch use
# after free) is bounded to 16 MiB so RSS measures shoal, not ASan: it is the RSS tolerance's base.
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:quarantine_size_mb=16:malloc_context_size=20"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
export SHOAL_BIN="$bin" SOAK_SECONDS="$seconds" SOAK_LOG="$logs/server.log"
status=0
node "$root/tests/soak/asan_soak.mjs" || status=$?

reports=$(find "$logs" -name 'asan.*' -o -name 'ubsan.*' | sort)
if [ -n "$reports" ]; then
    echo "not ok: sanitizer reports:"
    for r in $reports; do
        echo "== $r"
        head -40 "$r"
    done
    status=1
fi
if grep -q -E 'runtime error:|AddressSanitizer|LeakSanitizer' "$logs/server.log" 2>/dev/null; then
    echo "not ok: sanitizer output in $logs/server.log"
    status=1
fi
[ "$status" -eq 0 ] && echo "ok: no sanitizer reports ($logs)"
exit "$status"
