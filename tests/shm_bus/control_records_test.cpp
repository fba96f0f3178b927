// SPDX-License-Identifier: MIT
// test-labels: unit shm_bus
#include "shm_bus/control_records.hpp"

#include <catch2/catch.hpp>

#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "tests/shm_bus/collect_sink.hpp"
#include "tests/support/test_segment.hpp"

using namespace shoal::bus;

TEST_CASE("control records: WorkerUp and WorkerDown travel the control ring and decode exactly",
          "[shm_bus][control]") {
    shoal::test::SegmentName name("control");
    BusConfig c;
    c.slots = 2;
    c.ring_bytes = 64 * 1024;
    c.max_record_bytes = 512;
    auto seg = Segment::create(name.str(), c);
    REQUIRE(seg.ok());
    RingWriter sup(seg.value(), c.control_ring(), 1);
    REQUIRE(sup.recover().ok());
    RingReader worker(seg.value(), c.control_ring());
    REQUIRE(sup.try_write(WorkerUp::kType, control_bytes(WorkerUp{1, 0, 42})));
    REQUIRE(sup.try_write(WorkerDown::kType, control_bytes(WorkerDown{0, 0, 41})));

    shoal::test::CollectSink sink;
    REQUIRE(worker.poll(sink, 10) == 2);
    REQUIRE(sink.records[0].type == kWorkerUpType);
    WorkerUp up{};
    REQUIRE(decode_control(sink.records[0].payload, up));
    REQUIRE(up.slot == 1);
    REQUIRE(up.epoch == 42);
    REQUIRE(sink.records[1].type == kWorkerDownType);
    WorkerDown down{};
    REQUIRE(decode_control(sink.records[1].payload, down));
    REQUIRE(down.slot == 0);
    REQUIRE(down.epoch == 41);
}

TEST_CASE("control records: a payload of the wrong size does not decode", "[shm_bus][control]") {
    WorkerUp up{7, 0, 9};
    std::vector<std::byte> shorter(15);
    REQUIRE_FALSE(decode_control(shorter, up));
    std::vector<std::byte> longer(17);
    REQUIRE_FALSE(decode_control(longer, up));
    REQUIRE(up.slot == 7);
}
