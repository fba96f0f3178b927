// SPDX-License-Identifier: MIT
// Phoenix Channels v2 JSON serializer: frames are [join_ref, ref, topic, event, payload]. Parsing
// and encoding are pure; a PhoenixCodec instance owns reusable buffers, so steady-state parsing
// and encoding allocate nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::codec {

enum class PhoenixParseStatus {
    Ok,
    NotJson,     // the text is not JSON
    NotArray,    // not a 5-element array
    BadRef,      // join_ref or ref is neither a string, a number nor null
    BadTopic,    // topic missing, empty, too long or with forbidden bytes
    BadEvent,    // event missing or not a string
    BadPayload,  // payload is not an object
    TooLarge,    // over the codec's maximum message size
};

const char* phoenix_parse_status_text(PhoenixParseStatus status) noexcept;

// Deeper JSON (the frame's own array counts as one level) is refused as NotJson: RapidJSON's
// parse and the payload's re-serialisation recurse once per level, and a message of
// max_message_bytes could otherwise nest deep enough to overflow the worker's stack.
inline constexpr unsigned kMaxPhoenixJsonDepth = 64;

// Views into the codec's buffers: valid until the next parse on the same codec.
struct PhoenixMessage {
    std::optional<std::string_view> join_ref;
    std::optional<std::string_view> ref;
    std::string_view topic;
    std::string_view event;
    std::string_view payload;  // the payload object, re-serialised compactly as JSON
};

// Topic rules: 1..200 bytes of printable ASCII other than '"' and '\' (Phoenix itself accepts any
// string; the bound keeps topics usable as Pusher-visible names and log-safe).
inline constexpr std::size_t kMaxPhoenixTopicBytes = 200;
bool is_valid_phoenix_topic(std::string_view topic) noexcept;

class PhoenixCodec {
  public:
    explicit PhoenixCodec(std::size_t max_message_bytes = 64 * 1024);
    ~PhoenixCodec();
    PhoenixCodec(const PhoenixCodec&) = delete;
    PhoenixCodec& operator=(const PhoenixCodec&) = delete;

    PhoenixParseStatus parse(std::string_view text, PhoenixMessage& out);

    // Encoders return a view of the codec's output buffer, valid until the next encode.
    // [join_ref, ref, topic, "phx_reply", {"status": status, "response": response_json}]
    std::string_view encode_reply(std::optional<std::string_view> join_ref,
                                  std::optional<std::string_view> ref, std::string_view topic,
                                  std::string_view status, std::string_view response_json);
    // [join_ref, ref, topic, event, payload_json]; payload_json must be valid JSON.
    std::string_view encode_message(std::optional<std::string_view> join_ref,
                                    std::optional<std::string_view> ref, std::string_view topic,
                                    std::string_view event, std::string_view payload_json);

  private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace shoal::codec
