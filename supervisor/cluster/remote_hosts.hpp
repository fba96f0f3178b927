// SPDX-License-Identifier: MIT
// RemoteHosts: what this host knows of the other hosts, rendered for its workers. Each remote host
// gets a pseudo-slot (records::kFirstRemoteSlot + i) with an epoch that grows on every reuse, so a
// remote host looks to the workers like one more bus slot: its members join and leave under that
// slot, its topic counts are that slot's, and its death is a worker_down of that slot, which
// every worker already turns into member_removed once per user. Pure: it writes through a sink.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "shm_bus/records/bus_records.hpp"
#include "supervisor/host_view/member_table.hpp"

namespace shoal::cluster {

// The table of one host is the host view's type: this host's own is the host view's instance.
using host_view::kEverySlot;
using host_view::MemberKey;
using host_view::MemberTable;

// Where rendered records go: the control ring (cluster_bridge.cpp) or a test's list.
class ControlSink {
  public:
    virtual void remote(std::uint32_t pseudo_slot, std::int32_t type,
                        std::span<const std::byte> payload) = 0;
    virtual void host_down(std::uint32_t pseudo_slot, std::uint64_t epoch) = 0;

  protected:
    ~ControlSink() = default;
};

class RemoteHosts {
  public:
    explicit RemoteHosts(ControlSink& sink) : sink_(sink) {}

    // The host's pseudo-slot, allocating one for a new host (`added`); false when all
    // kMaxRemoteHosts pseudo-slots are taken (the host is then ignored, and logged by the caller).
    bool ensure(std::uint64_t host, bool& added);
    bool knows(std::uint64_t host) const noexcept { return hosts_.contains(host); }

    // A worker record of `slot` on `host` (Broadcast, PresenceJoin/Leave, TopicCount,
    // TerminateUser); false when it could not be decoded.
    bool on_record(std::uint64_t host, std::uint32_t slot, std::int32_t type,
                   std::span<const std::byte> payload);
    // A remote worker died: its members leave, its counts go.
    void on_slot_down(std::uint64_t host, std::uint32_t slot, std::uint64_t epoch);
    // A remote host died or left: one worker_down of its pseudo-slot; returns its member count.
    std::size_t drop(std::uint64_t host);

    // A host announces its full state (StateBegin ... SnapshotDone): its entries that the
    // announcement does not repeat are removed at end_reconcile(host).
    void begin_reconcile(std::uint64_t host);
    void end_reconcile(std::uint64_t host);

    // A local worker asked for the cluster's state: every member and count, then
    // Remote{kClusterSlot, SnapshotDone{requester}}.
    void answer_snapshot(std::uint32_t requester);

    std::vector<std::uint64_t> hosts() const;
    std::size_t member_count(std::uint64_t host) const noexcept;

  private:
    struct Host {
        std::uint32_t pseudo = 0;
        std::uint64_t epoch = 0;
        MemberTable table;
        std::map<std::string, std::uint32_t, std::less<>> totals;  // topic -> host-wide count
    };

    void render_join(const Host& h, const MemberKey& k, std::string_view info);
    void render_leave(const Host& h, const MemberKey& k);
    void render_count(Host& h, std::string_view topic, std::int64_t delta);
    template <class Record>
    void emit(const Host& h, std::int32_t type, const Record& r);

    ControlSink& sink_;
    std::map<std::uint64_t, Host> hosts_;
    std::array<std::uint64_t, bus::records::kMaxRemoteHosts> pseudo_epoch_{};
    std::array<bool, bus::records::kMaxRemoteHosts> used_{};
    std::vector<std::byte> scratch_;
};

// The connection id a remote connection gets on this host's replicas: unique among the remote
// host's live connections (origin slot, epoch and the connection's table index and generation).
std::uint64_t mapped_conn(const MemberKey& k) noexcept;

}  // namespace shoal::cluster
