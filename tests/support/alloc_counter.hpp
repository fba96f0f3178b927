// SPDX-License-Identifier: MIT
// Counts every operator new in the process, so hot-path tests can assert zero allocations.
#pragma once

#include <cstdint>

namespace shoal::test {

std::uint64_t allocation_count() noexcept;

// Allocations made while this object lives.
class AllocationScope {
  public:
    AllocationScope() noexcept : start_(allocation_count()) {}
    std::uint64_t count() const noexcept { return allocation_count() - start_; }

  private:
    std::uint64_t start_;
};

}  // namespace shoal::test
