#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds shoal. Usage: scripts/build.sh [BUILD_DIR] [extra cmake -D options...]
#   BUILD_DIR defaults to build/. Example: scripts/build.sh build-asan -DSHOAL_SANITIZE=address
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-build}"
shift || true
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac

bash "$root/scripts/deps.sh"
cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
