// SPDX-License-Identifier: MIT
// The offer grammar (RFC 7692 section 5: extension *( ";" param [ "=" (token | quoted) ] )) and
// the rules for declining one: an unknown, repeated or out-of-range parameter declines that offer
// only, and the next one is tried.
#include "worker/codec/ws_extensions.hpp"

namespace shoal::codec {
namespace {

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// The next element up to `sep` outside a quoted string; s keeps the rest.
std::string_view next_part(std::string_view& s, char sep) noexcept {
    bool quoted = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"') quoted = !quoted;
        if (s[i] == sep && !quoted) {
            std::string_view part = s.substr(0, i);
            s.remove_prefix(i + 1);
            return trim_ows(part);
        }
    }
    std::string_view part = s;
    s = {};
    return trim_ows(part);
}

// 8..15 without leading zeros (RFC 7692 7.1.2.1); 0 when invalid.
int window_bits_value(std::string_view v) noexcept {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty() || v.size() > 2 || v[0] == '0') return 0;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + (c - '0');
    }
    return n >= 8 && n <= 15 ? n : 0;
}

struct Offer {
    bool server_no_context = false;
    bool client_no_context = false;
    int server_max_bits = 0;  // 0: not asked
    bool client_max_bits = false;
};

// False when the offer is not permessage-deflate or breaks the grammar's rules.
bool parse_offer(std::string_view text, Offer& o) {
    if (!iequals(next_part(text, ';'), "permessage-deflate")) return false;
    while (!text.empty()) {
        std::string_view param = next_part(text, ';');
        std::string_view value;
        bool has_value = false;
        if (const std::size_t eq = param.find('='); eq != std::string_view::npos) {
            value = trim_ows(param.substr(eq + 1));
            param = trim_ows(param.substr(0, eq));
            has_value = true;
        }
        if (param == "server_no_context_takeover") {
            if (has_value || o.server_no_context) return false;
            o.server_no_context = true;
        } else if (param == "client_no_context_takeover") {
            if (has_value || o.client_no_context) return false;
            o.client_no_context = true;
        } else if (param == "server_max_window_bits") {
            if (!has_value || o.server_max_bits != 0) return false;
            o.server_max_bits = window_bits_value(value);
            if (o.server_max_bits == 0) return false;
        } else if (param == "client_max_window_bits") {
            if (o.client_max_bits || (has_value && window_bits_value(value) == 0)) return false;
            o.client_max_bits = true;
        } else {
            return false;
        }
    }
    return true;
}

// The server's answer to one valid offer, or not accepted.
DeflateAgreement answer_offer(const Offer& o, const DeflatePolicy& p) {
    DeflateAgreement a;
    const int window = p.window_bits;
    // A shared frame is compressed once with the server's window, so a client that needs a
    // smaller one is declined in shared mode; zlib cannot compress with an 8-bit window at all.
    if (o.server_max_bits != 0 &&
        (o.server_max_bits < 9 || (p.shared && o.server_max_bits < window)))
        return a;
    a.accepted = true;
    a.server_no_context_takeover = p.shared || o.server_no_context;
    a.server_window_bits = static_cast<std::uint8_t>(
        o.server_max_bits != 0 && o.server_max_bits < window ? o.server_max_bits : window);
    a.response = "permessage-deflate";
    if (a.server_no_context_takeover) a.response += "; server_no_context_takeover";
    a.response += "; client_no_context_takeover";
    if (o.server_max_bits != 0) {
        a.response += "; server_max_window_bits=";
        a.response += std::to_string(a.server_window_bits);
    }
    return a;
}

}  // namespace

DeflateAgreement negotiate_deflate(std::string_view offers, const DeflatePolicy& policy) {
    if (!policy.enabled) return {};
    while (!offers.empty()) {
        Offer o;
        if (!parse_offer(next_part(offers, ','), o)) continue;
        DeflateAgreement a = answer_offer(o, policy);
        if (a.accepted) return a;
    }
    return {};
}

DeflateAgreement negotiate_deflate(const ParsedRequest& request, const DeflatePolicy& policy) {
    for (const HttpHeader& h : request.headers) {
        if (!iequals(h.name, "sec-websocket-extensions")) continue;
        DeflateAgreement a = negotiate_deflate(h.value, policy);
        if (a.accepted) return a;
    }
    return {};
}

}  // namespace shoal::codec
