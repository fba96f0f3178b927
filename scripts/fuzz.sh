#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one libFuzzer target of tests/fuzz/ over its committed seed corpus, then mutates.
#   scripts/fuzz.sh --list                          the targets
#   scripts/fuzz.sh TARGET [libFuzzer flags...]     e.g. scripts/fuzz.sh ws_frame_parser -max_total_time=600 -jobs=2
#   scripts/fuzz.sh TARGET FILE...                  replays single inputs (a crash file, a seed)
#   scripts/fuzz.sh TARGET --merge                  folds the inputs found by earlier runs into the
#                                                   committed corpus, keeping only new coverage
# The binaries come from the clang sub-build that the main build makes (BUILD/fuzz; BUILD is
# SHOAL_BUILD_DIR or build/). New inputs go to BUILD/fuzz/work/TARGET/new, never into the
# committed corpus; a crash is written as BUILD/fuzz/work/TARGET/crash-<sha1> (docs/hardening.md
# says how to turn it into a regression seed). ctest runs each target with -runs=N -seed=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SHOAL_BUILD_DIR:-$root/build}"
bindir="$build/fuzz/tests/fuzz"

if [ "${1:-}" = "--list" ] || [ $# -eq 0 ]; then
    for f in "$root"/tests/fuzz/*_fuzz.cpp; do
        basename "$f" _fuzz.cpp
    done
    [ $# -eq 0 ] && echo "usage: scripts/fuzz.sh TARGET [libFuzzer flags | FILE... | --merge]" >&2
    exit 0
fi
target="$1"
shift
bin="$bindir/${target}_fuzz"
corpus="$root/tests/fuzz/corpus/$target"
work="$build/fuzz/work/$target"
if [ ! -x "$bin" ]; then
    echo "fuzz: $bin not built; build the main tree first (cmake --build $build)" >&2
    exit 2
fi
[ -d "$corpus" ] || { echo "fuzz: no seed corpus at $corpus" >&2; exit 2; }
mkdir -p "$work"
# A 1 MiB stack instead of 8: a parser that recurses once per input byte overflows it with
# inputs of kilobytes, which the fuzzer reaches, instead of megabytes, which it does not (this
# is how the Phoenix codec's unbounded nesting was found).
ulimit -s 1024
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/fuzz/ubsan.supp}"

if [ "${1:-}" = "--merge" ]; then
    [ -d "$work/new" ] || { echo "fuzz: nothing found yet in $work/new" >&2; exit 0; }
    exec "$bin" -merge=1 "$corpus" "$work/new"
fi
if [ $# -gt 0 ] && [ -f "$1" ]; then
    exec "$bin" -artifact_prefix="$work/" "$@"
fi
# A fresh output directory each time: the corpus replayed is the committed one plus only what
# this run finds.
rm -rf "$work/new"
mkdir -p "$work/new"
exec "$bin" -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/new" "$corpus"
