// SPDX-License-Identifier: MIT
// Incremental HTTP/1.1 request parser with limits (our own, about 200 lines, fed every split point
// in tests; no parser package is installed and the subset shoal needs is small). It keeps the
// head (bounded by max_header_bytes) and a Content-Length body (bounded by max_body_bytes);
// chunked uploads are refused with 411. Views stay valid until reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worker/codec/protocol_errors.hpp"

namespace shoal::codec {

struct HttpHeader {
    std::string_view name;
    std::string_view value;
};

struct ParsedRequest {
    std::string_view method;
    std::string_view path;   // without the query
    std::string_view query;  // without the '?'
    std::vector<HttpHeader> headers;
    std::string_view body;
    int version_minor = 1;  // HTTP/1.<minor>
    bool keep_alive = true;

    // First header with this name (case-insensitive), or empty.
    std::string_view header(std::string_view name) const noexcept;
};

struct HttpLimits {
    std::uint32_t max_header_bytes = 8 * 1024;
    std::uint32_t max_body_bytes = 1024 * 1024;
    std::uint32_t max_headers = 64;
};

enum class HttpParseState : std::uint8_t { NeedMore, Complete, Error };

class HttpRequestParser {
  public:
    explicit HttpRequestParser(HttpLimits limits = {}) : limits_(limits) {}

    // Consumes bytes of one request. consumed says how many were taken: after Complete the rest
    // belongs to what follows (a pipelined request, or WebSocket frames after an upgrade).
    HttpParseState feed(std::string_view data, std::size_t& consumed);

    const ParsedRequest& request() const noexcept { return request_; }
    ProtocolError error() const noexcept { return error_; }
    // True once any byte of the current request has arrived.
    bool started() const noexcept { return !head_.empty(); }
    // True once the head of the current request is complete: what is still missing is body.
    bool head_complete() const noexcept { return head_done_; }
    // Ready for the next request on the same connection.
    void reset() noexcept;
    // Drops all buffers (after an upgrade).
    void release_memory() noexcept;

  private:
    HttpParseState fail(ProtocolError e) {
        error_ = e;
        return HttpParseState::Error;
    }
    HttpParseState parse_head();
    bool parse_request_line(std::string_view line);

    HttpLimits limits_;
    std::string head_;
    std::string body_;
    std::size_t scanned_ = 0;  // head_ bytes already searched for the blank line
    std::size_t body_needed_ = 0;
    bool head_done_ = false;
    ProtocolError error_ = ProtocolError::None;
    ParsedRequest request_;
};

bool iequals(std::string_view a, std::string_view b) noexcept;
// True if a comma-separated header value holds this token (case-insensitive).
bool header_has_token(std::string_view value, std::string_view token) noexcept;

}  // namespace shoal::codec
