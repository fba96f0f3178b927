// SPDX-License-Identifier: MIT
// A unique segment name per test (with the pid) that is removed when the test ends, also when it
// fails and unwinds; and a segment created under it.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "shm_bus/records/bus_records.hpp"
#include "shm_bus/segment.hpp"

namespace shoal::test {

class SegmentName {
  public:
    explicit SegmentName(const std::string& tag)
        : name_("shoal-test-" + std::to_string(::getpid()) + "-" + tag) {
        bus::Segment::remove(name_);
    }
    ~SegmentName() { bus::Segment::remove(name_); }
    SegmentName(const SegmentName&) = delete;
    SegmentName& operator=(const SegmentName&) = delete;
    const std::string& str() const { return name_; }

  private:
    std::string name_;
};

// A segment under `name` (a test that cannot create one fails here, not later).
inline bus::Segment create_segment(const SegmentName& name, const bus::BusConfig& config) {
    auto s = bus::Segment::create(name.str(), config);
    REQUIRE(s.ok());
    return std::move(s.value());
}

// A segment of `slots` worker slots with the default ring sizes and this build's record schema,
// as the supervisor creates it.
inline bus::Segment create_segment(const SegmentName& name, std::uint32_t slots) {
    bus::BusConfig c;
    c.slots = slots;
    c.record_schema = bus::records::kSchemaVersion;
    return create_segment(name, c);
}

}  // namespace shoal::test
