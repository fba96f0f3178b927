// SPDX-License-Identifier: MIT
// HTTP/1.1 response serialisation: status line, the few headers shoal sends, the body; and the
// chunked form (Transfer-Encoding: chunked) of a streamed response.
#pragma once

#include <string>
#include <string_view>

namespace shoal::codec {

const char* http_reason(int status) noexcept;

// extra_headers: complete "Name: value\r\n" lines, or empty.
std::string format_http_response(int status, std::string_view content_type, std::string_view body,
                                 bool keep_alive, std::string_view extra_headers = {});

// The head of a streamed response: no Content-Length, Transfer-Encoding: chunked.
std::string format_http_stream_head(int status, std::string_view content_type, bool keep_alive,
                                    std::string_view extra_headers = {});
// One chunk: the size in hex, CRLF, the bytes, CRLF. An empty chunk would end the body, so
// empty bytes encode to nothing.
std::string encode_http_chunk(std::string_view bytes);
// The last chunk (no trailers): the response ends, the connection goes on.
inline constexpr std::string_view kHttpLastChunk = "0\r\n\r\n";

}  // namespace shoal::codec
