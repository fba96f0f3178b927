// SPDX-License-Identifier: MIT
#include "worker/session/pusher_ws_handler.hpp"

#include "worker/codec/pusher_errors.hpp"

namespace shoal::session {

namespace {

std::string_view app_key_of(const net::HttpRequest& request) {
    constexpr std::string_view kAppPrefix = "/app/";
    std::string_view key = request.path.substr(kAppPrefix.size());
    if (!key.empty() && key.back() == '/') key.remove_suffix(1);
    return key;
}

}  // namespace

net::UpgradeDecision PusherWsHandler::on_upgrade(const net::HttpRequest& request) {
    const common::App* app = sessions_.apps().find_key(app_key_of(request));
    if (app && !app->allows_origin(net::header_of(request, "Origin"))) return {false, 403};
    return {true, 404};
}

void PusherWsHandler::on_open(net::ConnId id, const net::HttpRequest& request) {
    sessions_.open(id, app_key_of(request), request.query);
}

void PusherWsHandler::on_text(net::ConnId id, std::string_view message) {
    sessions_.message(id, message);
}
void PusherWsHandler::on_idle(net::ConnId id) {
    sessions_.idle(id);
}
void PusherWsHandler::on_close(net::ConnId id) {
    sessions_.closed(id);
}

std::uint32_t PusherWsHandler::idle_timeout_ms() const {
    return config_.limits.activity_timeout_s * 1000u;
}

std::uint16_t PusherWsHandler::overload_close_code() const {
    return codec::pusher_error::kOverCapacity;
}

void PusherWsHandler::on_shutdown(net::ConnId id) {
    sessions_.shutdown(id);
}

}  // namespace shoal::session
