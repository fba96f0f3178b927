// SPDX-License-Identifier: MIT
// WriteBatcher: the loop's dirty list. A connection with something to write (or to finish) marks
// itself dirty; once per loop iteration, in uv_check, each dirty connection is flushed with one
// writev. A uv_idle handle runs while the list is not empty so a frame queued from a timer does
// not wait for the next I/O event. Destroyed connections are freed after the flush.
#pragma once

#include <vector>

#include <uv.h>

namespace shoal::net {

class Connection;

class WriteBatcher {
  public:
    explicit WriteBatcher(uv_loop_t* loop);
    void mark_dirty(Connection& c) noexcept;
    // A destroyed connection, freed at the end of this iteration's flush: until then a caller up
    // the stack, the dirty list or a batch of socket events may still hold it.
    void bury(Connection& c);
    // Flushes every dirty connection, including those dirtied while flushing.
    void flush() noexcept;
    // Runs first in every flush that has something to write (the bus publishes what this
    // iteration committed, so no answer leaves before the records it caused are visible).
    using BeforeWrites = void (*)(void* ctx) noexcept;
    void before_writes(BeforeWrites fn, void* ctx) noexcept {
        before_ = fn;
        before_ctx_ = ctx;
    }
    void close() noexcept;

  private:
    static void on_check(uv_check_t* h);
    static void on_idle(uv_idle_t* h);

    uv_check_t check_;
    uv_idle_t idle_;
    // Dirty connections in marking order (a vector, not a link in each Connection: 8 bytes of
    // every idle connection, docs/benchmarks.md).
    std::vector<Connection*> dirty_;
    std::vector<Connection*> spare_;
    std::vector<Connection*> buried_;
    BeforeWrites before_ = nullptr;
    void* before_ctx_ = nullptr;
    bool idle_active_ = false;
    int depth_ = 0;  // nested flushes
};

}  // namespace shoal::net
