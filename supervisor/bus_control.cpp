// SPDX-License-Identifier: MIT
// The supervisor-owned fields of the slot table and the control ring, the one ring it writes.
#include "supervisor/bus_control.hpp"

#include <fcntl.h>

#include <atomic>

#include "common/log.hpp"
#include "shm_bus/control_records.hpp"

namespace shoal::sup {

common::Result<std::unique_ptr<BusControl>> BusControl::create(const BusLock&,
                                                               const std::string& bus_name,
                                                               const bus::BusConfig& config) {
    // Holding the lock proves no live supervisor owns this name: whatever is there is stale.
    if (bus::Segment::remove(bus_name))
        SHOAL_WARN("removed a stale bus segment left by a crashed supervisor: bus=%s",
                   bus_name.c_str());
    auto seg = bus::Segment::create(bus_name, config);
    if (!seg) return seg.error();
    auto fds = bus::create_wakeup_fds(config.slots);
    if (!fds) return fds.error();
    // Close-on-exec here: the spawner maps each one explicitly (fds 4..), nothing leaks twice.
    for (int fd : fds.value())
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    std::unique_ptr<BusControl> bc(
        new BusControl(std::move(seg.value()), bus_name, std::move(fds.value())));
    if (auto r = bc->control_.recover(); !r) return r.error();
    return bc;
}

BusControl::BusControl(bus::Segment segment, std::string name, std::vector<int> wakeup_fds)
    : segment_(std::move(segment)),
      name_(std::move(name)),
      wakeup_fds_(std::move(wakeup_fds)),
      control_(segment_, segment_.config().control_ring(), 1),
      wakeup_(segment_, wakeup_fds_, bus::kNoSlot) {}

BusControl::~BusControl() {
    unlink();
    bus::close_wakeup_fds(wakeup_fds_);
}

void BusControl::publish(std::uint32_t slot, const SlotPublish& f) noexcept {
    bus::SlotRecord& s = segment_.slot(slot);
    // Relaxed: these are observations for workers and `shoal status`; ordering that matters
    // (a new epoch before its worker_up) goes through the control ring's release of tail.
    s.epoch.store(f.epoch, std::memory_order_relaxed);
    s.started_ns.store(f.started_ns, std::memory_order_relaxed);
    s.restarts.store(f.restarts, std::memory_order_relaxed);
    s.breaker.store(f.breaker, std::memory_order_relaxed);
    s.pid.store(static_cast<std::uint32_t>(f.pid), std::memory_order_relaxed);
    s.state.store(f.state, std::memory_order_release);
}

std::uint64_t BusControl::heartbeat_ns(std::uint32_t slot) const noexcept {
    return segment_.slot(slot).heartbeat_ns.load(std::memory_order_relaxed);
}

std::uint64_t BusControl::epoch(std::uint32_t slot) const noexcept {
    return segment_.slot(slot).epoch.load(std::memory_order_relaxed);
}

void BusControl::announce_up(std::uint32_t slot, std::uint64_t epoch) noexcept {
    bus::WorkerUp rec{slot, 0, epoch};
    if (!control_.try_write(bus::kWorkerUpType, bus::control_bytes(rec)))
        SHOAL_ERROR("control ring refused worker_up: slot=%u epoch=%lu", slot,
                    static_cast<unsigned long>(epoch));
    wakeup_.notify_idle_readers();
}

void BusControl::announce_down(std::uint32_t slot, std::uint64_t epoch) noexcept {
    bus::WorkerDown rec{slot, 0, epoch};
    if (!control_.try_write(bus::kWorkerDownType, bus::control_bytes(rec)))
        SHOAL_ERROR("control ring refused worker_down: slot=%u epoch=%lu", slot,
                    static_cast<unsigned long>(epoch));
    wakeup_.notify_idle_readers();
}

void BusControl::announce_apps_changed(std::uint64_t generation) noexcept {
    bus::AppsChanged rec{generation};
    if (!control_.try_write(bus::AppsChanged::kType, bus::control_bytes(rec)))
        SHOAL_ERROR("control ring refused apps_changed: generation=%lu",
                    static_cast<unsigned long>(generation));
    wakeup_.notify_idle_readers();
}

bool BusControl::write_control(std::int32_t type, std::span<const std::byte> payload) noexcept {
    return control_.try_write(type, payload);
}

void BusControl::unlink() noexcept {
    if (unlinked_) return;
    unlinked_ = true;
    bus::Segment::remove(name_);
}

}  // namespace shoal::sup
