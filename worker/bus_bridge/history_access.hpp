// SPDX-License-Identifier: MIT
// HistoryAccess: the channel core's HistorySource over the supervisor's history region, mapped
// read-only (shm_bus/history_segment.hpp). A worker that cannot map it serves history channels
// as ordinary ones.
#pragma once

#include <optional>
#include <string>

#include "common/result.hpp"
#include "shm_bus/history_segment.hpp"
#include "worker/channel/history_source.hpp"

namespace shoal::worker {

class HistoryAccess final : public channel::HistorySource {
  public:
    static common::Result<HistoryAccess> attach(const std::string& bus_name);

    std::uint64_t epoch() const noexcept override { return segment_.reader().epoch(); }
    void read_since(std::string_view topic, std::uint64_t since, std::uint32_t max_events,
                    std::uint64_t min_time_ms, channel::HistoryRead& out) const override;

  private:
    explicit HistoryAccess(bus::HistorySegment segment) : segment_(std::move(segment)) {}

    bus::HistorySegment segment_;
    mutable bus::Recovery scratch_;
};

}  // namespace shoal::worker
