// SPDX-License-Identifier: MIT
// The `--cluster` setting: redis://[[user]:password@]host[:port][/db], parsed once at start-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace shoal::cluster {

struct RedisUrl {
    std::string host;
    std::uint16_t port = 6379;
    std::uint32_t db = 0;
    // Percent-decoded. An empty username with a password is Redis's `AUTH password` (the
    // default user); both set is Redis 6's ACL form `AUTH username password`.
    std::string username;
    std::string password;
};

// A Config error naming --cluster when the text is not a redis:// URL of the form above.
common::Result<RedisUrl> parse_redis_url(std::string_view text);

// The URL with its credentials removed, for logs and for the workers' command lines (a worker
// only needs to know that the cluster is on; the password stays with the supervisor).
std::string redact_redis_url(std::string_view text);

}  // namespace shoal::cluster
