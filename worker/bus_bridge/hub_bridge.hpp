// SPDX-License-Identifier: MIT
// HubBridge: the channel hub's link to the shm bus, without libuv (bus_endpoint.hpp adds the
// loop). Outbound it is the hub's BusPort: each call becomes one record on this worker's ring,
// encoded straight into the claim. Inbound it decodes records from the other workers' rings and
// the control ring and calls the hub: broadcasts (same bytes, no re-encode), presence diffs,
// topic counts, snapshots (answers and reconciliation after a lap) and worker_down.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/counters.hpp"
#include "shm_bus/records/bus_records.hpp"
#include "shm_bus/ring_reader.hpp"
#include "shm_bus/ring_writer.hpp"
#include "shm_bus/segment.hpp"
#include "worker/channel/channel_hub.hpp"

namespace shoal::worker {

// A view of the bridge's cells in its slot's CounterBlock (stats()).
struct BridgeStats {
    std::uint64_t records_out = 0;
    std::uint64_t records_in = 0;
    std::uint64_t refused_out = 0;    // over the ring's maximum record size
    std::uint64_t bad_in = 0;         // undecodable payloads (counted, skipped)
    std::uint64_t lost_in = 0;        // records lost to laps (each costs a snapshot)
    std::uint64_t scratch_bytes = 0;  // copied into the readers' scratch (not placed in frames)
};

class HubBridge final : public channel::BusPort {
  public:
    // Readers start at the current tail of every other ring and of the control ring. The bridge
    // counts into its slot's CounterBlock, continuing what the slot's earlier workers counted.
    HubBridge(bus::Segment& segment, channel::ChannelHub& hub, std::uint32_t slot,
              std::uint64_t epoch);
    HubBridge(const HubBridge&) = delete;
    HubBridge& operator=(const HubBridge&) = delete;

    // Takes the ring over from a killed predecessor (C4); call before anything is written.
    common::Result<void> recover() { return writer_.recover(); }

    // With a cluster bridge in the supervisor, snapshots also wait for its answer (the other
    // hosts' state), and a lap on the control ring asks it to re-announce that state.
    void set_cluster(bool on) noexcept { cluster_ = on; }
    // Called (on the loop) when the supervisor announces a new apps snapshot (AppsChanged).
    void on_apps_changed(void (*fn)(void* ctx), void* ctx) noexcept {
        apps_changed_ = fn;
        apps_changed_ctx_ = ctx;
    }

    // Asks every other live slot for its presence state; awaiting_snapshots() counts the
    // answers still missing.
    void request_snapshots();
    std::size_t awaiting_snapshots() const noexcept { return awaiting_.size(); }
    void stop_waiting() noexcept { awaiting_.clear(); }

    // Drains up to `budget` records from each ring; returns how many were delivered.
    std::size_t poll(std::size_t budget) noexcept;
    // Records are committed unpublished (Publish::Later): this makes every record written since
    // the last call visible with one release store of the ring's tail, and returns true if there
    // were any (the caller then wakes idle readers). The worker calls it at each point of its loop
    // iteration where it wakes readers, and before it detaches from the hub.
    // publish_written() also writes every count that waits. publish_written_at(now) writes
    // at most `burst` count records per window of count_hold_ms: beyond that, counts other than
    // 0 and 1 (which may change a topic's occupancy, and always go) wait for the window's end.
    // A burst of subscribes over many topics then writes a record per topic per window instead
    // of one per subscribe (docs/benchmarks.md: bus pages per connection); a quiet worker's
    // counts never wait.
    bool publish_written() noexcept { return publish_written_at(kFlushAllCounts); }
    bool publish_written_at(std::uint64_t now_ms) noexcept {
        if (pending_used_ > 0) hold_or_flush_counts(now_ms);
        writer_.publish();
        bool w = written_;
        written_ = false;
        return w;
    }
    void hold_counts(std::uint32_t count_hold_ms, std::uint32_t burst) noexcept {
        count_hold_ms_ = count_hold_ms;
        count_burst_ = burst;
    }
    BridgeStats stats() const noexcept;
    bool has_data() const noexcept;

