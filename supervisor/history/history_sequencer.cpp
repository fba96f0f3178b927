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

constexpr std::uint8_t kServerSide = 0xFF;  // HistoryAppend::origin of a server-side event

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
    rec::HistoryPublish p;
    if (!rec::decode(payload, p)) return void(++counters_.bad);
    if (order_ && order_->submit(slot, p.topic, payload)) {
        ++counters_.submitted;
        return;
    }
    number_locally(slot, p);
}

void HistorySequencer::numbered(std::uint32_t slot, std::uint64_t epoch, std::uint64_t offset,
                                std::span<const std::byte> record) {
    outage_epoch_ = 0;  // the cluster numbers again: the next outage is a new stream
    rec::HistoryPublish p;
    if (!rec::decode(record, p)) return void(++counters_.bad);
    sequence(slot, p, epoch, offset);
}

void HistorySequencer::unnumbered(std::uint32_t slot, std::span<const std::byte> record) {
    rec::HistoryPublish p;
    if (!rec::decode(record, p)) return void(++counters_.bad);
    number_locally(slot, p);
}

// Alone: the region's epoch. In a cluster that cannot be reached: an epoch of this outage, so
// these offsets are never taken for the cluster's (a recovery across them says not complete).
void HistorySequencer::number_locally(std::uint32_t slot, const rec::HistoryPublish& event) {
    std::uint64_t epoch = 0;
    if (order_) {
        if (outage_epoch_ == 0) {
            outage_epoch_ = random_epoch();
            SHOAL_WARN(
                "history: the cluster is unreachable; numbering this host's history "
                "events locally under epoch %016llx",
                static_cast<unsigned long long>(outage_epoch_));
        }
        epoch = outage_epoch_;
        ++counters_.outage;
    }
    sequence(slot, event, epoch, 0);
}

void HistorySequencer::sequence(std::uint32_t slot, const rec::HistoryPublish& event,
                                std::uint64_t epoch, std::uint64_t offset) {
    rec::Sequenced s;
    s.event = event;
    s.slot = slot;
    s.time_ms = common::realtime_ns() / 1'000'000u;
    bus::HistoryWriter& w = segment_.writer();
    s.epoch = epoch ? epoch : w.epoch();
    s.offset = w.append(bus::HistoryAppend{s.event.topic, s.event.name, s.event.data, s.time_ms,
                                           s.epoch, offset, s.event.user_id,
                                           s.event.from_client ? s.event.origin : kServerSide});
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
