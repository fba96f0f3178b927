// SPDX-License-Identifier: MIT
// Server-Sent Events as a module (tag kTag, route GET kPattern): registered with
// `registry.add<sse::SseModule>(config)`.
#pragma once

#include "common/config.hpp"
#include "worker/channel/protocol_module.hpp"
#include "worker/protocols/sse/sse_sessions.hpp"

namespace shoal::sse {

class SseModule final : public channel::ProtocolModule {
  public:
    SseModule(channel::ChannelHub& hub, const common::Config& config, channel::AppDirectory& apps)
        : sessions_(hub, config, apps) {}

    std::string_view name() const noexcept override { return "sse"; }
    channel::ProtocolTag tag() const noexcept override { return kTag; }
    void add_routes(net::HttpRouter& router) override { router.add("GET", kPattern, sessions_); }

    SseSessions& sessions() noexcept { return sessions_; }

  private:
    SseSessions sessions_;
};

}  // namespace shoal::sse
