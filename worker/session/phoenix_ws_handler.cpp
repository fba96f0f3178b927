// SPDX-License-Identifier: MIT
#include "worker/session/phoenix_ws_handler.hpp"

#include <vector>

#include "worker/codec/pusher_errors.hpp"
#include "worker/codec/pusher_http_auth.hpp"

namespace shoal::session {

net::UpgradeDecision PhoenixWsHandler::on_upgrade(const net::HttpRequest& request) {
    // Only the v2 JSON serializer: Phoenix picks v1 when vsn is absent, which shoal does not speak.
    std::vector<codec::QueryParam> params;
    const std::string* vsn = nullptr;
    if (codec::parse_query(request.query, params)) vsn = codec::find_param(params, "vsn");
    if (!vsn || !vsn->starts_with("2.")) return {false, 400};
    // An unknown app is answered over the socket (4001); a browser Origin its app does not
    // allow is refused here, as for Pusher.
    const common::App* app = sessions_.app_of_query(request.query);
    if (app && !app->allows_origin(net::header_of(request, "Origin"))) return {false, 403};
    return {true, 404};
}

void PhoenixWsHandler::on_open(net::ConnId id, const net::HttpRequest& request) {
    sessions_.open(id, request.query);
}
void PhoenixWsHandler::on_text(net::ConnId id, std::string_view message) {
    sessions_.message(id, message);
}
void PhoenixWsHandler::on_idle(net::ConnId id) {
    sessions_.idle(id);
}
void PhoenixWsHandler::on_close(net::ConnId id) {
    sessions_.closed(id);
}

std::uint32_t PhoenixWsHandler::idle_timeout_ms() const {
    return config_.limits.activity_timeout_s * 1000u;
}

std::uint16_t PhoenixWsHandler::overload_close_code() const {
    // Unchanged from the shared handler: phoenix.js reconnects on any close code.
    return codec::pusher_error::kOverCapacity;
}

}  // namespace shoal::session
