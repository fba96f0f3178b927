// SPDX-License-Identifier: MIT
// Head accumulation and parsing, Content-Length bodies, the HTTP limits.
#include "worker/codec/http_request_parser.hpp"

namespace shoal::codec {
namespace {

bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool header_has_token(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

std::string_view ParsedRequest::header(std::string_view name) const noexcept {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return {};
}

void HttpRequestParser::reset() noexcept {
    head_.clear();
    body_.clear();
    scanned_ = 0;
    body_needed_ = 0;
    head_done_ = false;
    error_ = ProtocolError::None;
    request_.headers.clear();
    request_.body = {};
}

void HttpRequestParser::release_memory() noexcept {
    reset();
    std::string().swap(head_);
    std::string().swap(body_);
    std::vector<HttpHeader>().swap(request_.headers);
}

HttpParseState HttpRequestParser::feed(std::string_view data, std::size_t& consumed) {
    consumed = 0;
    if (error_ != ProtocolError::None) return HttpParseState::Error;
    if (!head_done_) {
        // Append no more than the limit allows, then look for the blank line.
        const std::size_t room = limits_.max_header_bytes - head_.size();
        const std::size_t take = data.size() < room ? data.size() : room;
        if (head_.empty()) head_.reserve(take < 1024 ? 1024 : take);
        head_.append(data.data(), take);
        const std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
        const std::size_t end = head_.find("\r\n\r\n", from);
        if (end == std::string::npos) {
            scanned_ = head_.size();
            consumed = take;
            if (head_.size() >= limits_.max_header_bytes)
                return fail(ProtocolError::HttpHeaderTooLarge);
            return HttpParseState::NeedMore;
        }
        // Give back what lies past the head: it is body or the next request.
        const std::size_t head_len = end + 4;
        consumed = take - (head_.size() - head_len);
        head_.resize(head_len);
        head_done_ = true;
        if (HttpParseState s = parse_head(); s == HttpParseState::Error) return s;
        data.remove_prefix(consumed);
    }
    const std::size_t take = data.size() < body_needed_ ? data.size() : body_needed_;
    body_.append(data.data(), take);
    body_needed_ -= take;
    consumed += take;
    if (body_needed_ > 0) return HttpParseState::NeedMore;
    request_.body = body_;
    return HttpParseState::Complete;
}

bool HttpRequestParser::parse_request_line(std::string_view line) {
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return false;
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return false;
    request_.method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(request_.method) || target.empty() || version.size() != 8) return false;
    if (target[0] != '/' && target != "*") return false;
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
    if (version.substr(0, 5) != "HTTP/" || version[6] != '.') return false;
    const std::size_t q = target.find('?');
    request_.path = target.substr(0, q);
    request_.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    request_.version_minor = version[7] - '0';
    return true;
}

HttpParseState HttpRequestParser::parse_head() {
    std::string_view rest(head_.data(), head_.size() - 2);  // keep the last line's CRLF
    std::size_t eol = rest.find("\r\n");
    if (!parse_request_line(rest.substr(0, eol))) return fail(ProtocolError::HttpBadRequest);
    const std::string_view version = rest.substr(eol - 8, 5);
    if (version != "HTTP/" || rest[eol - 3] != '1' || request_.version_minor < 0 ||
        request_.version_minor > 1) {
        return fail(ProtocolError::HttpVersionNotSupported);
    }
    rest.remove_prefix(eol + 2);
    request_.headers.clear();
    bool has_length = false;
    std::uint64_t length = 0;
    bool conn_close = false, conn_keep = false;
    while (!rest.empty()) {
        eol = rest.find("\r\n");
        const std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol + 2);
        const std::size_t colon = line.find(':');
        // No obs-fold, no space before the colon (RFC 9112 5.1, 5.2).
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
            return fail(ProtocolError::HttpBadRequest);
        const HttpHeader h{line.substr(0, colon), trim(line.substr(colon + 1))};
        for (char c : h.value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F)
                return fail(ProtocolError::HttpBadRequest);
        if (request_.headers.size() >= limits_.max_headers)
            return fail(ProtocolError::HttpHeaderTooLarge);
        if (request_.headers.capacity() == 0) request_.headers.reserve(16);
        request_.headers.push_back(h);
        if (iequals(h.name, "content-length")) {
            if (h.value.empty() || h.value.size() > 12) return fail(ProtocolError::HttpBadRequest);
            std::uint64_t v = 0;
            for (char c : h.value) {
                if (c < '0' || c > '9') return fail(ProtocolError::HttpBadRequest);
                v = v * 10 + static_cast<unsigned>(c - '0');
            }
            if (has_length && v != length) return fail(ProtocolError::HttpBadRequest);
            has_length = true;
            length = v;
        } else if (iequals(h.name, "transfer-encoding")) {
            return fail(ProtocolError::HttpLengthRequired);
        } else if (iequals(h.name, "connection")) {
            conn_close = conn_close || header_has_token(h.value, "close");
            conn_keep = conn_keep || header_has_token(h.value, "keep-alive");
        }
    }
    if (length > limits_.max_body_bytes) return fail(ProtocolError::HttpBodyTooLarge);
    request_.keep_alive = request_.version_minor == 1 ? !conn_close : conn_keep && !conn_close;
    body_needed_ = static_cast<std::size_t>(length);
    // No reserve of the announced length: memory follows the bytes that actually arrive.
    return HttpParseState::NeedMore;
}

}  // namespace shoal::codec
