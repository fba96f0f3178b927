// SPDX-License-Identifier: MIT
#include "worker/worker_app.hpp"

#include "worker/protocols/sse/sse_module.hpp"
#include "worker/session/longpoll_module.hpp"

namespace shoal::worker {

WorkerApp::WorkerApp(const common::Config& config, channel::ChannelHub& hub,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : protocols_(hub, router_) {
    // One line per protocol; its folder holds the rest.
    pusher_ = &protocols_.add<http_api::PusherModule>(config, socket_prefix, clock);
    phoenix_ = &protocols_.add<session::PhoenixModule>(config, clock);
    protocols_.add<session::LongPollModule>(config, phoenix_->sessions());
    protocols_.add<sse::SseModule>(config);
}

}  // namespace shoal::worker
