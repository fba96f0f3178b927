// SPDX-License-Identifier: MIT
#include "worker/session/pusher_app.hpp"

#include <random>

#include "worker/codec/pusher_errors.hpp"

namespace shoal::session {
namespace {

constexpr std::string_view kAppPrefix = "/app/";

std::uint32_t random_prefix() {
    std::random_device rd;
    return 1 + rd() % 999'999'999u;
}

}  // namespace

PusherApp::PusherApp(const common::Config& config, net::Transport& transport,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : config_(config),
      sessions_(config, transport, socket_prefix ? socket_prefix : random_prefix()),
      api_(config, sessions_, clock) {}

PusherApp::PusherApp(const common::Config& config, channel::ChannelHub& hub,
                     std::uint32_t socket_prefix, http_api::WallClockS clock)
    : config_(config),
      sessions_(config, hub, socket_prefix ? socket_prefix : random_prefix()),
      api_(config, sessions_, clock) {}

net::UpgradeDecision PusherApp::on_upgrade(const net::HttpRequest& request) {
    // Any key is accepted here: Pusher answers an unknown key over the socket (pusher:error 4001).
    std::string_view p = request.path;
    if (!p.starts_with(kAppPrefix) || p.size() == kAppPrefix.size()) return {false, 404};
    return {true, 404};
}

void PusherApp::on_open(net::ConnId id, const net::HttpRequest& request) {
    std::string_view key = request.path.substr(kAppPrefix.size());
    if (!key.empty() && key.back() == '/') key.remove_suffix(1);
    sessions_.open(id, key, request.query);
}

void PusherApp::on_text(net::ConnId id, std::string_view message) {
    sessions_.message(id, message);
}
void PusherApp::on_idle(net::ConnId id) {
    sessions_.idle(id);
}
void PusherApp::on_close(net::ConnId id) {
    sessions_.closed(id);
}

std::uint32_t PusherApp::idle_timeout_ms() const {
    return config_.limits.activity_timeout_s * 1000u;
}

std::uint16_t PusherApp::overload_close_code() const {
    return codec::pusher_error::kOverCapacity;
}

void PusherApp::on_shutdown(net::ConnId id) {
    sessions_.shutdown(id);
}

net::HttpResponse PusherApp::on_request(const net::HttpRequest& request) {
    return api_.handle(request);
}

}  // namespace shoal::session
