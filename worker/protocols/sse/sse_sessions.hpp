// SPDX-License-Identifier: MIT
// The Server-Sent Events protocol (tag kTag): GET /app/{key}/sse streams text/event-stream to an
// EventSource. Each stream is a streamed HTTP response subscribed on the hub like any connection;
// events are encoded once per publish as one HTTP chunk (sse_codec.hpp) that every stream's send
// queue shares. Private and presence channels take a Pusher channel-auth signature over the
// stream's socket_id; presence streams are members. A short per-topic history on this worker
// serves Last-Event-ID. docs/fallback_transports.md has the wire and the choices.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/config.hpp"
#include "worker/channel/app_directory.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/codec/pusher_message.hpp"
#include "worker/net/handler.hpp"
#include "worker/protocols/sse/sse_codec.hpp"

namespace shoal::sse {

inline constexpr channel::ProtocolTag kTag = 2;
inline constexpr std::string_view kPattern = "/app/{key}/sse";

class SseSessions final : public net::RouteHandler,
                          public channel::ProtocolAdapter,
                          public net::Ticker,
                          public net::VirtualConnSink {
  public:
    static constexpr std::uint64_t kKeepAliveMs = 15'000;
    static constexpr std::uint32_t kRetryMs = 1'000;  // EventSource's reconnect delay
    static constexpr std::size_t kHistoryPerTopic = 256;
    static constexpr std::uint64_t kHistoryLingerMs = 30'000;

    SseSessions(channel::ChannelHub& hub, const common::Config& config,
                channel::AppDirectory& apps);
    SseSessions(const SseSessions&) = delete;
    SseSessions& operator=(const SseSessions&) = delete;

    // After AppDirectory::replace(): streams move to their app's new settings; those of a
    // removed or disabled app end (EventSource reconnects and gets 404 or 403).
    void apps_replaced();

    // net::RouteHandler
    net::Reply on_request(net::ConnId id, const net::HttpRequest& request,
                          const net::RouteParams& params, net::HttpResponse& out) override;
    void on_abandoned(net::ConnId id) override;

    // channel::ProtocolAdapter: server events on every topic a stream may join; other protocols'
    // client events on public topics (codec/topic_policy.hpp) and on Pusher private-/presence-
    // channels, whose streams proved the Pusher channel signature.
    net::FrameRef encode_event(const channel::Event& event) override;
    void on_member_added(std::string_view topic, std::string_view user_id,
                         std::string_view info_json, channel::ConnId except) override;
    void on_member_removed(std::string_view topic, std::string_view user_id) override;

    // net::Ticker: keep-alive comments, lingering histories.
    void on_tick(std::uint64_t now_ms) override;

    // net::VirtualConnSink: each topic's history is a virtual subscriber of the topic.
    void send(net::ConnId id, net::FrameRef frame) override;
    void close(net::ConnId, std::uint16_t, std::string_view) override {}
    std::uint32_t count() const noexcept override { return 0; }

    std::size_t stream_count() const noexcept { return streams_.size(); }

  private:
    struct Stream {
        const common::App* app = nullptr;
        std::vector<std::string> topics;                            // scoped by app
        std::vector<std::pair<std::string, std::string>> presence;  // (topic, user_id) joined
    };
    struct History {
        net::ConnId subscriber = 0;  // virtual id, subscribed while the history lives
        std::deque<net::FrameRef> frames;
        std::uint32_t streams = 0;
        std::uint64_t idle_since_ms = 0;
    };

    // The answer to a bad request, or Reply::Now unchanged when the query is good.
    bool refuse(const common::App& app, const StreamQuery& q, net::HttpResponse& out);
    void open_stream(net::ConnId id, const common::App& app, const StreamQuery& q,
                     std::string_view last_event_id);
    // A stream's history channels start at the hub's seam; a Last-Event-ID "<epoch>:<offset>"
    // on a stream of one history channel recovers from the store (docs/history.md).
    void start_history_topics(net::ConnId id, const common::App& app,
                              const std::vector<std::string>& topics,
                              std::string_view last_event_id);
    void replay(net::ConnId id, const std::vector<std::string>& topics, std::uint64_t after);
    void retain_history(const std::string& topic);
    void release_history(const std::string& topic);
    void drop_stream(net::ConnId id);
    std::uint64_t next_event_id() noexcept;
    net::FrameRef encode(std::string_view topic, std::string_view name, std::string_view data);

    channel::ChannelHub& hub_;
    const common::Config& config_;
    channel::AppDirectory& apps_;
    net::Transport& transport_;
    bool history_on_ = false;  // the transport routes the histories' virtual ids to us
    std::unordered_map<net::ConnId, Stream> streams_;
    std::unordered_map<std::string, History> history_;
    std::unordered_map<net::ConnId, std::string> history_topic_;  // virtual id -> topic
    std::uint64_t next_history_id_ = 1;
    std::uint64_t last_event_id_ = 0;
    std::uint64_t last_keepalive_ms_ = 0;
    codec::PusherParser parser_{16 * 1024};
    std::string scratch_;
};

}  // namespace shoal::sse
