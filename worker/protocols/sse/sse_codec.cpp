// SPDX-License-Identifier: MIT
#include "worker/protocols/sse/sse_codec.hpp"

#include <charconv>
#include <cstdio>

#include "common/percent_decode.hpp"
#include "worker/codec/json_text.hpp"

namespace shoal::sse {
namespace {

constexpr std::string_view kIdPrefix = "id: ";

// The body is built after room for the chunk's size line, which is written once the body's
// length is known (no leading zeros: some HTTP clients refuse them) and moved up.
constexpr std::size_t kSizeRoom = 18;  // 16 hex digits and CRLF

void begin_chunk(std::string& out) {
    out.assign(kSizeRoom, ' ');
}

void end_chunk(std::string& out) {
    const std::size_t body = out.size() - kSizeRoom;
    char head[kSizeRoom + 1];
    const int n = std::snprintf(head, sizeof head, "%zx\r\n", body);
    const std::size_t skip = kSizeRoom - static_cast<std::size_t>(n);
    out.replace(skip, static_cast<std::size_t>(n), head, static_cast<std::size_t>(n));
    out.erase(0, skip);
    out += "\r\n";
}

bool has_line_break(std::string_view s) noexcept {
    return s.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace

QueryError parse_stream_query(std::string_view query, StreamQuery& out) {
    out = {};
    std::string key, value;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        std::string_view k = pair.substr(0, eq);
        std::string_view v =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (!common::percent_decode(k, key, common::PlusIs::Space) ||
            !common::percent_decode(v, value, common::PlusIs::Space))
            return QueryError::Malformed;
        if (key == "channel" || key == "channel[]") {
            out.channels.push_back({value, {}, {}});
        } else if (key == "auth" || key == "channel_data") {
            if (out.channels.empty()) return QueryError::AuthWithoutChannel;
            (key == "auth" ? out.channels.back().auth : out.channels.back().channel_data) = value;
        } else if (key == "socket_id") {
            out.socket_id = value;
        } else if (key == "lastEventId") {
            out.last_event_id = value;
        }
    }
    return out.channels.empty() ? QueryError::NoChannel : QueryError::None;
}

bool valid_socket_id(std::string_view s) noexcept {
    const std::size_t dot = s.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == s.size() || s.size() > 40)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

namespace {

void event_chunk(std::string& out, std::string_view id_a, std::string_view id_b,
                 std::string_view channel, std::string_view name, std::string_view data) {
    begin_chunk(out);
    out += kIdPrefix;
    out += id_a;
    out += id_b;
    out += "\nevent: ";
    // An event name is one line of the stream; one that is not goes as "message".
    out += has_line_break(name) || name.empty() ? std::string_view("message") : name;
    out += "\ndata: {\"channel\":";
    codec::append_json_string(out, channel);
    out += ",\"event\":";
    codec::append_json_string(out, name);
    out += ",\"data\":";
    codec::append_json_string(out, data);  // escapes line breaks: the data stays one line
    out += "}\n\n";
    end_chunk(out);
}

}  // namespace

void encode_event_chunk(std::string& out, std::uint64_t id, std::string_view channel,
                        std::string_view name, std::string_view data) {
    char num[24];
    auto [end, ec] = std::to_chars(num, num + sizeof num, id);
    (void)ec;
    event_chunk(out, std::string_view(num, static_cast<std::size_t>(end - num)), {}, channel, name,
                data);
}

void encode_event_chunk(std::string& out, std::string_view epoch, std::uint64_t offset,
                        std::string_view channel, std::string_view name, std::string_view data) {
    char num[24];
    num[0] = ':';
    auto [end, ec] = std::to_chars(num + 1, num + sizeof num, offset);
    (void)ec;
    event_chunk(out, has_line_break(epoch) ? std::string_view{} : epoch,
                std::string_view(num, static_cast<std::size_t>(end - num)), channel, name, data);
}

void encode_history_chunk(std::string& out, std::string_view channel, std::uint64_t offset,
                          std::string_view epoch, bool asked, bool recovered) {
    begin_chunk(out);
    out += "event: shoal:history\ndata: {\"channel\":";
    codec::append_json_string(out, channel);
    out += ",\"position\":{\"offset\":";
    out += std::to_string(offset);
    out += ",\"epoch\":";
    codec::append_json_string(out, epoch);
    out += '}';
    if (asked) out += recovered ? ",\"recovered\":true" : ",\"recovered\":false";
    out += "}\n\n";
    end_chunk(out);
}

bool parse_history_id(std::string_view text, std::string_view& epoch,
                      std::uint64_t& offset) noexcept {
    const std::size_t colon = text.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon > 64) return false;
    std::uint64_t v = 0;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (first == last || ec != std::errc{} || ptr != last) return false;
    epoch = text.substr(0, colon);
    offset = v;
    return true;
}

void encode_comment_chunk(std::string& out, std::string_view text) {
    begin_chunk(out);
    out += ": ";
    out += has_line_break(text) ? std::string_view{} : text;
    out += "\n\n";
    end_chunk(out);
}

std::string encode_preamble(std::uint32_t retry_ms, std::string_view comment) {
    std::string s = "retry: " + std::to_string(retry_ms) + "\n: ";
    s += has_line_break(comment) ? std::string_view{} : comment;
    s += "\n\n";
    return s;
}

std::uint64_t parse_event_id(std::string_view text) noexcept {
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return 0;
    return v;
}

std::uint64_t event_id_of(std::string_view chunk) noexcept {
    const std::size_t at = chunk.find(kIdPrefix);
    if (at == std::string_view::npos) return 0;
    const std::size_t start = at + kIdPrefix.size();
    const std::size_t end = chunk.find('\n', start);
    if (end == std::string_view::npos) return 0;
    return parse_event_id(chunk.substr(start, end - start));
}

}  // namespace shoal::sse
