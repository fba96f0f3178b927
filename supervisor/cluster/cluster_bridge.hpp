// SPDX-License-Identifier: MIT
// ClusterBridge: one per host, in the supervisor process, on its loop. It plugs into the host
// view (supervisor/host_view/), which reads every local worker ring and the control ring, sends
// what crosses hosts to Redis once per host (broadcasts, presence and count changes,
// terminations, a dead slot), and writes what other hosts send into the control ring, which every
// worker reads. Presence of the other hosts is rendered as pseudo-slots (remote_hosts.hpp); a host
// whose heartbeat key in Redis lapses is dropped. Workers never wait on it: they only write their
// rings. See docs/cluster.md.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <uv.h>

#include "common/config.hpp"
#include "common/result.hpp"
#include "supervisor/bus_control.hpp"
#include "supervisor/cluster/leader_lease.hpp"
#include "supervisor/cluster/redis_link.hpp"
#include "supervisor/cluster/remote_hosts.hpp"
#include "supervisor/history/history_order.hpp"
#include "supervisor/host_view/host_view.hpp"

namespace shoal::cluster {

struct BridgeCounters {
    std::uint64_t relayed_out = 0;    // messages published for the other hosts
    std::uint64_t relayed_in = 0;     // records written to the control ring from other hosts
    std::uint64_t dropped_out = 0;    // not sent: Redis down or too slow
    std::uint64_t refused_in = 0;     // over the control ring's maximum record
    std::uint64_t bad_in = 0;         // undecodable messages
    std::uint64_t bad_frames_in = 0;  // broadcasts dropped: a frame malformed or not UTF-8 text
    std::uint64_t lost_local = 0;     // records lost to a lap on a local ring
    std::uint64_t hosts_expired = 0;
    std::uint64_t history_numbered = 0;    // numbered history events received (every host's)
    std::uint64_t history_unnumbered = 0;  // submitted but not numbered: numbered locally
};

class ClusterBridge final : public RedisLinkHandler,
                            public ControlSink,
                            public host_view::HostViewSink,
                            public sup::HistoryOrder {
  public:
    // The host view polls at this period while the bridge is attached: the supervisor has no
    // eventfd of its own, and a relay is latency-critical.
    static constexpr std::uint64_t kPollMs = 1;
    // Numbers one history publish cluster-wide and publishes it to every host, in one atomic
    // step, so the order of the channel's messages on the bus is the order of its offsets.
    // KEYS: the channel's numbering hash, the bus channel; ARGV: an epoch this host proposes for
    // a channel Redis does not know, the History message without its trailer, the hash's TTL.
    static constexpr const char* kNumberScript =
        "local e = redis.call('HGET', KEYS[1], 'epoch')\n"
        "if not e then e = ARGV[1]; redis.call('HSET', KEYS[1], 'epoch', e) end\n"
        "local o = redis.call('HINCRBY', KEYS[1], 'offset', 1)\n"
        "redis.call('PEXPIRE', KEYS[1], ARGV[3])\n"
        "redis.call('PUBLISH', KEYS[2], ARGV[2] .. e .. string.format('%020d', o))\n"
        "return o";
    // A channel's numbering outlives the longest history window (24 h) while it is idle; after
    // that nothing of it can be recovered anyway, and the next event starts a new epoch.
    static constexpr const char* kNumberTtlMs = "90000000";

    // Attaches to `view`; when the view stops (the supervisor finished), the bridge says goodbye
    // and closes.
    static common::Result<std::unique_ptr<ClusterBridge>> start(uv_loop_t* loop,
                                                                const common::Config& config,
                                                                sup::BusControl& bus,
                                                                host_view::HostView& view);
    ClusterBridge(const ClusterBridge&) = delete;
    ClusterBridge& operator=(const ClusterBridge&) = delete;
    ~ClusterBridge();

    std::uint64_t host_id() const noexcept { return host_; }
    const BridgeCounters& counters() const noexcept { return counters_; }
    // Whether this host sends the cluster's state webhooks (a lease in Redis).
    const webhooks::Leadership& leadership() const noexcept { return lease_; }

    // RedisLinkHandler
    void on_link_up() override;
    void on_link_down() override;
    void on_message(std::string_view payload) override;
    void on_exists(std::uint64_t host, bool exists) override;
    void on_value(std::uint64_t sent_ms, std::string_view value, bool nil, bool error) override;
    // ControlSink
    void remote(std::uint32_t pseudo_slot, std::int32_t type,
                std::span<const std::byte> payload) override;
    void host_down(std::uint32_t pseudo_slot, std::uint64_t epoch) override;

    // HostViewSink: the local rings, as the host view applied them.
    void on_record(std::uint32_t slot, std::int32_t type, std::span<const std::byte> p,
                   bool changed) override;
    void on_slot_down(std::uint32_t slot, std::uint64_t epoch) override;  // tell the other hosts
    void on_lost(std::uint32_t ring, std::uint64_t records) override;
    void on_stop() override;
    bool resend_remote_state() override;

    // sup::HistoryOrder
    bool submit(std::uint32_t slot, std::string_view topic,
                std::span<const std::byte> record) override;
    // Where numbered history events go (the host's sequencer); null: nowhere.
    void number_history(sup::HistoryNumbering* numbering) noexcept { numbering_ = numbering; }
    void on_ordered(bool ok, bool link_lost, std::string_view error) override;

  private:
    struct InFlight {
        std::uint32_t slot;
        std::vector<std::byte> record;
    };
    void on_history(const struct WireMessage& m);

    void publish_host_count();  // into the segment's HostRecord, for /metrics
    ClusterBridge(uv_loop_t* loop, const common::Config& config, sup::BusControl& bus, RedisUrl url,
                  host_view::HostView& view);
    void heartbeat();
    void wake_if_wrote();
    void on_wire(const struct WireMessage& m);
    void relay(std::uint8_t kind, std::uint32_t slot, std::int32_t type,
               std::span<const std::byte> p);
    void relay_u64(std::uint8_t kind, std::uint64_t value);
    void announce_state();  // StateBegin, every member and count, SnapshotDone(0)
    void renew_lease();
    std::string host_key(std::uint64_t host) const;

    uv_loop_t* loop_;
    sup::BusControl& bus_;
    std::uint32_t host_timeout_ms_;
    std::string prefix_;
    std::string address_;
    std::uint64_t host_;
    host_view::HostView& view_;  // this host's members and counts are the view's table
    RedisLink link_;
    RemoteHosts remote_;
    LeaderLease lease_;
    std::string lease_key_;
    bool lease_error_logged_ = false;
    bool first_answer_ = true;  // the lease's first answer says whether a cluster was led
    std::vector<std::byte> scratch_;
    std::uint64_t up_since_ms_ = 0;
    bool wrote_ = false;
    bool stopped_ = false;
    uv_timer_t beat_timer_{};
    sup::HistoryNumbering* numbering_ = nullptr;
    std::string epoch_proposal_;      // what this host proposes for a channel new to Redis
    std::deque<InFlight> in_flight_;  // submitted, not answered yet, in the order sent
    bool history_error_logged_ = false;
    BridgeCounters counters_;
};

}  // namespace shoal::cluster
