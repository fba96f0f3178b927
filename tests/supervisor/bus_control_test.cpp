// SPDX-License-Identifier: MIT
// Real segments: stale removal, control-ring records read back, published fields.
#include "supervisor/bus_control.hpp"

#include <unistd.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "shm_bus/control_records.hpp"
#include "shm_bus/ring_reader.hpp"

using namespace shoal;

namespace {

struct Collect {
    std::vector<std::pair<std::int32_t, std::uint64_t>> got;  // type, epoch
    std::vector<std::uint32_t> slots;
    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        bus::WorkerUp up{};
        if (bus::decode_control(payload, up)) {
            got.emplace_back(type, up.epoch);
            slots.push_back(up.slot);
        }
    }
    void on_lost(std::uint64_t, std::uint64_t) noexcept {}
};

std::string bus_name(const char* tag) {
    return "shoal-bctest-" + std::to_string(::getpid()) + "-" + tag;
}

bus::BusConfig two_slots() {
    bus::BusConfig c;
    c.slots = 2;
    return c;
}

}  // namespace

TEST_CASE("BusControl: a stale segment left by a crashed supervisor is replaced by a fresh one",
          "[supervisor][bus]") {
    std::string name = bus_name("stale");
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    {
        auto stale = bus::Segment::create(name, two_slots());
        REQUIRE(stale.ok());
        stale->slot(1).epoch.store(41);
    }
    auto bc = sup::BusControl::create(lock.value(), name, two_slots());
    REQUIRE(bc.ok());
    REQUIRE(bc.value()->epoch(1) == 0);
    REQUIRE(bc.value()->segment().creator_pid() == static_cast<std::uint64_t>(::getpid()));
    REQUIRE(bc.value()->wakeup_fds().size() == 2);
    bc.value().reset();
    REQUIRE_FALSE(bus::Segment::attach_readonly(name).ok());  // unlinked on destruction
    lock->release_and_unlink();
}

TEST_CASE("BusControl: worker_up and worker_down reach a reader of the control ring in order",
          "[supervisor][bus]") {
    std::string name = bus_name("announce");
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    auto bc = sup::BusControl::create(lock.value(), name, two_slots());
    REQUIRE(bc.ok());
    auto reader_seg = bus::Segment::attach(name, two_slots());
    REQUIRE(reader_seg.ok());
    bus::RingReader reader(reader_seg.value(), reader_seg->config().control_ring());

    bc.value()->announce_up(1, 7);
    bc.value()->announce_down(1, 7);
    bc.value()->announce_up(0, 3);
    Collect sink;
    REQUIRE(reader.poll(sink, 16) == 3);
    REQUIRE(sink.got[0] == std::make_pair(bus::kWorkerUpType, std::uint64_t{7}));
    REQUIRE(sink.got[1] == std::make_pair(bus::kWorkerDownType, std::uint64_t{7}));
    REQUIRE(sink.got[2] == std::make_pair(bus::kWorkerUpType, std::uint64_t{3}));
    REQUIRE(sink.slots == std::vector<std::uint32_t>{1, 1, 0});
    lock->release_and_unlink();
}

TEST_CASE("BusControl: published slot fields are what a read-only observer sees",
          "[supervisor][bus]") {
    std::string name = bus_name("publish");
    auto lock = sup::BusLock::acquire(name);
    REQUIRE(lock.ok());
    auto bc = sup::BusControl::create(lock.value(), name, two_slots());
    REQUIRE(bc.ok());
    sup::SlotPublish p;
    p.pid = 1234;
    p.state = bus::SlotState::Running;
    p.epoch = 5;
    p.started_ns = 99;
    p.restarts = 4;
    p.breaker = bus::BreakerState::HalfOpen;
    bc.value()->publish(1, p);

    auto ro = bus::Segment::attach_readonly(name);
    REQUIRE(ro.ok());
    const bus::SlotRecord& s = ro->slot(1);
    REQUIRE(s.pid.load() == 1234);
    REQUIRE(s.state.load() == bus::SlotState::Running);
    REQUIRE(s.epoch.load() == 5);
    REQUIRE(s.restarts.load() == 4);
    REQUIRE(s.breaker.load() == bus::BreakerState::HalfOpen);
    REQUIRE(bc.value()->epoch(1) == 5);
    lock->release_and_unlink();
}
