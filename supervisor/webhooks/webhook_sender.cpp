// SPDX-License-Identifier: MIT
// Transitions in, requests out. Every entry point (a transition, a fact, an answer, the timer)
// ends in pump(), which fires what is due, dispatches what may go, publishes the figures and
// arms the one timer for the next deadline; nothing here waits.
#include "supervisor/webhooks/webhook_sender.hpp"

#include <algorithm>
#include <random>

#include "common/apps/app_topic.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/log_event.hpp"
#include "shm_bus/records/bus_records.hpp"
#include "supervisor/webhooks/webhook_signature.hpp"

namespace shoal::webhooks {
namespace {

namespace rec = bus::records;

constexpr std::uint32_t kMaxInFlight = 32;
constexpr std::uint64_t kLeadershipCheckMs = 250;  // while transitions wait for a takeover
constexpr std::uint64_t kIdleCheckMs = 1000;       // the leader gauge stays current

std::uint64_t now_ms() noexcept {
    return common::monotonic_ns() / 1'000'000;
}

std::uint64_t wall_ms() noexcept {
    return common::realtime_ns() / 1'000'000;
}

// "<app id>\x1f<name>"; an app's connection topic ("<app id>\x1e") or an unscoped topic is no
// channel and never makes a webhook.
bool is_channel(std::string_view topic) noexcept {
    return !common::topic_app(topic).empty();
}

std::uint64_t random_seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) | rd();
}

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

}  // namespace

common::Result<std::unique_ptr<WebhookSender>> WebhookSender::start(
    uv_loop_t* loop, host_view::HostView& view, bus::Segment& segment, AppsSource apps,
    const Leadership& leadership, const SenderOptions& options) {
    std::unique_ptr<WebhookSender> s(
        new WebhookSender(loop, view, segment, std::move(apps), leadership, options));
    HttpClientOptions http;
    http.timeout_ms = options.settings.timeout_ms;
    auto client = HttpClient::create(loop, *s, http);
    if (!client) return client.error();
    s->http_ = std::move(client.value());
    uv_timer_init(loop, &s->timer_);
    s->timer_.data = s.get();
    view.observe_cluster(*s);
    // Nothing here is latency-critical: the view's own lap-safe period is fine.
    view.attach(*s, host_view::HostView::kMaxIdlePollMs);
    s->pump();
    return s;
}

WebhookSender::WebhookSender(uv_loop_t* loop, host_view::HostView& view, bus::Segment& segment,
                             AppsSource apps, const Leadership& leadership,
                             const SenderOptions& options)
    : loop_(loop),
      view_(view),
      record_(segment.webhooks()),
      apps_(std::move(apps)),
      leadership_(leadership),
      options_(options),
      grace_(options.settings.grace_ms),
      batcher_(options.settings.batch_ms, options.settings.batch_max),
      queue_(
          QueueLimits{options.settings.queue_bytes, options.settings.retry_for_ms, kMaxInFlight, 1},
          RetryBackoff(random_seed())) {}

WebhookSender::~WebhookSender() {
    if (!closed_handles_ && http_) close_handles();
}

// ---- transitions ---------------------------------------------------------------------------

void WebhookSender::on_occupied(std::string_view topic) {
    if (!is_channel(topic) || closed_handles_) return;
    grace_.occupied(topic, now_ms(), transitions_);
    pump_soon();
}

void WebhookSender::on_vacated(std::string_view topic) {
    if (!is_channel(topic) || closed_handles_) return;
    grace_.vacated(topic, now_ms(), transitions_);
    pump_soon();
}

void WebhookSender::on_member_added(std::string_view topic, std::string_view user,
                                    std::string_view) {
    if (!is_channel(topic) || closed_handles_) return;
    grace_.member_added(topic, user, now_ms(), transitions_);
    pump_soon();
}

void WebhookSender::on_member_removed(std::string_view topic, std::string_view user) {
    if (!is_channel(topic) || closed_handles_) return;
    grace_.member_removed(topic, user, now_ms(), transitions_);
    pump_soon();
}

