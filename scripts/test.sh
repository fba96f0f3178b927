#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs every test. Exits non-zero on any failure.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L unit` or `scripts/test.sh -LE slow`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SHOAL_BUILD_DIR:-$root/build}"

bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ -f "$root/tests/package-lock.json" ]; then
    (cd "$root/tests" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
cd "$build"
ctest --output-on-failure --timeout 300 -j "$(nproc)" "$@"
