// SPDX-License-Identifier: MIT
#include "supervisor/webhooks/batcher.hpp"

#include "supervisor/webhooks/webhook_event.hpp"

namespace shoal::webhooks {

Batch Batcher::close(const Target& t, Open& o, std::uint64_t wall_ms) {
    return Batch{t.first, t.second, make_body(wall_ms, o.events_json), o.events};
}

void Batcher::add(std::string_view app_id, std::string_view url, std::string_view event_json,
                  std::uint64_t now_ms, std::uint64_t wall_ms, std::vector<Batch>& out) {
    auto it = open_.find(Less::View{app_id, url});
    if (it == open_.end())
        it =
            open_.emplace(Target{std::string(app_id), std::string(url)}, Open{{}, 0, now_ms}).first;
    Open& o = it->second;
    if (o.events != 0) o.events_json.push_back(',');
    o.events_json.append(event_json);
    if (++o.events < max_events_ && window_ms_ != 0) return;
    out.push_back(close(it->first, o, wall_ms));
    open_.erase(it);
}

void Batcher::due(std::uint64_t now_ms, std::uint64_t wall_ms, std::vector<Batch>& out) {
    for (auto it = open_.begin(); it != open_.end();) {
        if (now_ms != UINT64_MAX && it->second.opened_ms + window_ms_ > now_ms) {
            ++it;
            continue;
        }
        out.push_back(close(it->first, it->second, wall_ms));
        it = open_.erase(it);
    }
}

std::optional<std::uint64_t> Batcher::next_deadline_ms() const noexcept {
    std::optional<std::uint64_t> next;
    for (const auto& [t, o] : open_)
        if (!next || o.opened_ms + window_ms_ < *next) next = o.opened_ms + window_ms_;
    return next;
}

}  // namespace shoal::webhooks
