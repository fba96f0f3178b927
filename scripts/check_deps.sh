#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks the dependency rules CMake target boundaries cannot (docs/ARCHITECTURE.md, R1-R7).
# Prints each violation and exits non-zero if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
violation() { echo "check_deps: $1"; fail=1; }

# R1: common/ includes nothing of shoal outside common/.
grep -rnE '#include "(shm_bus|worker|supervisor)/' common/ && violation "R1: common/ includes another folder"
# R2: shm_bus/ never sees libuv, RapidJSON, worker/ or supervisor/ (its observability/ renders
# JSON, so RapidJSON is allowed there alone: R10).
grep -rnE '#include [<"](uv\.h|worker/|supervisor/)' shm_bus/ && violation "R2: shm_bus/ includes a forbidden header"
grep -rnE '#include [<"]rapidjson/' --exclude-dir=observability shm_bus/ && violation "R2: shm_bus/ includes a forbidden header"
# R3: the codec is pure.
grep -rnE '#include [<"](uv\.h|shm_bus/|sys/socket\.h|unistd\.h)' worker/codec/ && violation "R3: worker/codec includes I/O"
# R4: the channel core knows no protocol and no libuv.
[ -d worker/channel ] && grep -rnE '#include [<"](uv\.h|worker/codec/(pusher|phoenix))' worker/channel/ && violation "R4: worker/channel includes a protocol or libuv"
# R5: inside worker/, only net/, bus_bridge/ and worker_main.cpp include uv.h.
grep -rln '#include <uv.h>' worker/ | grep -vE '^worker/(net/|bus_bridge/|worker_main\.cpp)' && violation "R5: uv.h outside net/, bus_bridge/, worker_main.cpp"
# R6: supervisor/ never includes worker/ (cli_main.cpp excepted): the record schema it reads lives
# in shm_bus/records/.
grep -rln '#include "worker/' supervisor/ | grep -vE '^supervisor/cli_main\.cpp$' && violation "R6: supervisor/ includes worker/"
# R10: shm_bus/observability/ (the host snapshot and its renderings) sits below the worker and the
# supervisor, which both read it: no libuv, no worker/, no supervisor/.
grep -rnE '#include [<"](uv\.h|worker/|supervisor/|hiredis/)' shm_bus/observability/ && violation "R10: observability/ includes a forbidden header"
# R8: hiredis only in supervisor/cluster/ (never in a worker, the bus or common/).
grep -rln '#include <hiredis/' common/ shm_bus/ worker/ supervisor/ | grep -v '^supervisor/cluster/' && violation "R8: hiredis outside supervisor/cluster/"
# R11: libcurl only in supervisor/webhooks/ (the webhook sender's HTTP client).
grep -rln '#include <curl/' common/ shm_bus/ worker/ supervisor/ | grep -v '^supervisor/webhooks/' && violation "R11: curl outside supervisor/webhooks/"
# R7: hot-path headers stay light (frame parse, ring read/write, send queue, fan-out). A listed
# file that no longer exists is a violation too: the rule must name real files.
for h in worker/codec/ws_frame_parser.hpp shm_bus/ring_reader.hpp shm_bus/ring_writer.hpp \
         worker/net/send_queue.hpp worker/channel/topic_table.hpp worker/net/shared_frame.hpp; do
    if [ ! -f "$h" ]; then violation "R7: $h is listed but does not exist"; continue; fi
    grep -nE '#include <(iostream|functional|map|regex)>' "$h" && violation "R7: $h includes a heavy header"
done
# R9: the bus record schema (shm_bus/records/) depends on the standard library alone, so the
# workers and the supervisor's host view can both read it.
grep -rnE '#include "' shm_bus/records/ | grep -v '"shm_bus/records/' && violation "R9: shm_bus/records/ includes shoal headers"
# Folder targets (cmake/compile_options.cmake) make a wrong include between worker/ folders fail
# to compile; the rules above are the ones CMake cannot see (system headers, same-target folders).
exit $fail
