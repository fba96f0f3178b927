// SPDX-License-Identifier: MIT
// Encodes the messages a Pusher protocol 7 server sends, as the text payload of one WebSocket
// frame. Each function replaces the contents of `out` (a caller-owned, reused buffer) and
// allocates only when `out` must grow.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "worker/codec/json_text.hpp"

namespace shoal::codec {

void encode_connection_established(std::string& out, std::string_view socket_id,
                                   std::uint32_t activity_timeout_s);
void encode_error(std::string& out, std::uint16_t code, std::string_view message);
void encode_ping(std::string& out);
void encode_pong(std::string& out);
// A history channel's position (docs/history.md): `"position":{"offset":N,"epoch":"E"}` beside
// an event's data; offset 0 (empty epoch) renders nothing.
struct Position {
    std::uint64_t offset = 0;
    std::string_view epoch;
};
// What subscription_succeeded says on a history channel: where live delivery starts and, when
// the client asked to recover, whether the events sent next are everything it missed.
struct HistoryStartInfo {
    Position position;
    bool asked = false;
    bool recovered = false;
};
void encode_subscription_succeeded(std::string& out, std::string_view channel,
                                   const HistoryStartInfo* history = nullptr);
// What a subscriber to a cache channel gets when the channel has no live last event.
void encode_cache_miss(std::string& out, std::string_view channel);
void encode_subscription_error(std::string& out, std::string_view channel, std::string_view type,
                               std::string_view error, int status);
void encode_signin_success(std::string& out, std::string_view user_data);

struct PresenceMember {
    std::string_view user_id;
    std::string_view user_info_json;  // valid JSON text ("null" when none)
};
// data = "{\"presence\":{\"ids\":[..],\"hash\":{..},\"count\":n}}", built in scratch.
void encode_presence_succeeded(std::string& out, std::string& scratch, std::string_view channel,
                               std::span<const PresenceMember> members,
                               const HistoryStartInfo* history = nullptr);
void encode_member_added(std::string& out, std::string& scratch, std::string_view channel,
                         const PresenceMember& member);
void encode_member_removed(std::string& out, std::string& scratch, std::string_view channel,
                           std::string_view user_id);

// {"event":..,"channel":..,"data":<data_json>[,"user_id":..]}: data_json is JSON text as is.
void encode_event_json(std::string& out, std::string_view event, std::string_view channel,
                       std::string_view data_json, std::string_view user_id = {},
                       const Position& position = {});
// The same with data as a JSON string (what the HTTP API receives and relays).
void encode_event_string(std::string& out, std::string_view event, std::string_view channel,
                         std::string_view data, const Position& position = {});

}  // namespace shoal::codec
