// SPDX-License-Identifier: MIT
// LastEventCache: for topics an adapter marks as cache topics (Pusher's cache channels), the last
// event published on them, kept as the one shared frame every subscriber got, for a TTL and up to
// a bound on the number of topics (the oldest stored is evicted). Time is passed in (tests inject
// it); the protocol decides which names qualify through a plain function pointer (R4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/apps/app_topic.hpp"
#include "worker/channel/topic_table.hpp"
#include "worker/net/shared_frame.hpp"

namespace shoal::channel {

class LastEventCache {
  public:
    using NameFilter = bool (*)(std::string_view) noexcept;

    // tag: the protocol whose frame is kept; max_topics >= 1.
    LastEventCache(NameFilter filter, ProtocolTag tag, std::uint64_t ttl_ms,
                   std::size_t max_topics);
    LastEventCache(const LastEventCache&) = delete;
    LastEventCache& operator=(const LastEventCache&) = delete;

    // The only work a non-cache topic costs on the publish paths. The filter sees the channel
    // name, not the app scope.
    bool wants(std::string_view topic) const noexcept { return wants_(common::topic_name(topic)); }
    ProtocolTag tag() const noexcept { return tag_; }
    std::uint64_t ttl_ms() const noexcept { return ttl_ms_; }

    // Keeps frame as topic's last event, stored at stored_ms. An entry stored later than that is
    // kept instead (a snapshot answer must not undo a newer broadcast); returns whether it took.
    bool store(std::string_view topic, net::FrameRef frame, std::uint64_t stored_ms);
    // topic's last event when it is at most ttl old at now_ms, else an empty ref (and an expired
    // entry is dropped).
    net::FrameRef find(std::string_view topic, std::uint64_t now_ms);
    std::size_t size() const noexcept { return index_.size(); }

    // f(topic, const FrameRef&, age_ms) for each live entry, oldest stored first.
    template <class F>
    void for_each_live(std::uint64_t now_ms, F&& f) const {
        for (const auto& e : entries_)
            if (live(e, now_ms)) f(std::string_view(e.topic), e.frame, now_ms - e.stored_ms);
    }

  private:
    struct Entry {
        std::string topic;
        net::FrameRef frame;
        std::uint64_t stored_ms = 0;
    };
    bool live(const Entry& e, std::uint64_t now_ms) const noexcept {
        return now_ms < e.stored_ms || now_ms - e.stored_ms <= ttl_ms_;
    }
    void erase(std::list<Entry>::iterator it);
    void drop_expired_front(std::uint64_t now_ms);

    NameFilter wants_;
    ProtocolTag tag_;
    std::uint64_t ttl_ms_;
    std::size_t max_topics_;
    std::list<Entry> entries_;  // in storing order: the front is the eviction candidate
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys view entries_
};

}  // namespace shoal::channel
