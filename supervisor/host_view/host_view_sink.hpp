// SPDX-License-Identifier: MIT
// The two ways to plug into the host view: a HostViewSink sees every worker record in ring order
// (the cluster relay), a HostObserver sees only host-wide changes (a topic occupied or vacated, a
// user's first or last connection on a presence topic, over all workers). Both are called on the
// supervisor's loop, from HostView::poll(); neither may call back into the view's poll.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::host_view {

class HostViewSink {
  public:
    // A record of local worker `slot`, after the view applied it. `changed` is what a relay
    // forwards: always for Broadcast and TerminateUser (events), for PresenceJoin/Leave and
    // TopicCount only when they changed the host's table (a repeat in a snapshot answer does
    // not), never for the snapshot protocol's own records. Entries a resync removed arrive as
    // synthesized PresenceLeave / TopicCount{0} records with changed == true.
    virtual void on_record(std::uint32_t slot, std::int32_t type,
                           std::span<const std::byte> payload, bool changed) = 0;
    // worker_down(slot, epoch): the slot's entries of that epoch and older are gone.
    virtual void on_slot_down(std::uint32_t slot, std::uint64_t epoch) = 0;
    // `records` were lost to a lap on `ring` (the control ring is ring `slots`); the view
    // resyncs on its own, this is for counting.
    virtual void on_lost(std::uint32_t ring, std::uint64_t records) = 0;
    // The supervisor finished: the view has read the last worker_downs and stops polling.
    virtual void on_stop() = 0;
    // The view lost records on the control ring, where other hosts' state arrives: a sink that
    // renders that state (the cluster bridge) writes it all again, then
    // Remote{kClusterSlot, SnapshotDone{kClusterSlot}}, and returns true.
    virtual bool resend_remote_state() { return false; }

  protected:
    ~HostViewSink() = default;
};

// Two scopes: observe() hears the host's own workers; observe_cluster() hears the cluster (this
// host plus the other hosts the cluster bridge renders on the control ring; without --cluster
// the same as the host).
class HostObserver {
  public:
    // A topic's host-wide subscriber count left 0 / went back to 0.
    virtual void on_occupied(std::string_view topic) = 0;
    virtual void on_vacated(std::string_view topic) = 0;
    // A user's first connection to a presence topic on this host / its last one left (a
    // worker's death counts as leaving). `info` is the first connection's user info (JSON).
    virtual void on_member_added(std::string_view topic, std::string_view user,
                                 std::string_view info) = 0;
    virtual void on_member_removed(std::string_view topic, std::string_view user) = 0;

  protected:
    ~HostObserver() = default;
};

}  // namespace shoal::host_view
