// SPDX-License-Identifier: MIT
// The `--cluster` setting: redis://host:port[/db], parsed once at start-up.
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
};

// A Config error naming --cluster when the text is not redis://host[:port][/db].
common::Result<RedisUrl> parse_redis_url(std::string_view text);

}  // namespace shoal::cluster
