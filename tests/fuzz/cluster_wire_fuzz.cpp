// SPDX-License-Identifier: MIT
// fuzz-links: shoal_bus_records shoal_common
// fuzz-sources: supervisor/cluster/cluster_wire.cpp supervisor/cluster/remote_frames.cpp
// fuzz-sources: supervisor/cluster/remote_hosts.cpp supervisor/host_view/member_table.cpp
// Fuzz target: what the Redis relay (supervisor/cluster) does with messages from other hosts:
// decode_wire, the trust check of relayed broadcasts (remote_frames), and RemoteHosts, which
// decodes their presence and count records and renders them as pseudo-slot records for the
// workers. The input is a sequence of messages (u16 length, little-endian, then the bytes), fed
// through the same dispatch as ClusterBridge::on_wire (which needs a Redis link and a bus, so it
// is mirrored here). Oracles: every record RemoteHosts renders decodes as the type it names (the
// workers must never be handed a record they refuse); a broadcast that passes the trust check
// has frames that are whole unmasked server frames (or HTTP chunks) of valid UTF-8 text; a
// numbered history message that passes has a non-zero epoch and offset and a record that decodes.
#include <cstring>
#include <vector>

#include "shm_bus/records/bus_records.hpp"
#include "supervisor/cluster/cluster_wire.hpp"
#include "supervisor/cluster/remote_frames.hpp"
#include "supervisor/cluster/remote_hosts.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shoal;
namespace rec = bus::records;

namespace {

class CheckingSink final : public cluster::ControlSink {
  public:
    void remote(std::uint32_t pseudo_slot, std::int32_t type,
                std::span<const std::byte> payload) override {
        FUZZ_CHECK(pseudo_slot == rec::kClusterSlot ||
                   (pseudo_slot >= rec::kFirstRemoteSlot &&
                    pseudo_slot < rec::kFirstRemoteSlot + rec::kMaxRemoteHosts));
        switch (type) {
            case rec::kPresenceJoin: {
                rec::PresenceJoin j;
                FUZZ_CHECK(rec::decode(payload, j));
                break;
            }
            case rec::kPresenceLeave: {
                rec::PresenceLeave l;
                FUZZ_CHECK(rec::decode(payload, l));
                break;
            }
            case rec::kTopicCount: {
                rec::TopicCount c;
                FUZZ_CHECK(rec::decode(payload, c));
                break;
            }
            case rec::kSnapshotDone: {
                rec::SnapshotDone d;
                FUZZ_CHECK(rec::decode(payload, d));
                break;
            }
            case rec::kBroadcast: {
                FUZZ_CHECK(cluster::valid_remote_broadcast(payload));
                break;
            }
            case rec::kTerminateUser:
                break;  // relayed as the remote worker wrote it; workers decode it themselves
            default:
                FUZZ_CHECK(false);
        }
    }
    void host_down(std::uint32_t pseudo_slot, std::uint64_t) override {
        FUZZ_CHECK(pseudo_slot >= rec::kFirstRemoteSlot &&
                   pseudo_slot < rec::kFirstRemoteSlot + rec::kMaxRemoteHosts);
    }
};

constexpr std::uint64_t kOwnHost = 1;

// ClusterBridge::on_message / on_wire without the link, the logging and the replies.
void on_message(cluster::RemoteHosts& remote, std::string_view payload) {
    cluster::WireMessage m;
    if (!cluster::decode_wire(payload, m)) return;
    FUZZ_CHECK(m.host != 0);
    if (m.kind == cluster::WireKind::History) {
        std::span<const std::byte> record;
        std::uint64_t epoch = 0, offset = 0;
        if (!cluster::wire_numbered(m, record, epoch, offset)) return;
        FUZZ_CHECK(epoch != 0 && offset != 0);
        FUZZ_CHECK(record.size() + cluster::kHistoryTrailerBytes == m.body.size());
        if (cluster::valid_remote_history(record)) {
            rec::HistoryPublish p;
            FUZZ_CHECK(rec::decode(record, p) && !p.topic.empty());
        }
        return;
    }
    if (m.host == kOwnHost) return;
    if (m.kind == cluster::WireKind::Bye) {
        if (remote.knows(m.host)) remote.drop(m.host);
        return;
    }
    bool added = false;
    if (!remote.ensure(m.host, added)) return;
    std::uint64_t v = 0;
    switch (m.kind) {
        case cluster::WireKind::Record:
            if (m.type == rec::kBroadcast && !cluster::valid_remote_broadcast(m.body)) return;
            remote.on_record(m.host, m.slot, m.type, m.body);
            return;
        case cluster::WireKind::SlotDown:
            if (cluster::wire_u64(m, v)) remote.on_slot_down(m.host, m.slot, v);
            return;
        case cluster::WireKind::SnapshotRequest:
            if (cluster::wire_u64(m, v)) remote.answer_snapshot(static_cast<std::uint32_t>(v));
            return;
        case cluster::WireKind::StateBegin:
            remote.begin_reconcile(m.host);
            return;
        case cluster::WireKind::SnapshotDone:
            remote.end_reconcile(m.host);
            return;
        case cluster::WireKind::Bye:
        case cluster::WireKind::History:
            return;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    CheckingSink sink;
    cluster::RemoteHosts remote(sink);
    std::size_t at = 0;
    while (size - at >= 2) {
        const std::size_t len = data[at] | (std::size_t{data[at + 1]} << 8);
        at += 2;
        const std::size_t take = len < size - at ? len : size - at;
        // Each message in a buffer of its own, as hiredis hands them over.
        const std::vector<char> msg(data + at, data + at + take);
        at += take;
        on_message(remote, std::string_view(msg.data(), msg.size()));
    }
    return 0;
}
