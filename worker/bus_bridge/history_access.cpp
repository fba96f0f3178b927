// SPDX-License-Identifier: MIT
// The store's answer handed to the channel core in the core's own types (its strings moved).
#include "worker/bus_bridge/history_access.hpp"

namespace shoal::worker {

common::Result<HistoryAccess> HistoryAccess::attach(const std::string& bus_name) {
    auto s = bus::HistorySegment::attach_readonly(bus::HistorySegment::name_for(bus_name));
    if (!s) return s.error();
    return HistoryAccess(std::move(s).value());
}

void HistoryAccess::read_since(std::string_view topic, std::uint64_t since,
                               std::uint32_t max_events, std::uint64_t min_time_ms,
                               channel::HistoryRead& out) const {
    segment_.reader().read_since(topic, since, max_events, min_time_ms, scratch_);
    out.epoch = scratch_.epoch;
    out.complete = scratch_.complete;
    out.latest = scratch_.latest;
    out.events.clear();
    out.events.reserve(scratch_.events.size());
    for (bus::HistoryEvent& e : scratch_.events)
        out.events.push_back({e.offset, e.time_ms, std::move(e.name), std::move(e.data),
                              std::move(e.user_id), e.origin});
}

}  // namespace shoal::worker