    // channel::BusPort
    void broadcast(std::string_view topic, const channel::Frames& frames,
                   std::string_view exclusion) noexcept override;
    void presence_join(channel::ConnId conn, std::string_view topic, std::string_view user_id,
                       std::string_view info_json) noexcept override;
    void presence_leave(channel::ConnId conn, std::string_view topic,
                        std::string_view user_id) noexcept override;
    void topic_count(std::string_view topic, std::uint32_t subscribers) noexcept override;
    void terminate_user(std::string_view user_id) noexcept override;
    bool directed(std::uint32_t target_slot, channel::ProtocolTag protocol,
                  std::string_view bytes) noexcept override;
    void hook_fact(const channel::HookFact& fact) noexcept override;
    bool sequence(const channel::Event& event, channel::ConnId publisher,
                  std::string_view exclusion) noexcept override;

    // What the RingTagger of each ring calls. A broadcast from a worker ring is copied by the
    // reader straight into a SharedFrame block (place_record), which becomes the frame its
    // local subscribers get: one copy from the ring to the socket, not two.
    std::byte* place_record(std::uint32_t ring, std::int32_t type, std::uint32_t length) noexcept;
    void on_record(std::uint32_t ring, std::int32_t type,
                   std::span<const std::byte> payload) noexcept;
    void on_lost(std::uint32_t ring, std::uint64_t records) noexcept;

  private:
    template <class Record>
    bool write(std::int32_t type, const Record& r) noexcept;
    // Topic counts wait here until the iteration publishes (or another record is written, so
    // records keep their order): a burst of subscribes to one topic then costs one record instead
    // of one each (docs/benchmarks.md: bus pages per connection).
    void flush_counts() noexcept;
    void hold_or_flush_counts(std::uint64_t now_ms) noexcept;
    static constexpr std::uint64_t kFlushAllCounts = ~std::uint64_t{0};
    // with_cache: the answer also carries the cached last events (every worker holds the same
    // ones, so one answerer suffices: see cache_answerer).
    void answer_snapshot(std::uint32_t requester, bool with_cache) noexcept;
    bool cache_answerer(std::uint32_t requester) const noexcept;
    void on_control(std::int32_t type, std::span<const std::byte> payload) noexcept;
    void on_remote(std::span<const std::byte> payload) noexcept;
    void on_sequenced(std::span<const std::byte> payload) noexcept;
    // After a lap on the control ring (worker_downs may be lost): drops every slot's entries of
    // epochs the slot table says are over (their counts too, until the slots answer again).
    void drop_dead_epochs() noexcept;
    void reconcile_remote_hosts(bool begin) noexcept;
    void on_worker_record(std::uint32_t slot, std::int32_t type,
                          std::span<const std::byte> payload) noexcept;
    void on_broadcast(std::span<const std::byte> payload) noexcept;
    // The block the reader copied this payload into, if it placed it (older blocks, of a batch
    // a lap discarded, are dropped on the way).
    net::FrameRef take_placed(std::span<const std::byte> payload) noexcept;

    bus::Segment& segment_;
    channel::ChannelHub& hub_;
    std::uint32_t slot_;
    std::uint64_t epoch_;
    bus::RingWriter writer_;
    std::vector<bus::RingReader> readers_;
    std::vector<bus::RingTagger<HubBridge>> inboxes_;
    std::vector<std::uint32_t> awaiting_;  // slots whose snapshot answer is still missing
    // Blocks placed for the batch being read, in ring order (a fixed ring: no allocation).
    static constexpr std::size_t kMaxPlaced = 256;
    std::array<net::FrameRef, kMaxPlaced> placed_;
    std::size_t placed_head_ = 0;
    std::size_t placed_count_ = 0;
    struct PendingCount {
        std::string topic;
        std::uint32_t subscribers;
    };
    // The first pending_used_ entries are live; the rest keep their string capacity.
    std::vector<PendingCount> pending_counts_;
    std::size_t pending_used_ = 0;
    std::uint32_t count_hold_ms_ = 0;  // 0: counts go at every publish (the default)
    std::uint32_t count_burst_ = 0;
    bool counts_urgent_ = false;  // a pending count is 0 or 1: occupancy may have changed
    std::uint64_t count_window_start_ms_ = 0;
    std::uint64_t count_window_records_ = 0;  // count records written in this window
    common::CounterBlock& counters_;
    std::uint64_t publish_batch_bytes_;  // a batch this large is published at once (see write)
    bool written_ = false;
    bool cluster_ = false;
    bool reconciling_remote_ = false;  // a control-ring lap: remote hosts' state re-asked
    void (*apps_changed_)(void*) = nullptr;
    void* apps_changed_ctx_ = nullptr;
};

}  // namespace shoal::worker
