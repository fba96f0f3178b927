// SPDX-License-Identifier: MIT
// test-support: alloc_counter
#include "worker/net/send_queue.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/alloc_counter.hpp"

using namespace shoal::net;

TEST_CASE("SendQueue: holds at most kCapacity frames, then refuses", "[worker][net]") {
    SendQueue q(1 << 30);
    const FrameRef f = SharedFrame::make_text("x");
    for (std::size_t i = 0; i < SendQueue::kCapacity; ++i)
        REQUIRE(q.try_push(f));
    REQUIRE_FALSE(q.try_push(f));
    REQUIRE(f.use_count() == SendQueue::kCapacity + 1);  // shared, never copied
    q.push_final(SharedFrame::make_close(1013, ""));
    REQUIRE(q.size() == SendQueue::kCapacity + 1);
}

TEST_CASE("SendQueue: the byte high-water mark refuses all but a first large frame",
          "[worker][net]") {
    SendQueue q(100);
    REQUIRE(q.try_push(SharedFrame::make_text(std::string(500, 'a'))));  // empty queue: fits
    REQUIRE_FALSE(q.try_push(SharedFrame::make_text("b")));
    q.consume(q.queued_bytes());
    REQUIRE(q.empty());
    REQUIRE(q.try_push(SharedFrame::make_text(std::string(50, 'a'))));
    REQUIRE(q.try_push(SharedFrame::make_text(std::string(40, 'a'))));
    REQUIRE_FALSE(q.try_push(SharedFrame::make_text(std::string(10, 'a'))));
}

TEST_CASE("SendQueue: partial writes advance the head, whole ones pop frames", "[worker][net]") {
    SendQueue q(1 << 20);
    const FrameRef a = SharedFrame::make_text("hello");   // 7 bytes on the wire
    const FrameRef b = SharedFrame::make_text("world!");  // 8 bytes
    REQUIRE(q.try_push(a));
    REQUIRE(q.try_push(b));
    REQUIRE(q.queued_bytes() == 15);
    q.consume(3);
    REQUIRE(q.pending(0) == a->wire().substr(3));
    REQUIRE(q.head_offset() == 3);
    q.consume(6);
    REQUIRE(q.size() == 1);
    REQUIRE(q.pending(0) == b->wire().substr(2));
    REQUIRE(a.use_count() == 1);  // the queue let go of it
    q.consume(6);
    REQUIRE(q.empty());
    REQUIRE(q.queued_bytes() == 0);
}

TEST_CASE("SendQueue: drop_tail keeps the frames in flight and releases the rest",
          "[worker][net]") {
    SendQueue q(1 << 20);
    const FrameRef f = SharedFrame::make_text("abc");
    for (int i = 0; i < 10; ++i)
        REQUIRE(q.try_push(f));
    q.consume(2);
    q.drop_tail(1);
    REQUIRE(q.size() == 1);
    REQUIRE(q.queued_bytes() == f->wire().size() - 2);
    REQUIRE(f.use_count() == 2);
    q.drop_tail(0);
    REQUIRE(q.empty());
    REQUIRE(q.queued_bytes() == 0);
    REQUIRE(q.head_offset() == 0);
}

TEST_CASE("SendQueue: queueing a shared frame and writing it out allocates nothing",
          "[worker][net][alloc]") {
    SendQueue q(1 << 20);
    const FrameRef f = SharedFrame::make_text(std::string(1000, 'm'));
    // The first backlog borrows the thread's one spill ring; every later one reuses it.
    for (int i = 0; i < 50; ++i)
        REQUIRE(q.try_push(f));
    q.consume(q.queued_bytes());
    shoal::test::AllocationScope scope;
    for (int round = 0; round < 1000; ++round) {
        for (int i = 0; i < 50; ++i)
            REQUIRE(q.try_push(f));
        q.consume(7);
        q.consume(q.queued_bytes());
    }
    REQUIRE(scope.count() == 0);
    REQUIRE(f.use_count() == 1);
}

TEST_CASE("SendQueue: a backlog spills into a pooled ring that goes back once drained",
          "[worker][net]") {
    SendQueue q(1 << 20);
    const FrameRef a = SharedFrame::make_text("a");
    const FrameRef b = SharedFrame::make_text("bb");
    for (std::size_t i = 0; i < SendQueue::kInline; ++i)
        REQUIRE(q.try_push(a));
    REQUIRE_FALSE(q.spilled());  // an idle connection's frames fit inline
    q.consume(1);                // the head is partly written when the backlog grows
    const std::size_t pooled = SendQueue::pooled_rings();
    REQUIRE(q.try_push(b));
    REQUIRE(q.spilled());
    // Order and the partial head survive the move into the ring.
    REQUIRE(q.pending(0) == a->wire().substr(1));
    REQUIRE(q.pending(1) == a->wire());
    REQUIRE(q.pending(2) == b->wire());
    q.consume(q.queued_bytes());
    REQUIRE(q.empty());
    REQUIRE_FALSE(q.spilled());
    REQUIRE(SendQueue::pooled_rings() == (pooled == 0 ? 1 : pooled));
    REQUIRE(a.use_count() == 1);
    REQUIRE(b.use_count() == 1);
}

TEST_CASE(
    "SendQueue: the close frame fits past the capacity and a queue dropped while spilled "
    "releases every frame",
    "[worker][net]") {
    const FrameRef f = SharedFrame::make_text("x");
    {
        SendQueue q(1 << 20);
        for (std::size_t i = 0; i < SendQueue::kCapacity; ++i)
            REQUIRE(q.try_push(f));
        q.consume(3);  // wraps the ring's head past its start
        REQUIRE(q.try_push(f));
        q.push_final(SharedFrame::make_close(1013, ""));
        REQUIRE(q.size() == SendQueue::kCapacity + 1);
        REQUIRE(f.use_count() == SendQueue::kCapacity + 1);
    }
    REQUIRE(f.use_count() == 1);
}

TEST_CASE("SendQueue: trimming frees the rings no backlog needed since the last trim",
          "[worker][net]") {
    {
        SendQueue q1(1 << 20), q2(1 << 20);
        const FrameRef f = SharedFrame::make_text("x");
        for (int i = 0; i < 3; ++i) {
            REQUIRE(q1.try_push(f));
            REQUIRE(q2.try_push(f));
        }
        q1.consume(q1.queued_bytes());
        q2.consume(q2.queued_bytes());
    }
    REQUIRE(SendQueue::pooled_rings() >= 2);
    SendQueue::trim_pool();  // starts a period: nothing was measured unused yet
    SendQueue::trim_pool();  // every pooled ring stayed unused for a whole period
    REQUIRE(SendQueue::pooled_rings() == 0);
}
