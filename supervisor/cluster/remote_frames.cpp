// SPDX-License-Identifier: MIT
// Only another host's bytes are checked: local rings are written only by this host's workers,
// which validated every input before encoding it (the transport's UTF-8 check of client text
// frames, the JSON escape scan, the HTTP API's string checks), so re-checking every record in
// every worker would cost the fan-out path a pass per frame for nothing.
#include "supervisor/cluster/remote_frames.hpp"

#include <cstdint>

#include "common/utf8_validator.hpp"
#include "shm_bus/records/bus_records.hpp"

namespace shoal::cluster {

bool valid_remote_frame(std::string_view wire) noexcept {
    if (wire.empty()) return true;
    if (wire.size() < 2) return false;
    const auto b0 = static_cast<std::uint8_t>(wire[0]);
    const auto b1 = static_cast<std::uint8_t>(wire[1]);
    const unsigned opcode = b0 & 0x0F;
    if ((b0 & 0xF0) != 0x80 || (b1 & 0x80) != 0) return false;  // FIN, no RSV, unmasked
    if (opcode != 1 && opcode != 2) return false;               // text or binary only
    std::size_t header = 2;
    std::uint64_t len = b1 & 0x7F;
    if (len >= 126) {
        const std::size_t n = len == 126 ? 2 : 8;
        if (wire.size() < 2 + n) return false;
        len = 0;
        for (std::size_t i = 0; i < n; ++i)
            len = (len << 8) | static_cast<std::uint8_t>(wire[2 + i]);
        header += n;
    }
    if (len != wire.size() - header) return false;
    return opcode != 1 || common::is_valid_utf8(wire.substr(header));
}

bool valid_remote_chunk(std::string_view wire) noexcept {
    if (wire.empty()) return true;
    std::size_t i = 0;
    std::uint64_t len = 0;
    for (; i < wire.size() && i < 16; ++i) {
        const char c = wire[i];
        const int d = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
        if (d < 0) break;
        len = len * 16 + static_cast<unsigned>(d);
    }
    if (i == 0 || len == 0 || wire.substr(i, 2) != "\r\n") return false;
    const std::size_t body = i + 2;
    if (wire.size() - body < 2 || len != wire.size() - body - 2) return false;
    if (wire.substr(wire.size() - 2) != "\r\n") return false;
    return common::is_valid_utf8(wire.substr(body, len));
}

bool valid_remote_broadcast(std::span<const std::byte> payload) noexcept {
    bus::records::Broadcast b;
    if (!bus::records::decode(payload, b)) return false;
    for (const auto& f : b.tagged())
        if (!(f.protocol == kHttpChunkProtocol ? valid_remote_chunk(f.wire)
                                               : valid_remote_frame(f.wire)))
            return false;
    return true;
}

bool valid_remote_history(std::span<const std::byte> record) noexcept {
    bus::records::HistoryPublish p;
    return bus::records::decode(record, p) && common::is_valid_utf8(p.topic) &&
           common::is_valid_utf8(p.name) && common::is_valid_utf8(p.data) &&
           common::is_valid_utf8(p.user_id);
}

}  // namespace shoal::cluster
