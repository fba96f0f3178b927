// SPDX-License-Identifier: MIT
// A Phoenix join's recovery parameter, {"since":{"offset":N,"epoch":"E"}} (docs/history.md):
// where the client stopped on a history channel. Pure: a parse over the join's payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::codec {

enum class JoinSince { Absent, Present, Malformed };

struct JoinPosition {
    std::uint64_t offset = 0;
    std::string epoch;
};

// payload_json is the join's payload object; out is filled when Present.
JoinSince parse_join_since(std::string_view payload_json, JoinPosition& out);

}  // namespace shoal::codec
