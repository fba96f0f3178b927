// SPDX-License-Identifier: MIT
// The protocol-neutral channel core: topic -> this worker's subscribers, each tagged with the
// protocol whose frame it takes. publish() hands one already-encoded frame to every local
// subscriber of that protocol by reference; publish_tagged() picks each subscriber's frame by its
// protocol, for local publishes and remote messages from the bus alike. Subscribe/unsubscribe
// may allocate; publish does not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "worker/channel/conn_position_index.hpp"
#include "worker/channel/string_key.hpp"
#include "worker/net/handler.hpp"
#include "worker/net/shared_frame.hpp"

namespace shoal::channel {

using ConnId = net::ConnId;
using ProtocolTag = std::uint8_t;  // assigned by the adapters; the core only compares them

inline constexpr ConnId kNoConn = 0;  // "exclude nobody" (transport ids are never 0)

struct Subscriber {
    ConnId conn;
    ProtocolTag protocol;
};

class TopicTable {
  public:
    // A topic with this many subscribers gets an index conn -> position, so subscribe and
    // unsubscribe stay O(1) on huge channels (a linear scan made 100k joins and leaves of one
    // channel cost 4 s of loop time); it is dropped again below half. Small topics, most of
    // them, pay nothing for it.
    static constexpr std::size_t kIndexFrom = 64;

    // False when conn already subscribes to topic.
    bool subscribe(std::string_view topic, ConnId conn, ProtocolTag protocol);
    // False when conn did not subscribe. An emptied topic is removed.
    bool unsubscribe(std::string_view topic, ConnId conn);

    std::span<const Subscriber> subscribers(std::string_view topic) const noexcept;
    std::size_t subscriber_count(std::string_view topic) const noexcept {
        return subscribers(topic).size();
    }
    std::size_t topic_count() const noexcept { return topics_.size(); }

    // Sends frame to each subscriber with this protocol tag except `except`; returns how many.
    // The sink must not subscribe or unsubscribe: the transport defers on_close to its flush
    // (net::Transport::send never closes synchronously), so a fan-out never edits this table.
    template <class Sink>
    std::size_t publish(std::string_view topic, ProtocolTag protocol, const net::FrameRef& frame,
                        ConnId except, Sink&& sink) const {
        return publish_tagged(
            topic, except, [&](ProtocolTag tag) { return tag == protocol ? &frame : nullptr; },
            std::forward<Sink>(sink));
    }

    // One walk over topic's subscribers for every protocol at once: frame_for(tag) returns the
    // frame for that protocol (a const FrameRef*, null or empty when it has none); it is asked
    // only for tags that have a subscriber, so a caller may build a frame lazily there.
    template <class FrameFor, class Sink>
    std::size_t publish_tagged(std::string_view topic, ConnId except, FrameFor&& frame_for,
                               Sink&& sink) const {
        auto it = topics_.find(topic);
        if (it == topics_.end()) return 0;
        const auto& subs = it->second.subs;
        std::size_t sent = 0;
        for (std::size_t i = 0; i < subs.size(); ++i) {
            const Subscriber s = subs[i];
            if (s.conn == except) continue;
            const net::FrameRef* f = frame_for(s.protocol);
            if (!f || !*f) continue;
            sink(s.conn, *f);
            ++sent;
        }
        return sent;
    }

    // f(std::string_view topic, std::size_t subscriber_count) for every topic.
    template <class F>
    void for_each_topic(F&& f) const {
        for (const auto& [name, t] : topics_)
            f(std::string_view(name), t.subs.size());
    }

  private:
    struct Topic {
        std::vector<Subscriber> subs;                  // dense: the fan-out walks it
        std::unique_ptr<ConnPositionIndex> index;      // kIndexFrom and up
        std::size_t find(ConnId conn) const noexcept;  // position, or subs.size()
    };

    StringMap<Topic> topics_;
};

}  // namespace shoal::channel
