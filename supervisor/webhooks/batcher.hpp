// SPDX-License-Identifier: MIT
// Batcher: groups the events of one target (an app's webhook URL) into requests. A batch closes
// when it holds `max_events` or when its first event is `window_ms` old, as Pusher batches its
// webhooks; the body's time_ms is the wall clock when it closes. Pure: times are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::webhooks {

struct Batch {
    std::string app_id;
    std::string url;
    std::string body;  // {"time_ms":...,"events":[...]}
    std::uint32_t events = 0;
};

class Batcher {
  public:
    Batcher(std::uint32_t window_ms, std::uint32_t max_events) noexcept
        : window_ms_(window_ms), max_events_(max_events == 0 ? 1 : max_events) {}

    // Adds one event's JSON object to the target's open batch; a batch that reaches max_events
    // closes into `out` at once.
    void add(std::string_view app_id, std::string_view url, std::string_view event_json,
             std::uint64_t now_ms, std::uint64_t wall_ms, std::vector<Batch>& out);
    // Closes the batches whose window ended by now_ms.
    void due(std::uint64_t now_ms, std::uint64_t wall_ms, std::vector<Batch>& out);
    void flush_all(std::uint64_t wall_ms, std::vector<Batch>& out) {
        due(UINT64_MAX, wall_ms, out);
    }

    std::optional<std::uint64_t> next_deadline_ms() const noexcept;
    std::size_t open_batches() const noexcept { return open_.size(); }

  private:
    struct Open {
        std::string events_json;
        std::uint32_t events = 0;
        std::uint64_t opened_ms = 0;
    };
    using Target = std::pair<std::string, std::string>;  // (app id, url)
    // Finds a target by views: no string is built per event.
    struct Less {
        using is_transparent = void;
        using View = std::pair<std::string_view, std::string_view>;
        static View view(const Target& t) noexcept { return {t.first, t.second}; }
        static View view(const View& v) noexcept { return v; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const noexcept {
            return view(a) < view(b);
        }
    };

    static Batch close(const Target& t, Open& o, std::uint64_t wall_ms);

    std::uint32_t window_ms_;
    std::uint32_t max_events_;
    std::map<Target, Open, Less> open_;
};

}  // namespace shoal::webhooks
