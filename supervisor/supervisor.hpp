// SPDX-License-Identifier: MIT
// The supervisor's loop: starts N workers, restarts them (backoff, breaker), kills stale ones,
// announces their lifecycle, drains on SIGTERM/SIGINT, rolls them one by one on SIGUSR2 and
// passes SIGHUP on to them (each re-reads its TLS certificate). It owns
// the host view (host_view/), which reads every ring from before the first worker starts until
// after the last worker_down.
// Signals arrive only through uv_signal_t (STYLE 4), child exits only through exit_cb.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "common/config.hpp"
#include "supervisor/apps_snapshot.hpp"
#include "supervisor/bus_control.hpp"
#include "supervisor/health_monitor.hpp"
#include "supervisor/host_view/change_log.hpp"
#include "supervisor/host_view/host_view.hpp"
#include "supervisor/worker_slot.hpp"

namespace shoal::sup {

struct SupervisorSetup {
    std::string exe_path;
    int listen_fd = -1;
    std::vector<int> extra_fds;  // passed to every worker after the listen fd
    int plain_listen_fd = -1;    // --plain-port beside a TLS port
};

class Supervisor {
  public:
    Supervisor(uv_loop_t* loop, const common::Config& config, BusControl& bus,
               SupervisorSetup setup);
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Starts every slot and the handles; returns once the loop may run.
    void start();
    // True once a shutdown has finished: every worker exited and every handle is closing.
    bool finished() const noexcept { return finished_; }
    // Always there; consumers (the cluster bridge, metrics, webhooks) attach before start().
    host_view::HostView& host_view() noexcept { return view_; }
    // The apps file, when the server has one: SIGHUP reloads it (before start()).
    void set_apps(AppsSnapshot* apps) noexcept { apps_ = apps; }

  private:
    static void on_tick(uv_timer_t* timer);
    static void on_signal(uv_signal_t* handle, int signum);
    static void on_exit(uv_process_t* process, std::int64_t exit_status, int term_signal);
    static void on_process_closed(uv_handle_t* handle);

    void tick();
    void tick_slot(WorkerSlot& slot, std::uint64_t now_ms, std::uint64_t now_ns);
    void start_worker(WorkerSlot& slot);
    void stop_worker(WorkerSlot& slot, StopReason reason, int signum);
    void handle_exit(WorkerSlot& slot, std::int64_t exit_status, int term_signal);
    void after_failure(WorkerSlot& slot, std::uint64_t uptime_ms, bool fatal);
    void begin_shutdown(int signum);
    void begin_rolling_restart();
    void reload_apps();
    void forward_to_workers(int signum);
    void advance_rolling();
    void roll_next();
    void finish_if_done();
    void publish(const WorkerSlot& slot);

    uv_loop_t* loop_;
    common::Config config_;
    BusControl& bus_;
    SupervisorSetup setup_;
    HealthKnobs health_;
    std::vector<std::string> worker_args_;
    std::vector<std::unique_ptr<WorkerSlot>> slots_;
    host_view::HostView view_;
    host_view::ChangeLog change_log_;  // host-wide changes at debug level

    uv_timer_t tick_{};
    uv_signal_t sigterm_{};
    uv_signal_t sigint_{};
    uv_signal_t sighup_{};   // reload: the apps file, without restarting anything
    uv_signal_t sigusr2_{};  // rolling restart
    AppsSnapshot* apps_ = nullptr;

    bool shutting_down_ = false;
    bool finished_ = false;
    int rolling_slot_ = -1;  // the slot being rolled, -1 when no rolling restart runs
};

}  // namespace shoal::sup
