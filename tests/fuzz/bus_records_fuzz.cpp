// SPDX-License-Identifier: MIT
// fuzz-links: shoal_bus_records
// Fuzz target: the bus record decoders (shm_bus/records), which read payloads copied out of a
// shared ring or relayed from another host and trust no length in them. The first byte picks
// the record type; a Remote record's inner payload is decoded as the type it names, as a worker
// does with the control ring's Remote records. Oracle: whatever decodes re-encodes to exactly
// the same bytes (every byte is accounted for: the format has one encoding per record), and
// every view lies inside the input.
#include <cstring>
#include <span>
#include <vector>

#include "shm_bus/records/bus_records.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shoal::bus;

namespace {

std::span<const std::byte> in_bounds;

void check_view(std::string_view v) {
    if (v.empty()) return;
    const auto* lo = reinterpret_cast<const char*>(in_bounds.data());
    FUZZ_CHECK(v.data() >= lo && v.data() + v.size() <= lo + in_bounds.size());
}

template <class Record>
bool round_trips(std::span<const std::byte> in) {
    Record r;
    if (!records::decode(in, r)) return false;
    FUZZ_CHECK(records::size(r) == in.size());
    std::vector<std::byte> out(records::size(r));
    records::encode(r, out);
    FUZZ_CHECK(in.empty() || std::memcmp(out.data(), in.data(), in.size()) == 0);
    return true;
}

void decode_as(std::int32_t type, std::span<const std::byte> in, int depth) {
    switch (type) {
        case records::kBroadcast: {
            records::Broadcast b;
            if (!records::decode(in, b)) return;
            check_view(b.topic);
            check_view(b.exclude_socket_id);
            FUZZ_CHECK(b.frame_count <= records::kMaxFrames);
            for (const auto& f : b.tagged()) {
                FUZZ_CHECK(f.protocol < records::kMaxFrames);
                check_view(f.wire);
            }
            round_trips<records::Broadcast>(in);
            return;
        }
        case records::kPresenceJoin:
            round_trips<records::PresenceJoin>(in);
            return;
        case records::kPresenceLeave:
            round_trips<records::PresenceLeave>(in);
            return;
        case records::kSnapshotRequest:
            round_trips<records::SnapshotRequest>(in);
            return;
        case records::kSnapshotDone:
            round_trips<records::SnapshotDone>(in);
            return;
        case records::kTerminateUser:
            round_trips<records::TerminateUser>(in);
            return;
        case records::kTopicCount:
            round_trips<records::TopicCount>(in);
            return;
        case records::kCachedEvent: {
            records::CachedEvent c;
            if (records::decode(in, c)) FUZZ_CHECK(c.protocol < records::kMaxFrames);
            round_trips<records::CachedEvent>(in);
            return;
        }
        case records::kDirected:
            round_trips<records::Directed>(in);
            return;
        case records::kRemote: {
            records::Remote r;
            if (!records::decode(in, r)) return;
            round_trips<records::Remote>(in);
            if (depth == 0) decode_as(r.type, r.inner, 1);  // workers unwrap one level only
            return;
        }
        default:
            return;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static constexpr std::int32_t kTypes[] = {records::kBroadcast,     records::kPresenceJoin,
                                              records::kPresenceLeave, records::kSnapshotRequest,
                                              records::kSnapshotDone,  records::kTerminateUser,
                                              records::kTopicCount,    records::kRemote,
                                              records::kCachedEvent,   records::kDirected};
    const std::int32_t type = kTypes[data[0] % std::size(kTypes)];
    const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
    in_bounds = in;
    decode_as(type, in, 0);
    return 0;
}
