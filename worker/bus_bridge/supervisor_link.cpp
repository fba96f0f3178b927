// SPDX-License-Identifier: MIT
// The worker end of the watchdog: parent-death checks and the heartbeat timer.
#include "worker/bus_bridge/supervisor_link.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "shm_bus/bus_config.hpp"
#include "worker/bus_bridge/fault_switch.hpp"

namespace shoal::worker {
namespace {

std::uint64_t env_u64(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? 0 : std::strtoull(v, nullptr, 10);
}

std::vector<int> parse_fds(const char* text) {
    std::vector<int> fds;
    if (text == nullptr) return fds;
    char* end = nullptr;
    for (const char* p = text; *p != '\0'; p = *end == ',' ? end + 1 : end) {
        long v = std::strtol(p, &end, 10);
        if (end == p || v < 0) return {};
        fds.push_back(static_cast<int>(v));
    }
    return fds;
}

common::Error link_error(std::string what) {
    return common::Error{common::Errc::Config, 0, std::move(what)};
}

}  // namespace

common::Result<std::unique_ptr<SupervisorLink>> SupervisorLink::start(uv_loop_t* loop,
                                                                      const common::Config& config,
                                                                      int slot) {
    std::unique_ptr<SupervisorLink> link(new SupervisorLink());
    if (slot < 0) return link;
    apply_start_fault(slot);

    link->supervisor_pid_ = static_cast<int>(env_u64("SHOAL_SUPERVISOR_PID"));
    if (link->supervisor_pid_ <= 0)
        return link_error("SHOAL_SUPERVISOR_PID is not set: slot workers are started by serve");
    // SIGKILL: with its supervisor gone nobody restarts or drains this worker, and the next
    // `shoal serve` needs the port and the bus name free within moments.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return common::sys_error("prctl() failed");
    // The supervisor may have died before prctl took effect: then we were re-parented already.
    if (::getppid() != link->supervisor_pid_)
        return link_error("supervisor pid " + std::to_string(link->supervisor_pid_) + " is gone");

    auto seg = bus::Segment::attach(config.effective_bus_name(), bus::bus_config_for(config));
    if (!seg) return std::move(seg).with_context("worker attach").error();
    link->segment_.emplace(std::move(seg.value()));
    if (static_cast<std::uint32_t>(slot) >= link->segment_->config().slots)
        return link_error("--slot " + std::to_string(slot) + " is beyond the bus's slots");
    link->record_ = &link->segment_->slot(static_cast<std::uint32_t>(slot));
    link->wakeup_fds_ = parse_fds(std::getenv("SHOAL_WAKEUP_FDS"));
    if (link->wakeup_fds_.size() != link->segment_->config().slots)
        return link_error("SHOAL_WAKEUP_FDS does not list one eventfd per slot");
    link->epoch_ = env_u64("SHOAL_WORKER_EPOCH");
    std::uint64_t published = link->record_->epoch.load(std::memory_order_relaxed);
    if (link->epoch_ != published)
        return link_error("epoch " + std::to_string(link->epoch_) + " is not the slot's current " +
                          std::to_string(published));

    uv_timer_init(loop, &link->timer_);
    link->timer_.data = link.get();
    link->timer_open_ = true;
    uv_unref(reinterpret_cast<uv_handle_t*>(&link->timer_));  // the server decides when we end
    std::uint64_t every = config.policy.heartbeat_interval_ms;
    // The first beat comes from inside the loop, so "up" means the loop runs (and accepts).
    uv_timer_start(&link->timer_, on_beat, 0, every == 0 ? 100 : every);
    return link;
}

SupervisorLink::~SupervisorLink() {
    if (!timer_open_) return;
    uv_loop_t* loop = timer_.loop;
    close();
    uv_run(loop, UV_RUN_NOWAIT);  // lets the close callback run before this memory goes
}

void SupervisorLink::count_connections_with(CountFn fn, const void* ctx) noexcept {
    count_fn_ = fn;
    count_ctx_ = ctx;
}

void SupervisorLink::publish_connections() noexcept {
    // Relaxed: an observation for the other workers' accept pacing and `shoal status`.
    if (record_ != nullptr && count_fn_ != nullptr)
        record_->connections.store(count_fn_(count_ctx_), std::memory_order_relaxed);
}

void SupervisorLink::close() noexcept {
    if (!timer_open_) return;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_),
             [](uv_handle_t* h) { static_cast<SupervisorLink*>(h->data)->timer_open_ = false; });
}

void SupervisorLink::on_beat(uv_timer_t* timer) {
    static_cast<SupervisorLink*>(timer->data)->beat();
}

void SupervisorLink::beat() noexcept {
    if (record_ == nullptr) return;
    if (::getppid() != supervisor_pid_) {
        SHOAL_ERROR("supervisor pid %d is gone; exiting", supervisor_pid_);
        std::_Exit(1);
    }
    // Relaxed (C9): the supervisor only compares times; nothing else is published through it.
    record_->heartbeat_ns.store(common::monotonic_ns(), std::memory_order_relaxed);
    if (count_fn_ != nullptr)
        record_->connections.store(count_fn_(count_ctx_), std::memory_order_relaxed);
}

}  // namespace shoal::worker