void WebhookSender::after_transitions(std::uint64_t now) {
    for (Transition& t : transitions_) {
        if (leader_) {
            route(t, now);
            continue;
        }
        standby_bytes_ += t.topic.size() + t.user.size() + sizeof(t);
        standby_.emplace_back(now, std::move(t));
    }
    transitions_.clear();
    // Kept for a takeover only as long as a batch would be retried, and within a quarter of the
    // queue's bound; older ones could not be sent any more anyway.
    while (!standby_.empty() && (standby_bytes_ > options_.settings.queue_bytes / 4 ||
                                 now - standby_.front().first > options_.settings.retry_for_ms)) {
        const Transition& t = standby_.front().second;
        standby_bytes_ -= t.topic.size() + t.user.size() + sizeof(t);
        standby_.pop_front();
    }
}

void WebhookSender::check_leadership(std::uint64_t now) {
    const bool leader = leadership_.leader(now);
    if (leader == leader_) return;
    leader_ = leader;
    record_.leader.store(leader ? 1 : 0, std::memory_order_relaxed);
    std::size_t replayed = 0;
    if (leader) {
        const std::uint64_t from = leadership_.replay_from_ms();
        for (auto& [when, t] : standby_) {
            if (when < from) continue;
            route(t, now);
            ++replayed;
        }
    }
    standby_.clear();
    standby_bytes_ = 0;
    const std::initializer_list<common::LogField> fields = {common::field("leader", leader),
                                                            common::field("replayed", replayed)};
    if (leader)
        common::log_event(common::LogLevel::Info, "webhook_leader", fields,
                          "webhooks: this host now sends the cluster's channel and presence "
                          "webhooks (%zu recent events replayed)",
                          replayed);
    else
        common::log_event(common::LogLevel::Info, "webhook_leader", fields,
                          "webhooks: another host sends the cluster's channel and presence "
                          "webhooks");
}

void WebhookSender::route(const Transition& t, std::uint64_t now) {
    Event e;
    e.kind = t.kind;
    e.channel = std::string(common::topic_name(t.topic));
    e.user_id = t.user;
    route_event(common::topic_app(t.topic), e, now);
}

void WebhookSender::route_event(std::string_view app_id, const Event& e, std::uint64_t now) {
    const common::App* app = apps_().find_id(app_id);
    if (!app || !app->enabled || app->webhooks.empty()) return;
    const std::string_view type = kind_name(e.kind);
    json_.clear();
    for (const common::Webhook& w : app->webhooks) {
        if (!w.accepts(type, e.channel)) continue;
        if (json_.empty()) append_event_json(json_, e);
        batcher_.add(app->id, w.url, json_, now, wall_ms(), closed_);
    }
    for (Batch& b : closed_)
        queue_.push(std::move(b), now);
    closed_.clear();
}

// ---- facts from this host's rings ----------------------------------------------------------

void WebhookSender::on_record(std::uint32_t, std::int32_t type, std::span<const std::byte> p,
                              bool) {
    if (type != rec::kHookFact || closed_handles_) return;
    rec::HookFact f;
    if (!rec::decode(p, f) || !is_channel(f.topic)) return;
    Event e;
    e.kind = f.kind == rec::kFactClientEvent ? EventKind::ClientEvent : EventKind::CacheMiss;
    e.channel = std::string(common::topic_name(f.topic));
    e.event = std::string(f.event);
    e.data = std::string(f.data);
    e.socket_id = std::string(f.socket_id);
    e.user_id = std::string(f.user_id);
    route_event(common::topic_app(f.topic), e, now_ms());
    pump_soon();
}

// ---- sending -------------------------------------------------------------------------------

// The host view hands over a whole poll's records at once: they are routed as they come and the
// rest (dispatch, figures, the timer) runs once, on the next loop iteration.
void WebhookSender::pump_soon() {
    if (pump_soon_ || closed_handles_) return;
    pump_soon_ = true;
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<WebhookSender*>(t->data)->pump(); }, 0, 0);
}

void WebhookSender::pump() {
    if (closed_handles_) return;
    pump_soon_ = false;
    const std::uint64_t now = now_ms();
    check_leadership(now);
    grace_.due(now, transitions_);
    after_transitions(now);
    batcher_.due(now, wall_ms(), closed_);
    for (Batch& b : closed_)
        queue_.push(std::move(b), now);
    closed_.clear();
    dispatch(now);
    publish_figures();
    if (stopping_ &&
        ((queue_.size() == 0 && batcher_.open_batches() == 0) || now >= stop_deadline_ms_))
        return finish_stop();
    arm(now);
}

