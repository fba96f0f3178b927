// SPDX-License-Identifier: MIT
#include "worker/session/longpoll_token.hpp"

#include <charconv>

#include "worker/codec/pusher_signature.hpp"

namespace shoal::session {
namespace {

constexpr std::string_view kPrefix = "lp1.";
constexpr std::size_t kMacDigits = 32;

template <class T>
bool take_number(std::string_view& s, T& out) {
    const std::size_t dot = s.find('.');
    if (dot == 0 || dot == std::string_view::npos) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + dot, out);
    if (ec != std::errc{} || ptr != s.data() + dot) return false;
    s.remove_prefix(dot + 1);
    return true;
}

std::string_view mac(std::string_view body, std::string_view secret, codec::HexDigest& d) {
    d = codec::hmac_sha256_hex(secret, body);
    return {d.data(), kMacDigits};
}

}  // namespace

std::string sign_longpoll_token(const LongPollToken& t, std::string_view secret) {
    std::string s(kPrefix);
    s += std::to_string(t.slot) + '.' + std::to_string(t.epoch) + '.' + std::to_string(t.session) +
         '.' + std::to_string(t.nonce);
    codec::HexDigest d;
    const std::string_view m = mac(s, secret, d);
    s += '.';
    s += m;
    return s;
}

bool verify_longpoll_token(std::string_view text, std::string_view secret, LongPollToken& out) {
    if (!text.starts_with(kPrefix) || text.size() > 128) return false;
    const std::size_t last = text.rfind('.');
    if (last == std::string_view::npos || text.size() - last - 1 != kMacDigits) return false;
    codec::HexDigest d;
    if (!codec::constant_time_equal(mac(text.substr(0, last), secret, d), text.substr(last + 1)))
        return false;
    std::string_view rest = text.substr(kPrefix.size(), last - kPrefix.size() + 1);
    return take_number(rest, out.slot) && take_number(rest, out.epoch) &&
           take_number(rest, out.session) && take_number(rest, out.nonce) && rest.empty();
}

}  // namespace shoal::session
