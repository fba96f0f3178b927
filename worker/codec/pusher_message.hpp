// SPDX-License-Identifier: MIT
// Parses the messages a Pusher protocol 7 client sends. RapidJSON over a reusable arena: after the
// first messages, parsing allocates nothing. Views in a ParsedMessage point into the parser and
// stay valid until its next parse().
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::codec {

// Deeper JSON is refused as malformed (BadJson): re-serialising it would recurse that deep.
inline constexpr unsigned kMaxJsonDepth = 64;

enum class ClientMessageType { Ping, Pong, Subscribe, Unsubscribe, Signin, ClientEvent, Unknown };

enum class ParseError {
    None,
    BadJson,     // not JSON, or not an object
    NoEvent,     // "event" missing or not a string
    BadPayload,  // a field the event needs is missing or of the wrong type
};

struct ClientMessage {
    ClientMessageType type = ClientMessageType::Unknown;
    std::string_view event;
    std::string_view channel;       // subscribe, unsubscribe, client events
    std::string_view auth;          // subscribe, signin (empty when absent)
    std::string_view channel_data;  // subscribe to presence (empty when absent)
    std::string_view user_data;     // signin
    std::string_view data_json;     // client events: "data" re-serialized as JSON text
    // subscribe: "recover":{"offset":N,"epoch":"E"}, the last position of a history channel
    // the client received (shoal's extension; docs/history.md)
    bool has_recover = false;
    std::uint64_t recover_offset = 0;
    std::string_view recover_epoch;
};

// user_id may be a JSON string or number in channel_data; it is kept as text.
struct PresenceData {
    std::string user_id;
    std::string user_info_json;  // "null" when absent
};

class PusherParser {
  public:
    explicit PusherParser(std::size_t arena_bytes = 256 * 1024);
    ~PusherParser();
    PusherParser(const PusherParser&) = delete;
    PusherParser& operator=(const PusherParser&) = delete;

    ParseError parse(std::string_view text, ClientMessage& out);
    // channel_data of a presence subscription: {"user_id": str|num, "user_info": any}.
    bool parse_channel_data(std::string_view text, PresenceData& out);
    // user_data of a signin: an object with a non-empty string "id".
    bool parse_user_id(std::string_view user_data, std::string& user_id);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::codec
