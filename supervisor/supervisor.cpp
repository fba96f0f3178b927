// SPDX-License-Identifier: MIT
// Every decision happens on the loop: the tick judges heartbeats, due restarts and breaker
// cooldowns; exit_cb classifies each exit. Nothing here blocks, so a stuck worker never stalls the
// supervisor, and the listen socket it holds keeps queueing connections whatever the workers do.
#include "supervisor/supervisor.hpp"

#include <signal.h>
#include <string.h>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/log_event.hpp"
#include "supervisor/cli_options.hpp"
#include "supervisor/worker_spawner.hpp"

namespace shoal::sup {
namespace {

constexpr int kExitConfig = 78;               // EX_CONFIG: restarting cannot help
constexpr std::uint64_t kTickMs = 20;         // granularity of restarts, staleness and deadlines
constexpr std::uint64_t kKillMarginMs = 500;  // past the worker's own drain deadline

std::uint64_t now_ms() noexcept {
    return common::monotonic_ns() / 1'000'000;
}

bus::BreakerState to_bus(BreakerState s) {
    switch (s) {
        case BreakerState::Closed:
            return bus::BreakerState::Closed;
        case BreakerState::Open:
            return bus::BreakerState::Open;
        case BreakerState::HalfOpen:
            return bus::BreakerState::HalfOpen;
    }
    return bus::BreakerState::Closed;
}

// Events about a slot carry that slot in the log line's own slot field (JSON "slot": N), so logs
// filter by slot whichever process wrote them. The loop is single-threaded: a scope is enough.
class SlotLogScope {
  public:
    explicit SlotLogScope(std::uint32_t slot) : saved_(common::log_config()) {
        common::LogConfig c = saved_;
        c.slot = static_cast<int>(slot);
        common::log_configure(c);
    }
    ~SlotLogScope() { common::log_configure(saved_); }
    SlotLogScope(const SlotLogScope&) = delete;
    SlotLogScope& operator=(const SlotLogScope&) = delete;

