// SPDX-License-Identifier: MIT
// Just enough HTTP/1.1 response parsing for the upgrade answer and the API's answers: status,
// Content-Length, Connection: close, and one header's value. Pure; views into the caller's bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace shoal::loadgen {

struct HttpResponseHead {
    int status = 0;
    std::size_t header_bytes = 0;    // through the blank line
    std::size_t content_length = 0;  // 0 when absent
    bool close = false;              // "Connection: close"
    bool chunked = false;            // "Transfer-Encoding: chunked": see scan_chunked_body
    std::string_view head;           // the header block, for header_value()
};

enum class HttpScan { Done, NeedMore, Error };

HttpScan scan_http_response(std::string_view bytes, HttpResponseHead& out) noexcept;
// The length of a chunked body (through its last chunk and trailer) at the start of `bytes`.
HttpScan scan_chunked_body(std::string_view bytes, std::size_t& length) noexcept;
// A header's value (name matched case-insensitively, surrounding spaces trimmed), or empty.
std::string_view header_value(std::string_view head, std::string_view name) noexcept;

}  // namespace shoal::loadgen
