// SPDX-License-Identifier: MIT
#include "supervisor/cluster/redis_url.hpp"

#include <charconv>

#include "common/percent_decode.hpp"

namespace shoal::cluster {
namespace {

constexpr std::string_view kScheme = "redis://";

template <class T>
bool number(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

common::Result<RedisUrl> parse_redis_url(std::string_view text) {
    auto bad = [&] {
        return common::Error{common::Errc::Config, 0,
                             "--cluster must be redis://[[user]:password@]host[:port][/db], got '" +
                                 redact_redis_url(text) + "'"};
    };
    if (!text.starts_with(kScheme)) return bad();
    std::string_view rest = text.substr(kScheme.size());
    RedisUrl url;
    // Credentials end at the last '@' before the path; a literal '@' in them is %40.
    const std::string_view authority = rest.substr(0, rest.find('/'));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) return bad();  // a password is required
        if (!common::percent_decode(userinfo.substr(0, colon), url.username) ||
            !common::percent_decode(userinfo.substr(colon + 1), url.password) ||
            url.password.empty())
            return bad();
        rest = rest.substr(at + 1);
    }
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && !number(db, url.db)) return bad();
        rest = rest.substr(0, slash);
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        if (!number(rest.substr(colon + 1), url.port) || url.port == 0) return bad();
        rest = rest.substr(0, colon);
    }
    if (rest.empty() || rest.find('@') != std::string_view::npos) return bad();
    url.host = std::string(rest);
    return url;
}

std::string redact_redis_url(std::string_view text) {
    if (!text.starts_with(kScheme)) return std::string(text);
    const std::string_view rest = text.substr(kScheme.size());
    const auto at = rest.substr(0, rest.find('/')).rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    return std::string(kScheme) + std::string(rest.substr(at + 1));
}

}  // namespace shoal::cluster
