// SPDX-License-Identifier: MIT
// ProtocolModule and ProtocolRegistry: a protocol as one registered module. A module is built on
// the worker's channel hub, where its adapter (channel::ProtocolAdapter: the encoder of published
// events and its topic policy) registers under the module's fixed tag, and it adds its routes to
// the worker's route table: its WebSocket path(s), whose net::WsHandler carries its codec and its
// close-code policy, and any HTTP endpoints of its own. Adding a protocol is a folder with one
// module plus one `add<Module>(...)` line where the worker builds its registry (worker_app.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/assert.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/http_router.hpp"

namespace shoal::channel {

class ProtocolModule {
  public:
    virtual ~ProtocolModule() = default;
    // For logs and status: "pusher", "phoenix", ...
    virtual std::string_view name() const noexcept = 0;
    // Fixed per protocol, not per process: tags travel on the bus between workers and hosts.
    virtual ProtocolTag tag() const noexcept = 0;
    // Routes the module's WebSocket path(s) and HTTP endpoints to its handlers.
    virtual void add_routes(net::HttpRouter& router) = 0;
};

class ProtocolRegistry {
  public:
    ProtocolRegistry(ChannelHub& hub, net::HttpRouter& router) : hub_(hub), router_(router) {}
    ProtocolRegistry(const ProtocolRegistry&) = delete;
    ProtocolRegistry& operator=(const ProtocolRegistry&) = delete;

    // Builds Module(hub, args...), which registers its adapter on the hub, and adds its routes.
    // A tag or a name used twice is a bug (abort), not a configuration error.
    template <class Module, class... Args>
    Module& add(Args&&... args) {
        auto m = std::make_unique<Module>(hub_, std::forward<Args>(args)...);
        for (const auto& other : modules_)
            SHOAL_ASSERT(other->tag() != m->tag() && other->name() != m->name());
        SHOAL_ASSERT(m->tag() < kMaxProtocols);
        m->add_routes(router_);
        Module& ref = *m;
        modules_.push_back(std::move(m));
        return ref;
    }

    std::size_t size() const noexcept { return modules_.size(); }
    // The module registered under tag, or null.
    const ProtocolModule* find(ProtocolTag tag) const noexcept {
        for (const auto& m : modules_)
            if (m->tag() == tag) return m.get();
        return nullptr;
    }

  private:
    ChannelHub& hub_;
    net::HttpRouter& router_;
    std::vector<std::unique_ptr<ProtocolModule>> modules_;
};

}  // namespace shoal::channel
