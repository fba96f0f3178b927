// SPDX-License-Identifier: MIT
// A unique segment name per test (with the pid) that is removed when the test ends, also when it
// fails and unwinds.
#pragma once

#include <unistd.h>

#include <string>

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

}  // namespace shoal::test
