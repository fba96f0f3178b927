// SPDX-License-Identifier: MIT
#include "worker/worker_app.hpp"

#include "worker/session/longpoll_module.hpp"

namespace shoal::worker {

WorkerApp::WorkerApp(const common::Config& config, channel::ChannelHub& hub, common::AppSet apps,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : apps_(hub, std::move(apps)), protocols_(hub, router_) {
    // One line per protocol; its folder holds the rest.
    pusher_ = &protocols_.add<http_api::PusherModule>(config, apps_, socket_prefix, clock);
    phoenix_ = &protocols_.add<session::PhoenixModule>(config, apps_, clock);
    protocols_.add<session::LongPollModule>(config, phoenix_->sessions());
    sse_ = &protocols_.add<sse::SseModule>(config, apps_);
}

WorkerApp::WorkerApp(const common::Config& config, channel::ChannelHub& hub,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : WorkerApp(config, hub, common::AppSet({common::app_from_flags(config)}), socket_prefix,
                clock) {}

void WorkerApp::replace_apps(common::AppSet next) {
    apps_.replace(std::move(next));
    pusher_->sessions().apps_replaced();
    phoenix_->sessions().apps_replaced();
    sse_->sessions().apps_replaced();
}

}  // namespace shoal::worker
