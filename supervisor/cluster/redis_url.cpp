// SPDX-License-Identifier: MIT
#include "supervisor/cluster/redis_url.hpp"

#include <charconv>

namespace shoal::cluster {
namespace {

template <class T>
bool number(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

common::Result<RedisUrl> parse_redis_url(std::string_view text) {
    auto bad = [&] {
        return common::Error{
            common::Errc::Config, 0,
            "--cluster must be redis://host:port[/db], got '" + std::string(text) + "'"};
    };
    constexpr std::string_view kScheme = "redis://";
    if (!text.starts_with(kScheme)) return bad();
    std::string_view rest = text.substr(kScheme.size());
    RedisUrl url;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && !number(db, url.db)) return bad();
        rest = rest.substr(0, slash);
    }
    if (rest.find('@') != std::string_view::npos) return bad();  // no credentials (documented)
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        if (!number(rest.substr(colon + 1), url.port) || url.port == 0) return bad();
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) return bad();
    url.host = std::string(rest);
    return url;
}

}  // namespace shoal::cluster
