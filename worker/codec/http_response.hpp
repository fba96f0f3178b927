// SPDX-License-Identifier: MIT
// HTTP/1.1 response serialisation: status line, the few headers shoal sends, the body.
#pragma once

#include <string>
#include <string_view>

namespace shoal::codec {

const char* http_reason(int status) noexcept;

// extra_headers: complete "Name: value\r\n" lines, or empty.
std::string format_http_response(int status, std::string_view content_type, std::string_view body,
                                 bool keep_alive, std::string_view extra_headers = {});

}  // namespace shoal::codec
