// SPDX-License-Identifier: MIT
// Entries live in a list in storing order (a re-stored topic moves to the back without a new
// node), indexed by a map whose keys view the list's own strings, so a topic is stored once.
#include "worker/channel/last_event_cache.hpp"

#include <iterator>

#include "common/assert.hpp"

namespace shoal::channel {

LastEventCache::LastEventCache(NameFilter filter, ProtocolTag tag, std::uint64_t ttl_ms,
                               std::size_t max_topics)
    : wants_(filter), tag_(tag), ttl_ms_(ttl_ms), max_topics_(max_topics) {
    SHOAL_ASSERT(wants_ != nullptr && max_topics_ >= 1);
}

void LastEventCache::erase(std::list<Entry>::iterator it) {
    index_.erase(std::string_view(it->topic));
    entries_.erase(it);
}

void LastEventCache::drop_expired_front(std::uint64_t now_ms) {
    while (!entries_.empty() && !live(entries_.front(), now_ms))
        erase(entries_.begin());
}

bool LastEventCache::store(std::string_view topic, net::FrameRef frame, std::uint64_t stored_ms) {
    if (auto it = index_.find(topic); it != index_.end()) {
        Entry& e = *it->second;
        if (e.stored_ms > stored_ms) return false;
        e.frame = std::move(frame);
        e.stored_ms = stored_ms;
        entries_.splice(entries_.end(), entries_, it->second);
        return true;
    }
    drop_expired_front(stored_ms);
    if (index_.size() >= max_topics_) erase(entries_.begin());
    entries_.push_back({std::string(topic), std::move(frame), stored_ms});
    auto last = std::prev(entries_.end());
    index_.emplace(std::string_view(last->topic), last);
    return true;
}

net::FrameRef LastEventCache::find(std::string_view topic, std::uint64_t now_ms) {
    auto it = index_.find(topic);
    if (it == index_.end()) return {};
    if (!live(*it->second, now_ms)) {
        erase(it->second);
        return {};
    }
    return it->second->frame;
}

}  // namespace shoal::channel
