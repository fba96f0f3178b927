// SPDX-License-Identifier: MIT
// test-labels: integration shm_bus fault
// test-timeout: 120
// The history's writer in another process, overwriting its small ring as fast as it can while
// this process reads, then killed with SIGKILL at a random moment: no answer is ever torn (each
// event's data names its own offset, offsets are consecutive), and after the kill every event up
// to the last one published is still served (H2, H3).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "shm_bus/history_segment.hpp"
#include "tests/shm_bus/child_processes.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;
using namespace shoal::test;

namespace {

HistoryConfig config() {
    HistoryConfig c;
    c.data_bytes = 64 * 1024;
    c.index_entries = 64;
    c.max_event_bytes = 4096;
    return c;
}

// Checks one answer; returns the newest offset it held (0 if none).
std::uint64_t check_answer(const Recovery& rec) {
    for (std::size_t i = 0; i < rec.events.size(); ++i) {
        const auto& e = rec.events[i];
        REQUIRE(e.data.starts_with(std::to_string(e.offset) + ":"));
        REQUIRE(e.data.size() == 8 + (e.offset % 1000));
        if (i > 0) REQUIRE(e.offset == rec.events[i - 1].offset + 1);
    }
    return rec.events.empty() ? 0 : rec.events.back().offset;
}

}  // namespace

TEST_CASE("History: readers never see a torn event while the writer is killed mid-stream",
          "[shm_bus][history][fault]") {
    std::mt19937 rng(12345);
    for (int run = 0; run < 8; ++run) {
        SegmentName name("hcrash" + std::to_string(run));
        auto seg = HistorySegment::create(name.str(), config(), 1000 + run);
        REQUIRE(seg.ok());
        ChildProcesses children;
        HistoryWriter& w = seg.value().writer();
        const pid_t writer = children.spawn([&w] {
            for (std::uint64_t i = 1;; ++i) {
                std::string data = std::to_string(i) + ":";
                data.resize(8 + (i % 1000), 'p');
                if (w.append("t", "e", data, i) != i) return 1;
                if (i % 2 == 0 && w.append("u", "e", "other topic", i) == 0) return 1;
            }
        });
        REQUIRE(writer > 0);
        auto attached = HistorySegment::attach_readonly(name.str());
        REQUIRE(attached.ok());
        const HistoryReader& r = attached.value().reader();
        Recovery rec;
        // Read until the writer has overwritten its ring a few times, then kill it.
        const int reads_before_kill = 50 + static_cast<int>(rng() % 400);
        std::uint64_t newest = 0;
        for (int i = 0; i < reads_before_kill || r.events_appended() < 2000; ++i) {
            r.read_since("t", newest > 50 ? newest - 50 : 0, 1000, 0, rec);
            newest = std::max(newest, check_answer(rec));
        }
        CHECK(children.kill_and_wait(writer, SIGKILL) == 128 + SIGKILL);
        r.read_since("t", 0, 100000, 0, rec);
        const std::uint64_t last = check_answer(rec);
        CHECK(last >= newest);
        CHECK_FALSE(rec.complete);  // the ring has been overwritten: the start is gone
        r.read_since("t", last - 1, 10, 0, rec);
        CHECK(rec.complete);
        CHECK(check_answer(rec) == last);
    }
}
