// SPDX-License-Identifier: MIT
// WebhookSender: the supervisor's Pusher webhooks, on its loop, fed by the host view and never by
// a worker loop. It hears the cluster's transitions (HostView::observe_cluster), delays vacated /
// removed by the grace period (GraceFilter), and, while this host is the leader, routes them to
// the app's webhook URLs; client_event and cache_miss facts (records::HookFact) come from this
// host's rings and are sent by this host. Events are batched per URL (Batcher), queued within a
// byte bound (DeliveryQueue), signed with the app's current secret at each attempt, and posted
// through HttpClient; failures are retried with backoff. Figures go into the segment's
// WebhookRecord for /metrics. See docs/webhooks.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uv.h>

#include "common/apps/app.hpp"
#include "common/config.hpp"
#include "common/log_limiter.hpp"
#include "common/result.hpp"
#include "shm_bus/segment.hpp"
#include "supervisor/host_view/host_view.hpp"
#include "supervisor/webhooks/batcher.hpp"
#include "supervisor/webhooks/delivery_queue.hpp"
#include "supervisor/webhooks/grace_filter.hpp"
#include "supervisor/webhooks/http_client.hpp"
#include "supervisor/webhooks/leadership.hpp"

namespace shoal::webhooks {

struct SenderOptions {
    common::WebhookSettings settings;
    // At stop, send the pending vacated/removed at once: a lone host going away takes its
    // channels with it. In a cluster the other hosts see them leave and send them.
    bool flush_grace_on_stop = true;
    std::uint64_t stop_drain_ms = 2'000;  // delivering what is queued when the host stops
};

class WebhookSender final : public host_view::HostObserver,
                            public host_view::HostViewSink,
                            public HttpClientHandler {
  public:
    using AppsSource = std::function<const common::AppSet&()>;

    // Observes `view` (cluster transitions, facts) and writes its figures into segment.
    static common::Result<std::unique_ptr<WebhookSender>> start(
        uv_loop_t* loop, host_view::HostView& view, bus::Segment& segment, AppsSource apps,
        const Leadership& leadership, const SenderOptions& options);
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;
    ~WebhookSender();

    const DeliveryCounters& counters() const noexcept { return queue_.counters(); }
    std::size_t standby_events() const noexcept { return standby_.size(); }

    // HostObserver (the cluster's transitions)
    void on_occupied(std::string_view topic) override;
    void on_vacated(std::string_view topic) override;
    void on_member_added(std::string_view topic, std::string_view user,
                         std::string_view info) override;
    void on_member_removed(std::string_view topic, std::string_view user) override;
    // HostViewSink (this host's rings: the facts)
    void on_record(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p,
                   bool changed) override;
    void on_slot_down(std::uint32_t, std::uint64_t) override {}
    void on_lost(std::uint32_t, std::uint64_t) override {}
    void on_stop() override;
    // HttpClientHandler
    void on_response(std::uint64_t tag, int status, std::string_view error) override;

  private:
    WebhookSender(uv_loop_t* loop, host_view::HostView& view, bus::Segment& segment,
                  AppsSource apps, const Leadership& leadership, const SenderOptions& options);
    void after_transitions(std::uint64_t now_ms);  // leader: route; else keep as standby
    void route(const Transition& t, std::uint64_t now_ms);
    void route_event(std::string_view app_id, const Event& e, std::uint64_t now_ms);
    void check_leadership(std::uint64_t now_ms);
    void pump();  // due grace, due batches, dispatch, re-arm, figures
    void pump_soon();
    void dispatch(std::uint64_t now_ms);
    void arm(std::uint64_t now_ms);
    void publish_figures();
    void finish_stop();
    void close_handles();

    uv_loop_t* loop_;
    host_view::HostView& view_;
    bus::WebhookRecord& record_;
    AppsSource apps_;
    const Leadership& leadership_;
    SenderOptions options_;
    GraceFilter grace_;
    Batcher batcher_;
    DeliveryQueue queue_;
    std::unique_ptr<HttpClient> http_;
    std::vector<Transition> transitions_;  // scratch
    std::vector<Batch> closed_;            // scratch
    std::string json_;                     // scratch
    // Transitions generated while not the leader, kept for a takeover: (when, what).
    std::deque<std::pair<std::uint64_t, Transition>> standby_;
    std::uint64_t standby_bytes_ = 0;
    bool leader_ = false;
    bool stopping_ = false;
    bool pump_soon_ = false;  // the timer fires on the next loop iteration
    bool closed_handles_ = false;
    std::uint64_t stop_deadline_ms_ = 0;
    common::LogLimiter failure_log_{5};
    uv_timer_t timer_{};
};

}  // namespace shoal::webhooks
