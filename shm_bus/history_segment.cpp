// SPDX-License-Identifier: MIT
// Creating and attaching the history object; Boost's exceptions end here as Results (STYLE 4).
#include "shm_bus/history_segment.hpp"

#include <span>

#include <boost/interprocess/shared_memory_object.hpp>

namespace shoal::bus {
namespace ipc = boost::interprocess;

common::Result<HistorySegment> HistorySegment::create(const std::string& name,
                                                      const HistoryConfig& config,
                                                      std::uint64_t epoch) {
    if (auto v = config.validate(); !v) return v.error();
    bool created = false;
    try {
        ipc::shared_memory_object shm(ipc::create_only, name.c_str(), ipc::read_write);
        created = true;
        const auto bytes = config.region_bytes();
        shm.truncate(static_cast<ipc::offset_t>(bytes));  // zero-filled by the kernel
        HistorySegment s(ipc::mapped_region(shm, ipc::read_write, 0, bytes));
        std::span<std::byte> region(static_cast<std::byte*>(s.region_.get_address()), bytes);
        s.writer_.emplace(region, config, epoch);
        auto r = HistoryReader::attach(region);
        if (!r) return r.error();
        s.reader_.emplace(std::move(r).value());
        return s;
    } catch (const ipc::interprocess_exception& e) {
        if (created) ipc::shared_memory_object::remove(name.c_str());
        const bool exists = e.get_error_code() == ipc::already_exists_error;
        return common::Error{exists ? common::Errc::AlreadyExists : common::Errc::Io,
                             e.get_native_error(), "shm_open() failed: history=" + name};
    }
}

common::Result<HistorySegment> HistorySegment::attach_readonly(const std::string& name) {
    try {
        ipc::shared_memory_object shm(ipc::open_only, name.c_str(), ipc::read_only);
        HistorySegment s(ipc::mapped_region(shm, ipc::read_only));
        std::span<const std::byte> region(static_cast<const std::byte*>(s.region_.get_address()),
                                          s.region_.get_size());
        auto r = HistoryReader::attach(region);
        if (!r) return r.error();
        s.reader_.emplace(std::move(r).value());
        return s;
    } catch (const ipc::interprocess_exception& e) {
        const bool missing = e.get_error_code() == ipc::not_found_error;
        return common::Error{missing ? common::Errc::NotFound : common::Errc::Io,
                             e.get_native_error(), "shm_open() failed: history=" + name};
    }
}

bool HistorySegment::remove(const std::string& name) {
    return ipc::shared_memory_object::remove(name.c_str());
}

}  // namespace shoal::bus
