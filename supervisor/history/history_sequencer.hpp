// SPDX-License-Identifier: MIT
// HistorySequencer: the host's one sequencer of channel history (docs/history.md). It owns the
// history region ("<bus>-history": created with a fresh random epoch after the bus, removed at
// exit) and, as a sink of the host view, turns every HistoryPublish a worker writes into the
// channel's next offset in the region and a Sequenced record on the control ring, which every
// worker delivers. Only the supervisor writes the region (H1), and it runs no client code. In a
// cluster it submits each publish to the cluster's order (the Redis bridge) instead and stores
// what comes back numbered, from every host; while Redis is out of reach it numbers locally
// under an epoch of its own per outage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "shm_bus/history_segment.hpp"
#include "shm_bus/records/bus_records.hpp"
#include "supervisor/bus_control.hpp"
#include "supervisor/history/history_order.hpp"
#include "supervisor/host_view/host_view.hpp"
#include "supervisor/host_view/host_view_sink.hpp"

namespace shoal::sup {

struct SequencerCounters {
    std::uint64_t sequenced = 0;  // events given an offset (here or by the cluster)
    std::uint64_t submitted = 0;  // sent to the cluster to be numbered
    std::uint64_t outage = 0;     // numbered here under an outage epoch (cluster unreachable)
    std::uint64_t unkept = 0;     // refused by the store (too large, index full): no position
    std::uint64_t lost = 0;       // could not be written on the control ring
    std::uint64_t bad = 0;        // undecodable HistoryPublish records
};

class HistorySequencer final : public host_view::HostViewSink, public HistoryNumbering {
  public:
    // The caller holds the bus lock (a stale region of a dead supervisor is removed under it).
    // `fast`: some app keeps history, so the view polls at 1 ms (the latency a history publish
    // adds); otherwise at the view's idle period.
    static common::Result<std::unique_ptr<HistorySequencer>> start(host_view::HostView& view,
                                                                   BusControl& bus,
                                                                   const bus::HistoryConfig& config,
                                                                   bool fast);
    ~HistorySequencer();
    HistorySequencer(const HistorySequencer&) = delete;
    HistorySequencer& operator=(const HistorySequencer&) = delete;

    std::uint64_t epoch() const noexcept { return segment_.reader().epoch(); }
    const SequencerCounters& counters() const noexcept { return counters_; }
    // From now on publishes are numbered by `order` (null: locally again).
    void use_cluster(HistoryOrder* order) noexcept { order_ = order; }
    // The epoch of the current outage (0: none): local numbering while the cluster is away.
    std::uint64_t outage_epoch() const noexcept { return outage_epoch_; }

    // HistoryNumbering
    void numbered(std::uint32_t slot, std::uint64_t epoch, std::uint64_t offset,
                  std::span<const std::byte> record) override;
    void unnumbered(std::uint32_t slot, std::span<const std::byte> record) override;

    // host_view::HostViewSink
    void on_record(std::uint32_t slot, std::int32_t type, std::span<const std::byte> payload,
                   bool changed) override;
    void on_slot_down(std::uint32_t, std::uint64_t) override {}
    void on_lost(std::uint32_t, std::uint64_t) override {}
    void on_stop() override {}

  private:
    HistorySequencer(host_view::HostView& view, BusControl& bus, bus::HistorySegment segment,
                     std::string name);
    // Appends (epoch/offset 0: the next local ones) and announces on the control ring.
    void sequence(std::uint32_t slot, const bus::records::HistoryPublish& event,
                  std::uint64_t epoch, std::uint64_t offset);
    void number_locally(std::uint32_t slot, const bus::records::HistoryPublish& event);

    host_view::HostView& view_;
    BusControl& bus_;
    bus::HistorySegment segment_;
    std::string name_;
    HistoryOrder* order_ = nullptr;
    std::uint64_t outage_epoch_ = 0;
    std::vector<std::byte> out_;
    SequencerCounters counters_;
};

}  // namespace shoal::sup
