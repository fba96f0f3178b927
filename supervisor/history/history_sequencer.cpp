// SPDX-License-Identifier: MIT
// The sequencer: append to the region first, then announce on the control ring, so a worker
// that sees a Sequenced record finds its event in the store, and a worker that reads the store's
// head may still receive records at or below it (which it drops: docs/history.md, the seam).
#include "supervisor/history/history_sequencer.hpp"

#include <random>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "shm_bus/records/bus_records.hpp"

namespace shoal::sup {
namespace rec = bus::records;

namespace {

std::uint64_t random_epoch() {
    std::random_device rd;
    std::uint64_t e = 0;
    while (e == 0)
        e = (std::uint64_t{rd()} << 32) ^ rd();
    return e;
}

}  // namespace

common::Result<std::unique_ptr<HistorySequencer>> HistorySequencer::start(
    host_view::HostView& view, BusControl& bus, const bus::HistoryConfig& config, bool fast) {
    std::string name = bus::HistorySegment::name_for(bus.name());
    // Under the bus lock: a region left by a supervisor that died belongs to nobody now (H5).
    bus::HistorySegment::remove(name);
    auto segment = bus::HistorySegment::create(name, config, random_epoch());
    if (!segment) return segment.error();
    std::unique_ptr<HistorySequencer> s(
        new HistorySequencer(view, bus, std::move(segment).value(), std::move(name)));
    view.attach(*s, fast ? host_view::HostView::kMinPollMs : host_view::HostView::kMaxIdlePollMs);
    return s;
}

HistorySequencer::HistorySequencer(host_view::HostView& view, BusControl& bus,
                                   bus::HistorySegment segment, std::string name)
    : view_(view), bus_(bus), segment_(std::move(segment)), name_(std::move(name)) {}

HistorySequencer::~HistorySequencer() {
    view_.detach(*this);
    bus::HistorySegment::remove(name_);  // mappings of still-running readers stay valid
}

void HistorySequencer::on_record(std::uint32_t slot, std::int32_t type,
                                 std::span<const std::byte> payload, bool) {
    if (type != rec::kHistoryPublish) return;
    rec::Sequenced s;
    if (!rec::decode(payload, s.event)) return void(++counters_.bad);
    s.slot = slot;
    s.time_ms = common::realtime_ns() / 1'000'000u;
    s.offset = segment_.writer().append(s.event.topic, s.event.name, s.event.data, s.time_ms);
    ++(s.offset ? counters_.sequenced : counters_.unkept);
    if (!bus_.write_control(rec::kSequenced, rec::encode_into(out_, s))) {
        ++counters_.lost;
        SHOAL_WARN("history: a sequenced event of %zu bytes did not fit the control ring",
                   s.event.data.size());
        return;
    }
    bus_.wake_readers();
}

}  // namespace shoal::sup
