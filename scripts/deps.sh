#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages shoal needs, only those that are missing (apt-get update runs only
# when something must be installed). Safe to run again.
set -euo pipefail

packages=(cmake g++ ninja-build pkg-config libuv1-dev libboost-dev rapidjson-dev libcli11-dev
          libbenchmark-dev catch2 libssl-dev libhiredis-dev libcurl4-openssl-dev redis-server
          prometheus chromium)  # promtool checks /metrics; chromium runs the browser tests
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "deps: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
