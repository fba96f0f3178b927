#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds a Release binary and starts `shoal serve` (defaults: 127.0.0.1:6001,
# one worker per core, app id/key/secret app-id/app-key/app-secret). Extra arguments go to serve.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Warnings stay errors in the test build (scripts/test.sh); a user's server build must not fail over
# a compiler's false positive at -O3 (GCC 12 bug 105329 in std::string).
bash "$root/scripts/build.sh" build-release -DCMAKE_BUILD_TYPE=Release -DSHOAL_BUILD_TESTS=OFF \
    -DSHOAL_BUILD_BENCH=OFF -DSHOAL_WERROR=OFF
exec "$root/build-release/supervisor/shoal" serve "$@"
