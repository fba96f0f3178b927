// SPDX-License-Identifier: MIT
#include "shm_bus/bus_config.hpp"

#include <string>

#include "common/config.hpp"
#include "shm_bus/layout.hpp"
#include "shm_bus/records/bus_records.hpp"

namespace shoal::bus {

common::Result<void> BusConfig::validate() const {
    using common::Errc;
    using common::Error;
    if (slots < 1 || slots > kMaxSlots)
        return Error{
            Errc::Config, 0,
            "bus slots " + std::to_string(slots) + " not in 1.." + std::to_string(kMaxSlots)};
    if ((ring_bytes & (ring_bytes - 1)) != 0 || ring_bytes < kMinRingBytes ||
        ring_bytes > kMaxRingBytes)
        return Error{Errc::Config, 0,
                     "bus ring_bytes " + std::to_string(ring_bytes) +
                         " is not a power of two in 64 KiB..1 GiB"};
    if (max_record_bytes < 1 || record_stride(max_record_bytes) * 4 > ring_bytes)
        return Error{Errc::Config, 0,
                     "bus max_record_bytes " + std::to_string(max_record_bytes) +
                         " must be >= 1 and fit four times (with its header) in a ring"};
    return {};
}

BusConfig bus_config_for(const common::Config& config) {
    BusConfig c;
    c.slots = config.effective_workers();
    c.record_schema = records::kSchemaVersion;
    return c;
}

}  // namespace shoal::bus
