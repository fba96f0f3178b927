// SPDX-License-Identifier: MIT
// Shared pieces of the concurrency tests (processes and threads): result blocks in anonymous
// shared memory, a sink that checks every record and the exactness of every loss report, and the
// test writer's flow control (the bus never waits for readers; this harness does, on purpose).
#pragma once

#include <sched.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <span>

#include "common/clock.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/segment.hpp"
#include "tests/shm_bus/ring_test_payload.hpp"

namespace shoal::test {

inline constexpr std::int32_t kDoneType = 5000;

struct ReaderResult {
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> bad{0};  // torn, corrupted, or out of order
    std::atomic<std::uint64_t> lost_records{0};
    std::atomic<std::uint64_t> lost_bytes{0};
    std::atomic<std::uint64_t> lost_calls{0};
    std::atomic<std::uint64_t> last_seq{0};
    std::atomic<std::uint64_t> generations{0};  // distinct seq >> 32 values seen (writer restarts)
    std::atomic<std::uint32_t> done{0};
};

// N objects of T in MAP_SHARED anonymous memory, created before fork, seen by every child.
template <class T>
class SharedBlock {
  public:
    explicit SharedBlock(std::size_t n) : n_(n) {
        void* p = ::mmap(nullptr, sizeof(T) * n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        items_ = static_cast<T*>(p);
        for (std::size_t i = 0; i < n; ++i)
            new (items_ + i) T();
    }
    ~SharedBlock() { ::munmap(items_, sizeof(T) * n_); }
    SharedBlock(const SharedBlock&) = delete;
    SharedBlock& operator=(const SharedBlock&) = delete;
    T& operator[](std::size_t i) { return items_[i]; }

  private:
    T* items_;
    std::size_t n_;
};

// Checks each record against its own checksum, and that sequence numbers are exactly consecutive
// once every on_lost(records, ...) is added in; `monotonic_only` accepts any increase instead
// (writer restarts, where a killed writer's unpublished records are never counted).
struct CheckingSink {
    ReaderResult* out;
    std::size_t max_len;
    bool monotonic_only = false;
    bool started = false;
    std::uint64_t expected = 0;
    std::uint64_t generation = ~0ull;

    void on_lost(std::uint64_t records, std::uint64_t bytes) noexcept {
        expected += records;
        out->lost_records.fetch_add(records, std::memory_order_relaxed);
        out->lost_bytes.fetch_add(bytes, std::memory_order_relaxed);
        out->lost_calls.fetch_add(1, std::memory_order_relaxed);
    }
    void on_record(std::int32_t type, std::span<const std::byte> payload) noexcept {
        if (type == kDoneType) {
            out->done.store(1, std::memory_order_release);
            return;
        }
        const std::uint64_t seq = check_payload(type, payload, max_len);
        const bool in_order = monotonic_only ? (!started || seq > expected - 1) : seq == expected;
        if (seq == ~0ull || !in_order) {
            out->bad.fetch_add(1, std::memory_order_relaxed);
        } else if ((seq >> 32) != generation) {
            generation = seq >> 32;
            out->generations.fetch_add(1, std::memory_order_relaxed);
        }
        if (seq != ~0ull) expected = seq + 1;
        started = true;
        out->last_seq.store(seq, std::memory_order_relaxed);
        out->received.fetch_add(1, std::memory_order_relaxed);
    }
};

// Test-harness flow control: wait while the slowest watched reader is more than half a ring
// behind. `positions` are the readers' published cursors.
inline void wait_for_readers(const bus::Segment& seg, std::uint64_t tail, std::uint32_t ring,
                             std::span<const std::uint32_t> reader_slots) {
    const std::uint64_t limit = seg.config().ring_bytes / 2;
    for (;;) {
        std::uint64_t slowest = tail;
        for (std::uint32_t s : reader_slots) {
            const std::uint64_t p = seg.slot(s).read_position[ring].load(std::memory_order_relaxed);
            if (p < slowest) slowest = p;
        }
        if (tail - slowest <= limit) return;
        ::sched_yield();
    }
}

inline void write_checked(bus::RingWriter& w, std::uint64_t seq, std::size_t max_len,
                          bus::Publish when = bus::Publish::Now) {
    const std::size_t len = test_length(seq, max_len);
    auto span = w.claim(test_type(seq), len);
    fill_payload(seq, span.value());
    w.commit(when);
}

}  // namespace shoal::test
