// SPDX-License-Identifier: MIT
// The Server-Sent Events codec: the stream request's query (channels, their Pusher-style auth,
// presence channel_data) and the event text, each event one HTTP chunk so every subscriber's
// send queue takes the same bytes. Pure: no I/O, no clocks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::sse {

// One channel of a stream request: auth and channel_data are the parameters that follow its
// `channel=` (empty when none did).
struct ChannelRequest {
    std::string channel;
    std::string auth;          // "key:hex(HMAC-SHA256(secret, socket_id:channel[:channel_data]))"
    std::string channel_data;  // presence: {"user_id":...,"user_info":...}
};

struct StreamQuery {
    std::string socket_id;  // chosen by the client ("digits.digits"), signed by its auth endpoint
    std::vector<ChannelRequest> channels;
    std::string last_event_id;  // `lastEventId=` (EventSource sends the header instead)
};

enum class QueryError { None, Malformed, NoChannel, AuthWithoutChannel };

// Parses `channel=a&auth=..&channel=b&socket_id=..`; unknown parameters are ignored.
QueryError parse_stream_query(std::string_view query, StreamQuery& out);

// "1234.5678": what Pusher issues as a socket id, and what a stream's signatures name.
bool valid_socket_id(std::string_view s) noexcept;

// The event as one HTTP chunk:
//   id: <id>\nevent: <name>\ndata: {"channel":..,"event":..,"data":"<data as a string>"}\n\n
// out is cleared first. Names with CR/LF are carried in data only (event: "message").
void encode_event_chunk(std::string& out, std::uint64_t id, std::string_view channel,
                        std::string_view name, std::string_view data);
// The same with a history channel's id, "<epoch>:<offset>" (docs/history.md).
void encode_event_chunk(std::string& out, std::string_view epoch, std::uint64_t offset,
                        std::string_view channel, std::string_view name, std::string_view data);
// What a stream of a history channel is told first, with no id (the client's last id stays):
//   event: shoal:history\ndata: {"channel":..,"position":{"offset":N,"epoch":"E"}[,"recovered":b]}
void encode_history_chunk(std::string& out, std::string_view channel, std::uint64_t offset,
                          std::string_view epoch, bool asked, bool recovered);
// A history id's parts; false unless text is "<epoch>:<offset>" with a non-empty epoch of at
// most 64 bytes and a decimal offset.
bool parse_history_id(std::string_view text, std::string_view& epoch,
                      std::uint64_t& offset) noexcept;
// A comment line (": text\n\n") or the stream's preamble as one HTTP chunk.
void encode_comment_chunk(std::string& out, std::string_view text);
// "retry: <ms>\n" plus a comment, the first bytes of every stream.
std::string encode_preamble(std::uint32_t retry_ms, std::string_view comment);

// The decimal id an event carries; 0 when the text is not one (no event has id 0).
std::uint64_t parse_event_id(std::string_view text) noexcept;
// The id inside an encoded event chunk (what encode_event_chunk wrote), or 0.
std::uint64_t event_id_of(std::string_view chunk) noexcept;

}  // namespace shoal::sse
