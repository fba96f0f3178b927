// SPDX-License-Identifier: MIT
// The raw JSON protocol's codec: one JSON object per WebSocket text message. A test-only third
// protocol that proves a protocol is a folder plus one registration (docs/ARCHITECTURE.md):
//   client: {"op":"subscribe"|"unsubscribe","topic":T}
//   {"op":"publish","topic":T,"event":E,"data":D} server: {"op":"subscribed","topic":T}
//   {"op":"event","topic":T,"event":E,"data":D}
//           {"op":"error","reason":R}
// Pure: no I/O, no clocks.
#pragma once

#include <string>
#include <string_view>

namespace shoal::rawjson {

enum class Op { Subscribe, Unsubscribe, Publish };

// Views into the parse buffer: valid until the next parse. data is D re-serialised compactly.
struct ClientMessage {
    Op op = Op::Subscribe;
    std::string_view topic;
    std::string_view event;
    std::string_view data;
};

// Why a message was refused: the "reason" of the error answer.
inline constexpr std::string_view kBadMessage = "bad message";
inline constexpr std::string_view kTopicNotAllowed = "topic not allowed";
inline constexpr std::string_view kNotSubscribed = "not subscribed";

class Codec {
  public:
    // True with `out` filled, or false when the text is not a well-formed message.
    bool parse(std::string_view text, ClientMessage& out);

    // data is JSON text or a plain string (embedded as JSON when it parses as JSON).
    std::string_view encode_event(std::string_view topic, std::string_view event,
                                  std::string_view data);
    std::string_view encode_subscribed(std::string_view topic);
    std::string_view encode_error(std::string_view reason);

  private:
    std::string in_;    // a NUL-terminated copy the parser reads
    std::string data_;  // the publish's data, re-serialised
    std::string out_;   // the frame being encoded
};

}  // namespace shoal::rawjson
