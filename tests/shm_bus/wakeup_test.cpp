// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// The idle-flag handshake of C8: only idle readers get an eventfd write, at most one per sleep,
// and a reader in another process really wakes.
#include "shm_bus/wakeup.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;

namespace {
BusConfig config() {
    BusConfig c;
    c.slots = 3;
    c.ring_bytes = 64 * 1024;
    c.max_record_bytes = 512;
    return c;
}

bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

struct Fds {
    std::vector<int> fds;
    ~Fds() { close_wakeup_fds(fds); }
};
}  // namespace

TEST_CASE("Wakeup: a writer writes the eventfd only of idle readers, once per sleep",
          "[shm_bus][wakeup]") {
    shoal::test::SegmentName name("wake");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    auto fds = create_wakeup_fds(3);
    REQUIRE(fds.ok());
    Fds guard{fds.value()};
    Wakeup w0(seg.value(), fds.value(), 0);
    Wakeup w1(seg.value(), fds.value(), 1);
    Wakeup w2(seg.value(), fds.value(), 2);

    REQUIRE(w0.notify_idle_readers() == 0);  // nobody sleeps: no syscall at all
    REQUIRE_FALSE(readable(w1.fd(), 0));

    w1.prepare_to_sleep();
    REQUIRE(seg->slot(1).idle.load() == 1);
    REQUIRE(w0.notify_idle_readers() == 1);
    REQUIRE(w2.notify_idle_readers() == 0);  // the first writer's CAS took the flag
    REQUIRE(readable(w1.fd(), 0));
    REQUIRE_FALSE(readable(w2.fd(), 0));
    w1.clear();
    REQUIRE_FALSE(readable(w1.fd(), 0));
    REQUIRE(seg->slot(1).idle.load() == 0);

    w2.prepare_to_sleep();
    w2.cancel_sleep();  // found work on its last poll
    REQUIRE(w0.notify_idle_readers() == 0);

    w0.prepare_to_sleep();
    REQUIRE(w0.notify_idle_readers() == 0);  // a writer never wakes its own slot
    Wakeup supervisor(seg.value(), fds.value(), kNoSlot);
    REQUIRE(supervisor.notify_idle_readers() == 1);
    REQUIRE(readable(w0.fd(), 0));
}

TEST_CASE("Wakeup: a sleeping reader process wakes for each record a writer publishes",
          "[shm_bus][wakeup]") {
    shoal::test::SegmentName name("wake-proc");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    auto fds = create_wakeup_fds(3);
    REQUIRE(fds.ok());
    Fds guard{fds.value()};
    constexpr int kRecords = 50;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) ::_exit(2);
        Wakeup wake(mine.value(), fds.value(), 1);
        RingReader reader(mine.value(), 0);
        reader.start_at(0);
        shoal::test::CollectSink sink;
        while (sink.records.size() < kRecords) {
            if (reader.poll(sink, 64) > 0) continue;
            wake.prepare_to_sleep();
            if (reader.has_data()) {
                wake.cancel_sleep();
                continue;
            }
            if (!readable(wake.fd(), 5000)) ::_exit(3);  // a lost wake-up
            wake.clear();
        }
        ::_exit(sink.lost_calls == 0 ? 0 : 4);
    }
    RingWriter writer(seg.value(), 0, 1);
    REQUIRE(writer.recover().ok());
    Wakeup wake(seg.value(), fds.value(), 0);
    for (int i = 0; i < kRecords; ++i) {
        REQUIRE(writer.try_write(1, shoal::test::bytes_of(20, static_cast<std::uint8_t>(i))));
        wake.notify_idle_readers();
        if (i % 5 == 0) ::usleep(2000);  // let the reader fall asleep now and then
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}
