// SPDX-License-Identifier: MIT
#include "worker/worker_app.hpp"

#include <random>

namespace shoal::worker {
namespace {

std::uint32_t random_prefix() {
    std::random_device rd;
    return 1 + rd() % 999'999'999u;
}

}  // namespace

WorkerApp::WorkerApp(const common::Config& config, channel::ChannelHub& hub,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : pusher_(config, hub, socket_prefix ? socket_prefix : random_prefix()),
      phoenix_(config, hub, clock),
      pusher_ws_(config, pusher_),
      phoenix_ws_(config, phoenix_),
      api_(config, pusher_, clock) {
    router_.add_upgrade(session::kPusherSocketPattern, pusher_ws_);
    router_.add_upgrade(session::kPhoenixSocketPath, phoenix_ws_);
    api_.add_to(router_);
}

}  // namespace shoal::worker