void WebhookSender::dispatch(std::uint64_t now) {
    while (const DeliveryQueue::Item* item = queue_.start_next(now)) {
        const std::uint64_t id = item->id;
        const Batch& b = item->batch;
        const common::App* app = apps_().find_id(b.app_id);
        const bool routed = app && app->enabled &&
                            std::any_of(app->webhooks.begin(), app->webhooks.end(),
                                        [&](const common::Webhook& w) { return w.url == b.url; });
        if (!routed) {
            queue_.drop_unrouted(id);  // a reload removed the app or the URL
            continue;
        }
        // Signed at each attempt with the app's current secret: a rotated secret applies to
        // what is still queued.
        const std::vector<std::string> headers = {
            "Content-Type: application/json", "X-Pusher-Key: " + app->key,
            "X-Pusher-Signature: " + sign_body(app->secret, b.body)};
        if (!http_->post(id, b.url, b.body, headers)) queue_.finish(id, false, now);
    }
}

void WebhookSender::on_response(std::uint64_t tag, int status, std::string_view error) {
    const std::uint64_t now = now_ms();
    const bool ok = status >= 200 && status < 300;
    if (!ok) {
        std::uint64_t held = 0;
        const DeliveryQueue::Item* item = queue_.find(tag);
        if (item && failure_log_.allow(now, held)) {
            if (held != 0) SHOAL_WARN("webhooks: %llu failures not logged", ull(held));
            if (status != 0)
                SHOAL_WARN("webhooks: POST %s answered %d (attempt %u); retrying",
                           item->batch.url.c_str(), status, item->attempts);
            else
                SHOAL_WARN("webhooks: POST %s failed: %.*s (attempt %u); retrying",
                           item->batch.url.c_str(), static_cast<int>(error.size()), error.data(),
                           item->attempts);
        }
    }
    queue_.finish(tag, ok, now);
    pump();
}

void WebhookSender::arm(std::uint64_t now) {
    std::uint64_t next = now + kIdleCheckMs;
    auto earlier = [&](std::optional<std::uint64_t> t) {
        if (t && *t < next) next = *t;
    };
    earlier(grace_.next_deadline_ms());
    earlier(batcher_.next_deadline_ms());
    if (!queue_.saturated()) earlier(queue_.next_ready_ms());  // else an answer frees a place
    if (!leader_ && !standby_.empty()) earlier(now + kLeadershipCheckMs);
    if (stopping_) earlier(stop_deadline_ms_);
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<WebhookSender*>(t->data)->pump(); },
        next > now ? next - now : 0, 0);
}

void WebhookSender::publish_figures() {
    const DeliveryCounters& c = queue_.counters();
    constexpr auto r = std::memory_order_relaxed;
    record_.queue_batches.store(queue_.size(), r);
    record_.queue_bytes.store(queue_.bytes(), r);
    record_.requests_sent.store(c.requests_sent, r);
    record_.events_sent.store(c.events_sent, r);
    record_.requests_failed.store(c.requests_failed, r);
    record_.requests_retried.store(c.requests_retried, r);
    record_.dropped_overflow.store(c.dropped_overflow, r);
    record_.dropped_expired.store(c.dropped_expired, r);
    record_.dropped_unrouted.store(c.dropped_unrouted, r);
}

// ---- stopping ------------------------------------------------------------------------------

void WebhookSender::on_stop() {
    if (stopping_ || closed_handles_) return;
    stopping_ = true;
    const std::uint64_t now = now_ms();
    if (options_.flush_grace_on_stop) {
        check_leadership(now);
        grace_.flush_all(transitions_);
        after_transitions(now);
    }
    batcher_.flush_all(wall_ms(), closed_);
    for (Batch& b : closed_)
        queue_.push(std::move(b), now);
    closed_.clear();
    stop_deadline_ms_ = now + options_.stop_drain_ms;
    pump();
}

void WebhookSender::finish_stop() {
    const DeliveryCounters& c = queue_.counters();
    SHOAL_INFO(
        "webhooks: stopped (sent %llu requests with %llu events, %llu failed attempts, dropped "
        "%llu overflow %llu expired %llu unrouted, %zu left unsent)",
        ull(c.requests_sent), ull(c.events_sent), ull(c.requests_failed), ull(c.dropped_overflow),
        ull(c.dropped_expired), ull(c.dropped_unrouted), queue_.size());
    close_handles();
}

void WebhookSender::close_handles() {
    closed_handles_ = true;
    view_.unobserve_cluster(*this);
    view_.detach(*this);
    if (http_) http_->close();
    if (timer_.data) {
        uv_timer_stop(&timer_);
        uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    }
}

}  // namespace shoal::webhooks
