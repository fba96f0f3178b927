// SPDX-License-Identifier: MIT
// JSON text helpers shared by the Pusher and Phoenix encoders (append-only, no DOM).
#pragma once

#include <string>
#include <string_view>

namespace shoal::codec {

// Appends s as a JSON string literal, quotes included. Bytes >= 0x80 pass through unchanged: the
// transport has already validated UTF-8 where it came from a client.
void append_json_string(std::string& out, std::string_view s);

enum class JsonScan { Ok, TooDeep, LoneSurrogate };

// One pass over JSON text before it is parsed, allocation-free. TooDeep: more than max_depth
// nested arrays/objects (RapidJSON's DOM walk recurses). LoneSurrogate: an escaped low surrogate
// with no escaped high surrogate right before it ("\udc00"); RapidJSON decodes it into bytes
// that are not UTF-8 (it refuses a lone high surrogate itself), and those bytes would reach
// every subscriber's text frame. Raw bytes are not checked: the transport validated them.
JsonScan scan_json_text(std::string_view text, unsigned max_depth) noexcept;

}  // namespace shoal::codec
