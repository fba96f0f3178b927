// SPDX-License-Identifier: MIT
// JSON text helpers shared by the Pusher and Phoenix encoders (append-only, no DOM).
#pragma once

#include <string>
#include <string_view>

namespace shoal::codec {

// Appends s as a JSON string literal, quotes included. Bytes >= 0x80 pass through unchanged: the
// transport has already validated UTF-8 where it came from a client.
void append_json_string(std::string& out, std::string_view s);

}  // namespace shoal::codec
