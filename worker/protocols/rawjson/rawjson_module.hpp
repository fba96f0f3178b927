// SPDX-License-Identifier: MIT
// The raw JSON protocol as a module (tag kTag, route kPath): the whole of what registering it
// takes is `registry.add<rawjson::RawJsonModule>(app_id)`.
#pragma once

#include "worker/channel/protocol_module.hpp"
#include "worker/protocols/rawjson/rawjson_sessions.hpp"

namespace shoal::rawjson {

class RawJsonModule final : public channel::ProtocolModule {
  public:
    RawJsonModule(channel::ChannelHub& hub, std::string app_id)
        : sessions_(hub, std::move(app_id)) {}

    std::string_view name() const noexcept override { return "rawjson"; }
    channel::ProtocolTag tag() const noexcept override { return kTag; }
    void add_routes(net::HttpRouter& router) override { router.add_upgrade(kPath, sessions_); }

    RawJsonSessions& sessions() noexcept { return sessions_; }

  private:
    RawJsonSessions sessions_;
};

}  // namespace shoal::rawjson
