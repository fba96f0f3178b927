// SPDX-License-Identifier: MIT
// Creating, attaching and removing the bus segment. Boost.Interprocess constructors throw; this is
// the one place that catches them and turns them into Results (STYLE 4).
#include "shm_bus/segment.hpp"

#include <unistd.h>

#include <string>
#include <utility>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include "common/assert.hpp"
#include "common/clock.hpp"

namespace shoal::bus {
namespace ipc = boost::interprocess;
using common::Errc;
using common::Error;
using common::Result;

namespace {

Error from_exception(const ipc::interprocess_exception& e, const char* call,
                     const std::string& name) {
    std::string ctx = std::string(call) + " failed: bus=" + name;
    switch (e.get_error_code()) {
        case ipc::already_exists_error:
            return Error{Errc::AlreadyExists, 0, ctx};
        case ipc::not_found_error:
            return Error{Errc::NotFound, 0, ctx};
        default:
            return Error{Errc::Io, e.get_native_error(), ctx};
    }
}

Error mismatch(const std::string& name, const std::string& what) {
    return Error{Errc::BusLayoutMismatch, 0, "bus=" + name + ": " + what};
}

bool valid_name(const std::string& name) {
    return !name.empty() && name.size() < 200 && name.find('/') == std::string::npos;
}

// C7: every size and offset recomputed from the configuration must match the header.
Result<void> check_header(const SegmentHeader& h, const BusConfig& c, std::uint64_t object_bytes,
                          const std::string& name) {
    if (h.magic.load(std::memory_order_acquire) != kSegmentMagic)  // pairs with create's release
        return mismatch(name, "bad magic (not a shoal bus, or its creator died initialising it)");
    if (h.layout_version != kLayoutVersion)
        return mismatch(name, "layout version " + std::to_string(h.layout_version) + ", expected " +
                                  std::to_string(kLayoutVersion));
    if (h.record_schema != c.record_schema)
        return mismatch(name, "record schema " + std::to_string(h.record_schema) + ", expected " +
                                  std::to_string(c.record_schema) +
                                  " (a worker of another shoal version)");
    if (h.slots != c.slots || h.ring_bytes != c.ring_bytes ||
        h.max_record_bytes != c.max_record_bytes)
        return mismatch(name, "sizes differ (slots " + std::to_string(h.slots) + ", ring_bytes " +
                                  std::to_string(h.ring_bytes) + ", max_record_bytes " +
                                  std::to_string(h.max_record_bytes) + ")");
    const SegmentLayout l = layout_for(c);
    if (h.slot_record_bytes != sizeof(SlotRecord) || h.slot_table_offset != l.slot_table_offset ||
        h.rings_offset != l.rings_offset || h.ring_stride != l.ring_stride ||
        h.total_bytes != l.total_bytes)
        return mismatch(name, "offsets differ from the ones this build computes");
    if (object_bytes < l.total_bytes)
        return mismatch(name, "object has " + std::to_string(object_bytes) +
                                  " bytes, layout needs " + std::to_string(l.total_bytes));
    return {};
}

std::uint64_t object_size(const ipc::shared_memory_object& shm) {
    ipc::offset_t size = 0;
    return shm.get_size(size) && size > 0 ? static_cast<std::uint64_t>(size) : 0;
}

}  // namespace

Segment::Segment(ipc::mapped_region region, const BusConfig& config, bool read_only)
    : region_(std::move(region)),
      config_(config),
      layout_(layout_for(config)),
      base_(static_cast<std::byte*>(region_.get_address())),
      read_only_(read_only) {}

Result<Segment> Segment::create(const std::string& name, const BusConfig& config) {
    if (!valid_name(name)) return Error{Errc::InvalidArgument, 0, "bus name '" + name + "'"};
    if (auto ok = config.validate(); !ok) return ok.error();
    const SegmentLayout l = layout_for(config);
    bool created = false;
    try {
        ipc::shared_memory_object shm(ipc::create_only, name.c_str(), ipc::read_write);
        created = true;
        shm.truncate(static_cast<ipc::offset_t>(l.total_bytes));  // zero-filled by the kernel
        ipc::mapped_region region(shm, ipc::read_write, 0, l.total_bytes);
        auto* h = static_cast<SegmentHeader*>(region.get_address());
        h->layout_version = kLayoutVersion;
        h->slots = config.slots;
        h->ring_bytes = config.ring_bytes;
        h->max_record_bytes = config.max_record_bytes;
        h->record_schema = config.record_schema;
        h->slot_record_bytes = sizeof(SlotRecord);
        h->slot_table_offset = l.slot_table_offset;
        h->rings_offset = l.rings_offset;
        h->ring_stride = l.ring_stride;
        h->total_bytes = l.total_bytes;
        h->creator_pid = static_cast<std::uint64_t>(::getpid());
        h->created_realtime_ns = common::realtime_ns();
        // Last, with release: an attacher that sees the magic sees every field above (C7).
        h->magic.store(kSegmentMagic, std::memory_order_release);
        return Segment(std::move(region), config, false);
    } catch (const ipc::interprocess_exception& e) {
        if (created) ipc::shared_memory_object::remove(name.c_str());
        return from_exception(e, "shm create", name);
    }
}

Result<Segment> Segment::attach(const std::string& name, const BusConfig& expected) {
    if (!valid_name(name)) return Error{Errc::InvalidArgument, 0, "bus name '" + name + "'"};
    if (auto ok = expected.validate(); !ok) return ok.error();
    try {
        ipc::shared_memory_object shm(ipc::open_only, name.c_str(), ipc::read_write);
        const std::uint64_t bytes = object_size(shm);
        if (bytes < kPageBytes) return mismatch(name, "object smaller than a header");
        ipc::mapped_region head(shm, ipc::read_only, 0, kPageBytes);
        auto ok = check_header(*static_cast<const SegmentHeader*>(head.get_address()), expected,
                               bytes, name);
        if (!ok) return ok.error();
        ipc::mapped_region region(shm, ipc::read_write, 0, layout_for(expected).total_bytes);
        return Segment(std::move(region), expected, false);
    } catch (const ipc::interprocess_exception& e) {
        return from_exception(e, "shm attach", name);
    }
}

Result<Segment> Segment::attach_readonly(const std::string& name) {
    if (!valid_name(name)) return Error{Errc::InvalidArgument, 0, "bus name '" + name + "'"};
    try {
        ipc::shared_memory_object shm(ipc::open_only, name.c_str(), ipc::read_only);
        const std::uint64_t bytes = object_size(shm);
        if (bytes < kPageBytes) return mismatch(name, "object smaller than a header");
        ipc::mapped_region head(shm, ipc::read_only, 0, kPageBytes);
        const auto& h = *static_cast<const SegmentHeader*>(head.get_address());
        BusConfig c;
        c.slots = h.slots;
        c.ring_bytes = h.ring_bytes;
        c.max_record_bytes = h.max_record_bytes;
        c.record_schema = h.record_schema;
        if (auto valid = c.validate(); !valid)
            return mismatch(name, "header sizes are not sane: " + valid.error().message());
        if (auto ok = check_header(h, c, bytes, name); !ok) return ok.error();
        ipc::mapped_region region(shm, ipc::read_only, 0, layout_for(c).total_bytes);
        return Segment(std::move(region), c, true);
    } catch (const ipc::interprocess_exception& e) {
        return from_exception(e, "shm attach_readonly", name);
    }
}

bool Segment::remove(const std::string& name) {
    if (!valid_name(name)) return false;
    return ipc::shared_memory_object::remove(name.c_str());
}

const SegmentHeader& Segment::header() const noexcept {
    return *reinterpret_cast<const SegmentHeader*>(base_);
}

HostRecord& Segment::host() noexcept {
    return *reinterpret_cast<HostRecord*>(base_ + kHostRecordOffset);
}
const HostRecord& Segment::host() const noexcept {
    return *reinterpret_cast<const HostRecord*>(base_ + kHostRecordOffset);
}
WebhookRecord& Segment::webhooks() noexcept {
    return *reinterpret_cast<WebhookRecord*>(base_ + kWebhookRecordOffset);
}
const WebhookRecord& Segment::webhooks() const noexcept {
    return *reinterpret_cast<const WebhookRecord*>(base_ + kWebhookRecordOffset);
}
SlotRecord& Segment::slot(std::uint32_t i) noexcept {
    SHOAL_ASSERT(i < config_.slots);
    return reinterpret_cast<SlotRecord*>(base_ + layout_.slot_table_offset)[i];
}
const SlotRecord& Segment::slot(std::uint32_t i) const noexcept {
    SHOAL_ASSERT(i < config_.slots);
    return reinterpret_cast<const SlotRecord*>(base_ + layout_.slot_table_offset)[i];
}
RingHeader& Segment::ring_header(std::uint32_t ring) noexcept {
    SHOAL_ASSERT(ring < config_.ring_count());
    return *reinterpret_cast<RingHeader*>(base_ + layout_.rings_offset +
                                          layout_.ring_stride * ring);
}
const RingHeader& Segment::ring_header(std::uint32_t ring) const noexcept {
    SHOAL_ASSERT(ring < config_.ring_count());
    return *reinterpret_cast<const RingHeader*>(base_ + layout_.rings_offset +
                                                layout_.ring_stride * ring);
}
std::byte* Segment::ring_data(std::uint32_t ring) noexcept {
    SHOAL_ASSERT(ring < config_.ring_count());
    return base_ + layout_.rings_offset + layout_.ring_stride * ring + kRingDataOffset;
}
const std::byte* Segment::ring_data(std::uint32_t ring) const noexcept {
    SHOAL_ASSERT(ring < config_.ring_count());
    return base_ + layout_.rings_offset + layout_.ring_stride * ring + kRingDataOffset;
}

}  // namespace shoal::bus