  private:
    common::LogConfig saved_;
};

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, const common::Config& config, BusControl& bus,
                       SupervisorSetup setup)
    : loop_(loop), config_(config), bus_(bus), setup_(std::move(setup)), view_(bus) {
    const auto& p = config_.policy;
    health_ = HealthKnobs{p.heartbeat_timeout_ms, p.healthy_after_ms};
    worker_args_ = to_args(config_);
    BackoffKnobs backoff{p.backoff_initial_ms, p.backoff_max_ms, p.healthy_after_ms};
    BreakerKnobs breaker{p.breaker_failures, p.breaker_window_ms, p.breaker_cooldown_ms};
    std::uint64_t seed = common::monotonic_ns() ^ (static_cast<std::uint64_t>(::getpid()) << 32);
    for (std::uint32_t i = 0; i < config_.effective_workers(); ++i) {
        slots_.push_back(std::make_unique<WorkerSlot>(i, backoff, breaker, seed + i));
        slots_.back()->epoch = bus_.epoch(i);
    }
}

void Supervisor::start() {
    bus_.segment().host().started_ns.store(common::monotonic_ns(), std::memory_order_relaxed);
    uv_timer_init(loop_, &tick_);
    tick_.data = this;
    uv_timer_start(&tick_, on_tick, kTickMs, kTickMs);
    for (uv_signal_t* s : {&sigterm_, &sigint_, &sighup_, &sigusr2_}) {
        uv_signal_init(loop_, s);
        s->data = this;
    }
    uv_signal_start(&sigterm_, on_signal, SIGTERM);
    uv_signal_start(&sigint_, on_signal, SIGINT);
    uv_signal_start(&sighup_, on_signal, SIGHUP);
    uv_signal_start(&sigusr2_, on_signal, SIGUSR2);
    if (common::log_enabled(common::LogLevel::Debug)) view_.observe(change_log_);
    view_.start(loop_);  // before the first worker: its rings are read from their first record
    for (auto& s : slots_)
        start_worker(*s);
}

void Supervisor::on_tick(uv_timer_t* timer) {
    static_cast<Supervisor*>(timer->data)->tick();
}

void Supervisor::on_signal(uv_signal_t* handle, int signum) {
    auto* self = static_cast<Supervisor*>(handle->data);
    if (signum == SIGUSR2) {
        self->begin_rolling_restart();
    } else if (signum == SIGHUP) {
        // A reload: the apps file here, the TLS certificate in each worker; nothing restarts.
        self->reload_apps();
        self->forward_to_workers(SIGHUP);
    } else {
        self->begin_shutdown(signum);
    }
}

void Supervisor::on_exit(uv_process_t* process, std::int64_t exit_status, int term_signal) {
    auto* slot = static_cast<WorkerSlot*>(process->data);
    auto* self = static_cast<Supervisor*>(process->loop->data);
    self->handle_exit(*slot, exit_status, term_signal);
}

// A slot may start again only once its handle is closed; a drain may end only then, too.
void Supervisor::on_process_closed(uv_handle_t* handle) {
    static_cast<WorkerSlot*>(handle->data)->handle_open = false;
    static_cast<Supervisor*>(handle->loop->data)->finish_if_done();
}

void Supervisor::publish(const WorkerSlot& s) {
    SlotPublish p;
    p.pid = s.phase == SlotPhase::Running || s.phase == SlotPhase::Stopping ? s.pid : 0;
    switch (s.phase) {
        case SlotPhase::Idle:
            p.state = bus::SlotState::Empty;
            break;
        case SlotPhase::Running:
            p.state = s.announced_up ? bus::SlotState::Running : bus::SlotState::Starting;
            break;
        case SlotPhase::Stopping:
            p.state = bus::SlotState::Stopping;
            break;
        default:
            p.state = bus::SlotState::Down;
            break;
    }
    p.epoch = s.epoch;
    p.started_ns = s.started_ns;
    p.restarts = s.restarts;
    p.breaker = to_bus(s.breaker.state());
    bus_.publish(s.index, p);
}

void Supervisor::start_worker(WorkerSlot& s) {
    SlotLogScope log_scope(s.index);
    if (s.phase != SlotPhase::Idle) ++s.restarts;
    ++s.epoch;
    s.started_ns = common::monotonic_ns();
    s.announced_up = false;
    s.reported_healthy = false;
    s.stop_reason = StopReason::None;
    s.phase = SlotPhase::Running;
    s.pid = 0;
    publish(s);  // epoch and started_ns first: a heartbeat older than started_ns is ignored

    SpawnRequest req;
    req.exe_path = setup_.exe_path;
    req.slot = static_cast<int>(s.index);
    req.epoch = s.epoch;
    req.listen_fd = setup_.listen_fd;
    req.extra_fds = setup_.extra_fds;
    req.plain_listen_fd = setup_.plain_listen_fd;
    req.config_args = worker_args_;
    s.process.data = &s;
    auto pid = spawn_worker(loop_, &s.process, req, on_exit);
    s.handle_open = true;
    if (!pid) {
        SHOAL_ERROR("worker start failed: slot=%u epoch=%lu: %s", s.index,
                    static_cast<unsigned long>(s.epoch), pid.error().message().c_str());
        uv_close(reinterpret_cast<uv_handle_t*>(&s.process), on_process_closed);
        after_failure(s, 0, false);
        return;
    }
    s.pid = pid.value();
    common::log_event(common::LogLevel::Info, "worker_start",
                      {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                       common::field("restarts", s.restarts),
                       common::field("breaker", breaker_state_name(s.breaker.state()))},
                      "worker started: slot=%u pid=%d epoch=%lu restarts=%u breaker=%s", s.index,
                      s.pid, static_cast<unsigned long>(s.epoch), s.restarts,
                      breaker_state_name(s.breaker.state()));
    publish(s);
}

void Supervisor::stop_worker(WorkerSlot& s, StopReason reason, int signum) {
    SlotLogScope log_scope(s.index);
    if (s.phase != SlotPhase::Running && s.phase != SlotPhase::Stopping) return;
    if (s.phase == SlotPhase::Running) {
        s.stop_reason = reason;
        // The worker enforces the same deadline on its clients; the margin lets it finish first.
        s.kill_at_ms = now_ms() + config_.policy.shutdown_deadline_ms + kKillMarginMs;
        s.phase = SlotPhase::Stopping;
    }
    common::log_event(common::LogLevel::Info, "worker_stop",
                      {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                       common::field("signal", signum == SIGKILL ? "SIGKILL" : "SIGTERM")},
                      "worker stop: slot=%u pid=%d epoch=%lu signal=%s", s.index, s.pid,
                      static_cast<unsigned long>(s.epoch),
                      signum == SIGKILL ? "SIGKILL" : "SIGTERM");
    uv_process_kill(&s.process, signum);
    publish(s);
}

void Supervisor::tick() {
    std::uint64_t ns = common::monotonic_ns();
    std::uint64_t ms = ns / 1'000'000;
    for (auto& s : slots_)
        tick_slot(*s, ms, ns);
    if (rolling_slot_ >= 0) advance_rolling();
}

void Supervisor::tick_slot(WorkerSlot& s, std::uint64_t ms, std::uint64_t ns) {
    SlotLogScope log_scope(s.index);
    switch (s.phase) {
        case SlotPhase::Running: {
            HeartbeatSample sample{s.started_ns, bus_.heartbeat_ns(s.index)};
            Health h = judge_health(sample, ns, health_);
            if (h == Health::Stale) {
                const std::uint64_t age = heartbeat_age_ms(sample, ns);
                common::log_event(
                    common::LogLevel::Warn, "worker_heartbeat_stale",
                    {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                     common::field("heartbeat_age_ms", age)},
                    "worker heartbeat stale: slot=%u pid=%d epoch=%lu age_ms=%lu; killing", s.index,
                    s.pid, static_cast<unsigned long>(s.epoch), static_cast<unsigned long>(age));
                stop_worker(s, StopReason::Stale, SIGKILL);
                return;
            }
            if (h != Health::Starting && !s.announced_up) {
                s.announced_up = true;
                bus_.announce_up(s.index, s.epoch);
                const std::uint64_t after = (ns - s.started_ns) / 1'000'000;
                common::log_event(
                    common::LogLevel::Info, "worker_up",
                    {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                     common::field("startup_ms", after)},
                    "worker up: slot=%u pid=%d epoch=%lu after %lu ms", s.index, s.pid,
                    static_cast<unsigned long>(s.epoch), static_cast<unsigned long>(after));
                publish(s);
            }
            if (h == Health::Healthy && !s.reported_healthy) {
                s.reported_healthy = true;
                s.policy.on_healthy();
                if (s.breaker.on_healthy(ms)) {
                    common::log_event(
                        common::LogLevel::Info, "breaker_transition",
                        {common::field("from", "half-open"), common::field("to", "closed"),
                         common::field("reason", "trial healthy")},
                        "breaker half-open -> closed: slot=%u pid=%d (trial healthy)", s.index,
                        s.pid);
                    publish(s);
                }
            }
            return;
        }
        case SlotPhase::Stopping:
            if (ms >= s.kill_at_ms && s.stop_reason != StopReason::Stale) {
                SHOAL_WARN("worker missed the drain deadline: slot=%u pid=%d; SIGKILL", s.index,
                           s.pid);
                s.stop_reason = StopReason::Stale;
                uv_process_kill(&s.process, SIGKILL);
            }
            return;
        case SlotPhase::Backoff:
            if (!shutting_down_ && ms >= s.restart_at_ms && !s.handle_open) start_worker(s);
            return;
        case SlotPhase::BreakerOpen:
            if (shutting_down_) return;
            if (s.breaker.poll(ms))
                common::log_event(common::LogLevel::Info, "breaker_transition",
                                  {common::field("from", "open"), common::field("to", "half-open"),
                                   common::field("reason", "cooldown over")},
                                  "breaker open -> half-open: slot=%u; one trial start", s.index);
            if (s.breaker.allows_start() && !s.handle_open) start_worker(s);
            return;
        case SlotPhase::Idle:
        case SlotPhase::Stopped:
            return;
    }
}

void Supervisor::handle_exit(WorkerSlot& s, std::int64_t exit_status, int term_signal) {
    SlotLogScope log_scope(s.index);
    std::uint64_t uptime_ms = (common::monotonic_ns() - s.started_ns) / 1'000'000;
    StopReason reason = s.stop_reason;
    bool fatal = term_signal == 0 && exit_status == kExitConfig;
    if (term_signal != 0) {
        common::log_event(common::LogLevel::Warn, "worker_exit",
                          {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                           common::null_field("exit_code"), common::field("signal", term_signal),
                           common::field("signal_name", sigabbrev_np(term_signal)),
                           common::field("uptime_ms", uptime_ms), common::field("expected", false)},
                          "worker exited: slot=%u pid=%d epoch=%lu signal=%d uptime_ms=%lu",
                          s.index, s.pid, static_cast<unsigned long>(s.epoch), term_signal,
                          static_cast<unsigned long>(uptime_ms));
    } else {
        const bool expected = reason != StopReason::None;
        common::log_event(expected ? common::LogLevel::Info : common::LogLevel::Warn, "worker_exit",
                          {common::field("worker_pid", s.pid), common::field("epoch", s.epoch),
                           common::field("exit_code", exit_status), common::null_field("signal"),
                           common::null_field("signal_name"), common::field("uptime_ms", uptime_ms),
                           common::field("expected", expected)},
                          "worker exited: slot=%u pid=%d epoch=%lu status=%ld uptime_ms=%lu",
                          s.index, s.pid, static_cast<unsigned long>(s.epoch),
                          static_cast<long>(exit_status), static_cast<unsigned long>(uptime_ms));
    }
    bus_.announce_down(s.index, s.epoch);
    uv_close(reinterpret_cast<uv_handle_t*>(&s.process), on_process_closed);
    s.pid = 0;

    if (shutting_down_) {
        s.phase = SlotPhase::Stopped;
        publish(s);
        return;
    }
    if (reason == StopReason::Rolling && !fatal) {
        s.phase = SlotPhase::Backoff;  // restart at once, and not a failure
        s.restart_at_ms = 0;
        publish(s);
        return;
    }
    after_failure(s, uptime_ms, fatal);
}

void Supervisor::after_failure(WorkerSlot& s, std::uint64_t uptime_ms, bool fatal) {
    SlotLogScope log_scope(s.index);
    std::uint64_t ms = now_ms();
    BreakerState before = s.breaker.state();
    if (uptime_ms >= config_.policy.healthy_after_ms) s.policy.on_healthy();
    if (s.breaker.on_failure(ms, fatal)) {
        const char* why = fatal                              ? "configuration error, exit 78"
                          : before == BreakerState::HalfOpen ? "trial failed"
                                                             : "too many failures in the window";
        common::log_event(common::LogLevel::Warn, "breaker_transition",
                          {common::field("from", breaker_state_name(before)),
                           common::field("to", "open"), common::field("reason", why),
                           common::field("cooldown_ms", config_.policy.breaker_cooldown_ms)},
                          "breaker %s -> open: slot=%u (%s); cooldown_ms=%u",
                          breaker_state_name(before), s.index, why,
                          config_.policy.breaker_cooldown_ms);
    }
    if (!s.breaker.allows_start()) {
        s.phase = SlotPhase::BreakerOpen;
    } else {
        std::uint64_t delay = s.policy.on_exit(uptime_ms);
        s.phase = SlotPhase::Backoff;
        s.restart_at_ms = ms + delay;
        common::log_event(
            common::LogLevel::Info, "worker_restart_scheduled",
            {common::field("delay_ms", delay), common::field("attempt", s.policy.attempt())},
            "worker restart scheduled: slot=%u in %lu ms (attempt %u)", s.index,
            static_cast<unsigned long>(delay), s.policy.attempt());
    }
    publish(s);
}

void Supervisor::begin_shutdown(int signum) {
    if (shutting_down_) {
        SHOAL_WARN("second %s during drain: killing the remaining workers",
                   signum == SIGINT ? "SIGINT" : "SIGTERM");
        for (auto& s : slots_)
            stop_worker(*s, StopReason::Shutdown, SIGKILL);
        return;
    }
    common::log_event(common::LogLevel::Info, "supervisor_drain",
                      {common::field("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"),
                       common::field("workers", slots_.size()),
                       common::field("deadline_ms", config_.policy.shutdown_deadline_ms)},
                      "%s: draining %zu workers (deadline %u ms)",
                      signum == SIGINT ? "SIGINT" : "SIGTERM", slots_.size(),
                      config_.policy.shutdown_deadline_ms);
    shutting_down_ = true;
    rolling_slot_ = -1;
    for (auto& s : slots_) {
        if (s->phase == SlotPhase::Running) {
            stop_worker(*s, StopReason::Shutdown, SIGTERM);
        } else if (s->phase == SlotPhase::Stopping) {
            s->stop_reason = StopReason::Shutdown;
        } else {
            s->phase = SlotPhase::Stopped;
            publish(*s);
        }
    }
    finish_if_done();
}

void Supervisor::finish_if_done() {
    if (!shutting_down_ || finished_) return;
    for (auto& s : slots_)
        if (s->handle_open || s->phase != SlotPhase::Stopped) return;
    finished_ = true;
    SHOAL_INFO("all workers stopped; unlinking bus %s", config_.effective_bus_name().c_str());
    bus_.unlink();
    uv_timer_stop(&tick_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    for (uv_signal_t* s : {&sigterm_, &sigint_, &sighup_, &sigusr2_})
        uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
    view_.stop();  // after the last worker_down: the view (and its sinks) read it first
}

void Supervisor::begin_rolling_restart() {
    if (shutting_down_) return;
    if (rolling_slot_ >= 0) {
        SHOAL_INFO("SIGUSR2: a rolling restart is already running (slot %d)", rolling_slot_);
        return;
    }
    SHOAL_INFO("SIGUSR2: rolling restart of %zu workers, one at a time", slots_.size());
    roll_next();
}

void Supervisor::reload_apps() {
    if (shutting_down_) return;
    if (!apps_) return;  // no --apps file: the flags' app does not change
    auto n = apps_->reload();
    if (!n) {
        // Refused whole: the workers keep the snapshot they have.
        common::log_event(
            common::LogLevel::Error, "apps_reload_refused",
            {common::field("file", apps_->user_file()), common::field("error", n.error().message()),
             common::field("generation", apps_->generation())},
            "SIGHUP: apps file refused, keeping the %zu apps of generation %lu: %s",
            apps_->app_count(), static_cast<unsigned long>(apps_->generation()),
            n.error().message().c_str());
        return;
    }
    bus_.announce_apps_changed(apps_->generation());
    common::log_event(common::LogLevel::Info, "apps_reloaded",
                      {common::field("file", apps_->user_file()), common::field("apps", n.value()),
                       common::field("generation", apps_->generation())},
                      "SIGHUP: apps reloaded from %s: %zu apps (generation %lu)",
                      apps_->user_file().c_str(), n.value(),
                      static_cast<unsigned long>(apps_->generation()));
}

// SIGHUP reloads without a restart: each running worker re-reads what it can (its TLS
// certificate and key) and keeps its connections. A worker started later reads the files anew.
void Supervisor::forward_to_workers(int signum) {
    if (shutting_down_) return;
    std::size_t sent = 0;
    for (auto& s : slots_) {
        // A worker that has not sent its first heartbeat may not be past main() yet, where it
        // starts ignoring SIGHUP; it reads the files at its start anyway.
        if (s->phase != SlotPhase::Running || s->pid <= 0 || !s->announced_up) continue;
        if (uv_kill(s->pid, signum) == 0) ++sent;
    }
    SHOAL_INFO("SIGHUP: passed to %zu running workers (reload)", sent);
}

// Stops the next running slot after rolling_slot_. Slots that are not running (in backoff or
// behind an open breaker) are skipped: the normal policy owns them.
void Supervisor::roll_next() {
    while (static_cast<std::size_t>(++rolling_slot_) < slots_.size()) {
        WorkerSlot& n = *slots_[static_cast<std::size_t>(rolling_slot_)];
        if (n.phase == SlotPhase::Running) {
            stop_worker(n, StopReason::Rolling, SIGTERM);
            return;
        }
        SlotLogScope log_scope(n.index);
        SHOAL_INFO("rolling restart: slot=%u skipped (%s)", n.index, slot_phase_name(n.phase));
    }
    SHOAL_INFO("rolling restart finished");
    rolling_slot_ = -1;
}

// The current slot is done once its replacement is up, or once it is not running at all (its
// replacement failed: the normal policy owns it then). Then the next one goes.
void Supervisor::advance_rolling() {
    WorkerSlot& s = *slots_[static_cast<std::size_t>(rolling_slot_)];
    bool replacing = s.phase == SlotPhase::Stopping ||
                     (s.phase == SlotPhase::Backoff && s.restart_at_ms == 0) ||
                     (s.phase == SlotPhase::Running && !s.announced_up);
    if (replacing) return;
    {
        SlotLogScope log_scope(s.index);
        SHOAL_INFO("rolling restart: slot=%u done (pid=%d epoch=%lu)", s.index, s.pid,
                   static_cast<unsigned long>(s.epoch));
    }
    roll_next();
}

}  // namespace shoal::sup
