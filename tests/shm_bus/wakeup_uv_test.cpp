// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
// test-links: shoal_bus shoal_dep_uv
// How a worker uses wake-ups: its libuv loop watches Wakeup::fd() with uv_poll; shm_bus itself
// never includes uv.h. A writer in another process wakes the loop for every burst.
#include <catch2/catch.hpp>
#include <uv.h>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/wakeup.hpp"
#include "tests/shm_bus/child_processes.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;

namespace {
BusConfig config() {
    BusConfig c;
    c.slots = 2;
    c.ring_bytes = 64 * 1024;
    c.max_record_bytes = 512;
    return c;
}

constexpr int kBursts = 20;

struct LoopState {
    Wakeup* wake;
    RingReader* reader;
    shoal::test::CollectSink sink;
    int wakeups = 0;
    uv_poll_t poll;
    uv_timer_t deadline;
};

// Drain, then declare idle and look once more before handing control back to the loop (C8).
void drain_and_sleep(LoopState& s) {
    for (;;) {
        while (s.reader->poll(s.sink, 256) > 0) {
        }
        s.wake->prepare_to_sleep();
        if (!s.reader->has_data()) break;
        s.wake->cancel_sleep();
    }
    if (s.sink.records.size() == kBursts * 3) {
        uv_poll_stop(&s.poll);
        uv_timer_stop(&s.deadline);
    }
}
}  // namespace

TEST_CASE("Wakeup: a libuv loop polling the eventfd wakes for records from a writer process",
          "[shm_bus][wakeup]") {
    shoal::test::SegmentName name("wake-uv");
    auto seg = Segment::create(name.str(), config());
    REQUIRE(seg.ok());
    auto fds = create_wakeup_fds(2);
    REQUIRE(fds.ok());
    Wakeup wake(seg.value(), fds.value(), 1);
    RingReader reader(seg.value(), 0);
    LoopState state{&wake, &reader, {}, 0, {}, {}};
    state.poll.data = &state;
    state.deadline.data = &state;

    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    REQUIRE(uv_poll_init(&loop, &state.poll, wake.fd()) == 0);
    REQUIRE(uv_timer_init(&loop, &state.deadline) == 0);
    uv_poll_start(&state.poll, UV_READABLE, [](uv_poll_t* p, int, int) {
        auto& s = *static_cast<LoopState*>(p->data);
        s.wake->clear();
        ++s.wakeups;
        drain_and_sleep(s);
    });
    uv_timer_start(
        &state.deadline,
        [](uv_timer_t* t) { uv_poll_stop(&static_cast<LoopState*>(t->data)->poll); }, 10000, 0);
    drain_and_sleep(state);

    shoal::test::ChildProcesses children;
    const pid_t writer = children.spawn([&] {
        auto mine = Segment::attach(name.str(), config());
        if (!mine.ok()) return 2;
        RingWriter w(mine.value(), 0, 1);
        if (!w.recover().ok()) return 3;
        Wakeup notify(mine.value(), fds.value(), 0);
        for (int burst = 0; burst < kBursts; ++burst) {
            for (int i = 0; i < 3; ++i)
                w.try_write(burst, shoal::test::bytes_of(40, 1), Publish::Later);
            w.publish();
            notify.notify_idle_readers();
            ::usleep(2000);
        }
        return 0;
    });
    uv_run(&loop, UV_RUN_DEFAULT);
    REQUIRE(children.wait(writer, 10000) == 0);
    uv_close(reinterpret_cast<uv_handle_t*>(&state.poll), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&state.deadline), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    REQUIRE(uv_loop_close(&loop) == 0);
    close_wakeup_fds(fds.value());

    REQUIRE(state.sink.records.size() == kBursts * 3);
    REQUIRE(state.sink.records.back().type == kBursts - 1);
    REQUIRE(state.wakeups >= 1);
    REQUIRE(state.wakeups <= kBursts);  // at most one eventfd write per sleep
}
