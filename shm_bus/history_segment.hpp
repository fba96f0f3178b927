// SPDX-License-Identifier: MIT
// HistorySegment: the shared-memory object that holds the host's channel history (its own name,
// "<bus>-history", beside the bus segment). The supervisor creates it with a fresh random epoch
// and is its only writer; workers attach it read-only. Boost.Interprocess shared_memory_object
// and mapped_region only, as for the bus (no managed segment, no lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/interprocess/mapped_region.hpp>

#include "common/result.hpp"
#include "shm_bus/history_store.hpp"

namespace shoal::bus {

class HistorySegment {
  public:
    // The name of the history object of a bus.
    static std::string name_for(const std::string& bus_name) { return bus_name + "-history"; }
    // Creates the object (AlreadyExists if the name is taken) and initialises a writer.
    static common::Result<HistorySegment> create(const std::string& name,
                                                 const HistoryConfig& config, std::uint64_t epoch);
    // Read-only attach; the layout is checked against the object's own size.
    static common::Result<HistorySegment> attach_readonly(const std::string& name);
    static bool remove(const std::string& name);

    HistorySegment(HistorySegment&&) noexcept = default;
    HistorySegment& operator=(HistorySegment&&) noexcept = default;

    // The writer (created segments only) and the reader (both).
    HistoryWriter& writer() noexcept { return *writer_; }
    const HistoryReader& reader() const noexcept { return *reader_; }
    bool writable() const noexcept { return writer_.has_value(); }

  private:
    explicit HistorySegment(boost::interprocess::mapped_region region)
        : region_(std::move(region)) {}

    boost::interprocess::mapped_region region_;
    std::optional<HistoryWriter> writer_;
    std::optional<HistoryReader> reader_;
};

}  // namespace shoal::bus
