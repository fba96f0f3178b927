// SPDX-License-Identifier: MIT
// Phoenix's LongPoll transport as a module of its own (tag kLongPollTag, for its forwarded
// requests on the bus; it encodes no events): GET, POST and OPTIONS on /socket/longpoll over the
// Phoenix module's sessions.
#pragma once

#include "common/config.hpp"
#include "worker/channel/protocol_module.hpp"
#include "worker/session/longpoll_sessions.hpp"

namespace shoal::session {

class LongPollModule final : public channel::ProtocolModule {
  public:
    LongPollModule(channel::ChannelHub& hub, const common::Config& config, PhoenixSessions& phoenix)
        : sessions_(hub, config, phoenix) {}

    std::string_view name() const noexcept override { return "phoenix-longpoll"; }
    channel::ProtocolTag tag() const noexcept override { return kLongPollTag; }
    void add_routes(net::HttpRouter& router) override {
        router.add("GET", kLongPollPath, sessions_);
        router.add("POST", kLongPollPath, sessions_);
        router.add("OPTIONS", kLongPollPath, sessions_);
    }

    LongPollSessions& sessions() noexcept { return sessions_; }

  private:
    LongPollSessions sessions_;
};

}  // namespace shoal::session
