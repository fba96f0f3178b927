// SPDX-License-Identifier: MIT
// What the Phoenix adapter keeps per WebSocket connection: who the connect token says it is,
// the topics it joined (with the join_ref each join used) and its push rate window.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/apps/app.hpp"
#include "common/apps/app_topic.hpp"
#include "worker/codec/phoenix_token.hpp"

namespace shoal::session {

struct PhoenixJoin {
    std::string topic;  // scoped by the connection's app (common/apps/app_topic.hpp)
    std::optional<std::string> join_ref;
    bool presence = false;  // tracked in the presence replica as identity.user_id
};

struct PhoenixConnection {
    const common::App* app = nullptr;  // null until admitted; moved on an apps reload
    codec::TokenStatus token = codec::TokenStatus::Missing;
    codec::PhoenixIdentity identity;  // meaningful when token == Ok
    std::vector<PhoenixJoin> joins;
    std::uint64_t rate_window_start_ms = 0;
    std::uint32_t pushes_in_window = 0;
    bool closing = false;

    // The join of a topic as the client names it.
    PhoenixJoin* find(std::string_view name) noexcept {
        for (auto& j : joins)
            if (common::topic_name(j.topic) == name) return &j;
        return nullptr;
    }
};

}  // namespace shoal::session
