// SPDX-License-Identifier: MIT
// Phoenix's LongPoll transport (phoenix.js LongPoll, Phoenix.Transports.LongPoll's wire) over
// PhoenixSessions: a session is a virtual connection (net::kVirtualConnBit) that joins, pushes
// and gets presence like a WebSocket; what PhoenixSessions sends it waits in a queue of shared
// frames until a poll takes it. GET /socket/longpoll polls (held up to kPollHoldMs, then 204),
// POST sends (ndjson), a GET with no live token starts a session (410 + token). The token names
// the owning worker; a request landing on another worker is forwarded to the owner over the bus
// (directed records, tag kLongPollTag) and the owner's answer comes back the same way.
// docs/fallback_transports.md.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/config.hpp"
#include "worker/channel/channel_hub.hpp"
#include "worker/net/handler.hpp"
#include "worker/session/phoenix_sessions.hpp"

namespace shoal::session {

inline constexpr channel::ProtocolTag kLongPollTag = 3;  // its bus messages; it encodes nothing
inline constexpr std::string_view kLongPollPath = "/socket/longpoll";

class LongPollSessions final : public net::RouteHandler,
                               public channel::ProtocolAdapter,
                               public net::VirtualConnSink,
                               public net::Ticker {
  public:
    static constexpr std::uint64_t kPollHoldMs = 10'000;     // Phoenix's window_ms
    static constexpr std::uint64_t kSessionGapMs = 10'000;   // no poll this long: session over
    static constexpr std::uint64_t kForwardWaitMs = 15'000;  // owner silent this long: 410
    static constexpr std::size_t kMaxAnswerBytes = 48 * 1024;

    LongPollSessions(channel::ChannelHub& hub, const common::Config& config,
                     PhoenixSessions& phoenix);
    LongPollSessions(const LongPollSessions&) = delete;
    LongPollSessions& operator=(const LongPollSessions&) = delete;

    bool enabled() const noexcept { return enabled_; }
    std::size_t session_count() const noexcept { return sessions_.size(); }

    // net::RouteHandler (GET and POST kLongPollPath)
    net::Reply on_request(net::ConnId id, const net::HttpRequest& request,
                          const net::RouteParams& params, net::HttpResponse& out) override;
    void on_abandoned(net::ConnId id) override;

    // channel::ProtocolAdapter: nothing is encoded for long-poll clients here (they receive
    // Phoenix frames); the adapter exists for the forwarded requests.
    net::FrameRef encode_event(const channel::Event&) override { return {}; }
    void on_directed(std::uint32_t from_slot, std::string_view bytes) override;

    // net::VirtualConnSink: PhoenixSessions' frames and closes for the sessions.
    void send(net::ConnId id, net::FrameRef frame) override;
    void close(net::ConnId id, std::uint16_t code, std::string_view reason) override;
    std::uint32_t count() const noexcept override {
        return static_cast<std::uint32_t>(sessions_.size());
    }

    // net::Ticker: held polls answered 204, silent sessions closed, lost forwards answered 410.
    void on_tick(std::uint64_t now_ms) override;
    // Held polls (local and forwarded here) are answered 410: the sessions end with the worker,
    // and phoenix.js reconnects at once instead of waiting for a timeout.
    void on_shutdown() override;

  private:
    // Who waits for an answer: a request held here, or one another worker forwarded.
    struct Waiter {
        bool remote = false;
        net::ConnId conn = 0;       // local
        std::uint32_t slot = 0;     // remote: the forwarding worker ...
        std::uint64_t request = 0;  // ... and its request number
        std::uint64_t since_ms = 0;
    };
    struct Session {
        std::string token;
        std::deque<net::FrameRef> out;
        std::size_t out_bytes = 0;
        bool polling = false;
        Waiter poll;
        std::uint64_t last_seen_ms = 0;
        bool closed = false;       // the protocol side closed it: polls get 410
        bool phoenix_open = true;  // PhoenixSessions still knows the id
    };
    struct Forwarded {
        net::ConnId conn = 0;
        std::uint64_t since_ms = 0;
        std::uint32_t slot = 0;  // the owner
        std::uint64_t session = 0;
    };

    // A request for the session of `token` (verified, owned here), from a local or remote waiter.
    void serve(const Waiter& w, bool get, std::uint64_t session, std::string_view body);
    void start_session(net::ConnId id, std::string_view query, net::HttpResponse& out);
    void forward(net::ConnId id, std::uint32_t slot, bool get, std::string_view token,
                 std::string_view body);
    void answer(const Waiter& w, std::string_view json);
    // {"status":200,...} with as many queued messages as fit (204 when none are queued).
    void flush(Session& s, const Waiter& w);
    void end_phoenix(std::uint64_t session, Session& s);
    static std::string status_json(int status, std::string_view token);

    channel::ChannelHub& hub_;
    const common::Config& config_;
    PhoenixSessions& phoenix_;
    net::Transport& transport_;
    bool enabled_ = false;
    std::uint64_t nonce_;                                        // in every token this worker signs
    std::unordered_map<std::uint64_t, Session> sessions_;        // by session number
    std::unordered_map<net::ConnId, std::uint64_t> held_;        // local held poll -> session
    std::unordered_map<std::uint64_t, Forwarded> forwarded_;     // request number -> waiting conn
    std::unordered_map<net::ConnId, std::uint64_t> forwarding_;  // conn -> request number
    std::uint64_t next_session_ = 1;
    std::uint64_t next_request_ = 1;
    std::string json_;
};

}  // namespace shoal::session
