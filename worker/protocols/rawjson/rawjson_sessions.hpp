// SPDX-License-Identifier: MIT
// The raw JSON protocol module: its connection handler (net::WsHandler) and its encoder for the
// channel core (channel::ProtocolAdapter). Public topics only: guarded and reserved names are
// refused, so it needs no auth of its own. Tag kTag, path kPath.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "worker/channel/channel_hub.hpp"
#include "worker/net/handler.hpp"
#include "worker/protocols/rawjson/rawjson_codec.hpp"

namespace shoal::rawjson {

inline constexpr channel::ProtocolTag kTag = 7;
inline constexpr std::string_view kPath = "/rawjson";

class RawJsonSessions final : public net::WsHandler, public channel::ProtocolAdapter {
  public:
    static constexpr std::size_t kMaxTopicsPerConnection = 100;
    static constexpr std::size_t kMaxMessageBytes = 16 * 1024;

    // The protocol knows no apps: its topics belong to app_id (the server's default app).
    RawJsonSessions(channel::ChannelHub& hub, std::string app_id);
    RawJsonSessions(const RawJsonSessions&) = delete;
    RawJsonSessions& operator=(const RawJsonSessions&) = delete;

    // net::WsHandler
    net::UpgradeDecision on_upgrade(const net::HttpRequest& request) override;
    void on_open(net::ConnId id, const net::HttpRequest& request) override;
    void on_text(net::ConnId id, std::string_view message) override;
    void on_binary(net::ConnId id, std::string_view message) override;
    void on_idle(net::ConnId id) override;
    void on_close(net::ConnId id) override;
    std::uint32_t idle_timeout_ms() const override { return 60'000; }

    // channel::ProtocolAdapter: every event on a public topic, from a server or any client.
    net::FrameRef encode_event(const channel::Event& event) override;

    std::size_t connection_count() const noexcept { return topics_.size(); }

  private:
    void subscribe(net::ConnId id, std::string_view topic);
    void unsubscribe(net::ConnId id, std::string_view topic);
    void publish(net::ConnId id, const ClientMessage& m);
    void send(net::ConnId id, std::string_view text);
    static bool topic_allowed(std::string_view topic) noexcept;

    const std::string& scoped(std::string_view topic);

    channel::ChannelHub& hub_;
    std::string app_id_;
    std::string scoped_;  // the last scoped topic built
    Codec codec_;
    std::unordered_map<net::ConnId, std::vector<std::string>> topics_;  // per connection, by name
};

}  // namespace shoal::rawjson
