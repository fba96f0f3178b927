// SPDX-License-Identifier: MIT
// The seam between the host's history sequencer and a cluster that numbers history events for
// every host (docs/history.md, "Cluster"). The cluster bridge implements HistoryOrder; the
// sequencer implements HistoryNumbering. One host alone uses neither and numbers locally.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::sup {

class HistoryNumbering {
  public:
    // The cluster numbered a HistoryPublish record (`record`, its bytes): `slot` is the local
    // publisher's, or records::kClusterSlot for another host's. Every host receives each
    // numbered event once, in the channel's order.
    virtual void numbered(std::uint32_t slot, std::uint64_t epoch, std::uint64_t offset,
                          std::span<const std::byte> record) = 0;
    // A submitted record the cluster could not number (the link dropped before the answer, or
    // Redis refused the script): this host numbers it locally.
    virtual void unnumbered(std::uint32_t slot, std::span<const std::byte> record) = 0;

  protected:
    ~HistoryNumbering() = default;
};

class HistoryOrder {
  public:
    // Asks the cluster to number `record` (a HistoryPublish of `topic` from local `slot`). True:
    // the answer comes through HistoryNumbering, numbered() or unnumbered(), exactly once. False:
    // not sent (the link is down or saturated); the caller numbers it locally.
    virtual bool submit(std::uint32_t slot, std::string_view topic,
                        std::span<const std::byte> record) = 0;

  protected:
    ~HistoryOrder() = default;
};

}  // namespace shoal::sup
