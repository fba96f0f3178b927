// SPDX-License-Identifier: MIT
#include "worker/session/protocol_router.hpp"

#include <vector>

#include "worker/codec/pusher_http_auth.hpp"

namespace shoal::session {
namespace {

bool is_phoenix_path(std::string_view path) noexcept {
    if (path.ends_with('/')) path.remove_suffix(1);
    return path == kPhoenixSocketPath;
}

}  // namespace

ProtocolRouter::ProtocolRouter(const common::Config& config, channel::ChannelHub& hub,
                               std::uint32_t socket_prefix, http_api::WallClockS clock)
    : pusher_(config, hub, socket_prefix, clock), phoenix_(config, hub, clock) {}

net::UpgradeDecision ProtocolRouter::on_upgrade(const net::HttpRequest& request) {
    if (!is_phoenix_path(request.path)) return pusher_.on_upgrade(request);
    // Only the v2 JSON serializer: Phoenix picks v1 when vsn is absent, which shoal does not speak.
    std::vector<codec::QueryParam> params;
    const std::string* vsn = nullptr;
    if (codec::parse_query(request.query, params)) vsn = codec::find_param(params, "vsn");
    if (!vsn || !vsn->starts_with("2.")) return {false, 400};
    return {true, 404};
}

void ProtocolRouter::on_open(net::ConnId id, const net::HttpRequest& request) {
    if (!is_phoenix_path(request.path)) return pusher_.on_open(id, request);
    phoenix_conns_.insert(id);
    phoenix_.open(id, request.query);
}

void ProtocolRouter::on_text(net::ConnId id, std::string_view message) {
    if (is_phoenix(id)) return phoenix_.message(id, message);
    pusher_.on_text(id, message);
}

void ProtocolRouter::on_idle(net::ConnId id) {
    if (is_phoenix(id)) return phoenix_.idle(id);
    pusher_.on_idle(id);
}

void ProtocolRouter::on_close(net::ConnId id) {
    if (phoenix_conns_.erase(id)) return phoenix_.closed(id);
    pusher_.on_close(id);
}

void ProtocolRouter::on_shutdown(net::ConnId id) {
    if (is_phoenix(id)) return;  // the transport's 1001 makes phoenix.js reconnect
    pusher_.on_shutdown(id);
}

net::HttpResponse ProtocolRouter::on_request(const net::HttpRequest& request) {
    return pusher_.on_request(request);
}

}  // namespace shoal::session
