// SPDX-License-Identifier: MIT
#include "worker/http_api/pusher_module.hpp"

#include <random>

namespace shoal::http_api {
namespace {

std::uint32_t random_prefix() {
    std::random_device rd;
    return 1 + rd() % 999'999'999u;
}

}  // namespace

PusherModule::PusherModule(channel::ChannelHub& hub, const common::Config& config,
                           channel::AppDirectory& apps, std::uint32_t socket_prefix,
                           WallClockS clock)
    : sessions_(config, hub, apps, socket_prefix ? socket_prefix : random_prefix()),
      ws_(config, sessions_),
      api_(config, sessions_, clock) {}

void PusherModule::add_routes(net::HttpRouter& router) {
    router.add_upgrade(session::kPusherSocketPattern, ws_);
    api_.add_to(router);
}

}  // namespace shoal::http_api
