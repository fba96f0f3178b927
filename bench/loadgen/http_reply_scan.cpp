// SPDX-License-Identifier: MIT
// HTTP/1.1 response head scanning.
#include "bench/loadgen/http_reply_scan.hpp"

#include <charconv>

namespace shoal::loadgen {
namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view header_value(std::string_view head, std::string_view name) noexcept {
    std::size_t line = head.find("\r\n");
    while (line != std::string_view::npos && line + 2 < head.size()) {
        const std::size_t start = line + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string_view field =
            head.substr(start, (end == std::string_view::npos ? head.size() : end) - start);
        const std::size_t colon = field.find(':');
        if (colon != std::string_view::npos && iequals(trim(field.substr(0, colon)), name)) {
            return trim(field.substr(colon + 1));
        }
        line = end;
    }
    return {};
}

HttpScan scan_chunked_body(std::string_view bytes, std::size_t& length) noexcept {
    std::size_t at = 0;
    for (;;) {
        const std::size_t eol = bytes.find("\r\n", at);
        if (eol == std::string_view::npos)
            return bytes.size() - at > 64 ? HttpScan::Error : HttpScan::NeedMore;
        std::size_t size = 0;
        const char* first = bytes.data() + at;
        const auto [p, ec] = std::from_chars(first, bytes.data() + eol, size, 16);
        if (ec != std::errc{} || p == first || size > (std::size_t{1} << 30))
            return HttpScan::Error;
        at = eol + 2;
        if (size == 0) {
            // Trailer fields are not used by anyone here; expect the empty line that ends them.
            const std::size_t end = bytes.find("\r\n", at);
            if (end == std::string_view::npos) return HttpScan::NeedMore;
            if (end != at) return HttpScan::Error;
            length = end + 2;
            return HttpScan::Done;
        }
        if (bytes.size() < at + size + 2) return HttpScan::NeedMore;
        if (bytes.substr(at + size, 2) != "\r\n") return HttpScan::Error;
        at += size + 2;
    }
}

HttpScan scan_http_response(std::string_view bytes, HttpResponseHead& out) noexcept {
    const std::size_t blank = bytes.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
        return bytes.size() > 16384 ? HttpScan::Error : HttpScan::NeedMore;
    }
    out = HttpResponseHead{};
    out.header_bytes = blank + 4;
    out.head = bytes.substr(0, blank + 2);
    if (bytes.size() < 12 || bytes.substr(0, 7) != "HTTP/1.") return HttpScan::Error;
    const auto [p, ec] = std::from_chars(bytes.data() + 9, bytes.data() + 12, out.status);
    if (ec != std::errc{} || p != bytes.data() + 12) return HttpScan::Error;
    const std::string_view length = header_value(out.head, "content-length");
    if (!length.empty()) {
        const auto [q, ec2] =
            std::from_chars(length.data(), length.data() + length.size(), out.content_length);
        if (ec2 != std::errc{} || q != length.data() + length.size()) return HttpScan::Error;
    }
    out.close = iequals(header_value(out.head, "connection"), "close");
    out.chunked = iequals(header_value(out.head, "transfer-encoding"), "chunked");
    return HttpScan::Done;
}

}  // namespace shoal::loadgen
