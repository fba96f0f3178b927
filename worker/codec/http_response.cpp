// SPDX-License-Identifier: MIT
// Reason phrases and the response serialiser.
#include "worker/codec/http_response.hpp"

#include <cstdio>

namespace shoal::codec {

const char* http_reason(int status) noexcept {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 422:
            return "Unprocessable Content";
        case 426:
            return "Upgrade Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string format_http_response(int status, std::string_view content_type, std::string_view body,
                                 bool keep_alive, std::string_view extra_headers) {
    std::string r;
    r.reserve(128 + extra_headers.size() + body.size());
    r += "HTTP/1.1 ";
    r += std::to_string(status);
    r += ' ';
    r += http_reason(status);
    r += "\r\nServer: shoal\r\n";
    if (!content_type.empty()) {
        r += "Content-Type: ";
        r += content_type;
        r += "\r\n";
    }
    r += "Content-Length: ";
    r += std::to_string(body.size());
    r += keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n";
    r += extra_headers;
    r += "\r\n";
    r += body;
    return r;
}

std::string format_http_stream_head(int status, std::string_view content_type, bool keep_alive,
                                    std::string_view extra_headers) {
    std::string r = format_http_response(status, content_type, {}, keep_alive, extra_headers);
    // The same head with Transfer-Encoding in place of Content-Length.
    const std::size_t at = r.find("Content-Length: 0\r\n");
    r.replace(at, 19, "Transfer-Encoding: chunked\r\n");
    return r;
}

std::string encode_http_chunk(std::string_view bytes) {
    std::string r;
    if (bytes.empty()) return r;
    char size[20];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    r.reserve(static_cast<std::size_t>(n) + bytes.size() + 2);
    r.append(size, static_cast<std::size_t>(n));
    r += bytes;
    r += "\r\n";
    return r;
}

}  // namespace shoal::codec
