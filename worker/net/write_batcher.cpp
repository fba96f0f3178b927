// SPDX-License-Identifier: MIT
// The dirty list and its once-per-iteration flush.
#include "worker/net/write_batcher.hpp"

#include "worker/net/connection.hpp"

namespace shoal::net {

WriteBatcher::WriteBatcher(uv_loop_t* loop) {
    uv_check_init(loop, &check_);
    uv_idle_init(loop, &idle_);
    check_.data = this;
    idle_.data = this;
    uv_check_start(&check_, on_check);
    uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
}

void WriteBatcher::mark_dirty(Connection& c) noexcept {
    if (c.dirty_) return;
    c.dirty_ = true;
    dirty_.push_back(&c);
    if (!idle_active_) {
        idle_active_ = true;
        uv_idle_start(&idle_, on_idle);
    }
}

void WriteBatcher::bury(Connection& c) {
    buried_.push_back(&c);
    if (!idle_active_) {
        idle_active_ = true;  // the loop comes round to this flush even with nothing else to do
        uv_idle_start(&idle_, on_idle);
    }
}

void WriteBatcher::flush() noexcept {
    ++depth_;
    if (!dirty_.empty() && before_) before_(before_ctx_);
    // Flushing may mark connections dirty again: they go to dirty_ and the next round. The
    // batch borrows the spare vector's capacity, so a steady loop allocates nothing (a nested
    // flush finds the spare taken and uses a fresh vector).
    std::vector<Connection*> batch = std::move(spare_);
    while (!dirty_.empty()) {
        batch.swap(dirty_);
        for (Connection* c : batch) {
            c->dirty_ = false;
            c->flush();
        }
        batch.clear();
    }
    spare_ = std::move(batch);
    if (idle_active_) {
        idle_active_ = false;
        uv_idle_stop(&idle_);
    }
    // Only the outermost flush frees: an outer batch may still name a buried connection.
    // Freeing may finish the server's shutdown, which closes these handles: nothing after it.
    if (--depth_ > 0) return;
    while (!buried_.empty()) {
        Connection* c = buried_.back();
        buried_.pop_back();
        Connection::free(c);
    }
}

void WriteBatcher::close() noexcept {
    uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
}

void WriteBatcher::on_check(uv_check_t* h) {
    static_cast<WriteBatcher*>(h->data)->flush();
}

// Only keeps the poll phase from blocking; the check callback does the work.
void WriteBatcher::on_idle(uv_idle_t*) {}

}  // namespace shoal::net
