// SPDX-License-Identifier: MIT
// Segment: one mapped shared-memory bus (Boost.Interprocess shared_memory_object + mapped_region
// only). It owns the mapping, checks the layout on attach (C7) and hands out slots and rings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/interprocess/mapped_region.hpp>

#include "common/result.hpp"
#include "shm_bus/bus_config.hpp"
#include "shm_bus/layout.hpp"

namespace shoal::bus {

class Segment {
  public:
    // Creates and initialises a new segment; fails with AlreadyExists if the name is taken.
    static common::Result<Segment> create(const std::string& name, const BusConfig& config);
    // Read-write attach; a header that does not match `expected` gives BusLayoutMismatch.
    static common::Result<Segment> attach(const std::string& name, const BusConfig& expected);
    // Read-only attach for observers; sizes come from the header and are checked for sanity.
    static common::Result<Segment> attach_readonly(const std::string& name);
    // Unlinks the name; mappings that exist stay valid. False if there was nothing to remove.
    static bool remove(const std::string& name);

    Segment(Segment&&) noexcept = default;
    Segment& operator=(Segment&&) noexcept = default;
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;
    ~Segment() = default;  // the mapped_region unmaps

    const BusConfig& config() const noexcept { return config_; }
    bool read_only() const noexcept { return read_only_; }
    std::uint64_t creator_pid() const noexcept { return header().creator_pid; }

    HostRecord& host() noexcept;
    const HostRecord& host() const noexcept;
    WebhookRecord& webhooks() noexcept;
    const WebhookRecord& webhooks() const noexcept;
    SlotRecord& slot(std::uint32_t i) noexcept;
    const SlotRecord& slot(std::uint32_t i) const noexcept;
    RingHeader& ring_header(std::uint32_t ring) noexcept;
    const RingHeader& ring_header(std::uint32_t ring) const noexcept;
    std::byte* ring_data(std::uint32_t ring) noexcept;
    const std::byte* ring_data(std::uint32_t ring) const noexcept;

    // Whole mapping, for white-box tests and diagnostics.
    std::byte* base() noexcept { return base_; }
    std::size_t size() const noexcept { return region_.get_size(); }

  private:
    Segment(boost::interprocess::mapped_region region, const BusConfig& config, bool read_only);
    const SegmentHeader& header() const noexcept;

    boost::interprocess::mapped_region region_;
    BusConfig config_;
    SegmentLayout layout_;
    std::byte* base_;
    bool read_only_;
};

}  // namespace shoal::bus
