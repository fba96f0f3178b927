#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds a Release binary and starts `shoal serve` (defaults: 127.0.0.1:6001,
# one worker per core, app id/key/secret app-id/app-key/app-secret). Extra arguments go to serve.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/build.sh" build-release -DCMAKE_BUILD_TYPE=Release -DSHOAL_BUILD_TESTS=OFF \
    -DSHOAL_BUILD_BENCH=OFF
exec "$root/build-release/supervisor/shoal" serve "$@"
