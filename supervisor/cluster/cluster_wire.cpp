// SPDX-License-Identifier: MIT
// Header: u32 magic "SHC1" | u8 kind | u8[3] zero | u64 host | u32 slot | i32 type, little-endian.
#include "supervisor/cluster/cluster_wire.hpp"

#include <cstdio>
#include <cstring>

namespace shoal::cluster {
namespace {

constexpr std::uint32_t kMagic = 0x31434853;  // "SHC1"

template <class T>
void put(std::string& s, T v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    s.append(b, sizeof v);
}

template <class T>
T get(const char* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

std::string encode_wire(WireKind kind, std::uint64_t host, std::uint32_t slot, std::int32_t type,
                        std::span<const std::byte> body) {
    std::string s;
    s.reserve(kWireHeaderBytes + body.size());
    put(s, kMagic);
    put(s, static_cast<std::uint32_t>(kind));
    put(s, host);
    put(s, slot);
    put(s, type);
    s.append(reinterpret_cast<const char*>(body.data()), body.size());
    return s;
}

std::string encode_wire_u64(WireKind kind, std::uint64_t host, std::uint64_t value) {
    std::byte b[sizeof value];
    std::memcpy(b, &value, sizeof value);
    return encode_wire(kind, host, 0, 0, b);
}

bool decode_wire(std::string_view bytes, WireMessage& out) noexcept {
    if (bytes.size() < kWireHeaderBytes) return false;
    const char* p = bytes.data();
    if (get<std::uint32_t>(p) != kMagic) return false;
    const auto kind = get<std::uint32_t>(p + 4);
    if (kind < 1 || kind > 7) return false;
    out.kind = static_cast<WireKind>(kind);
    out.host = get<std::uint64_t>(p + 8);
    out.slot = get<std::uint32_t>(p + 16);
    out.type = get<std::int32_t>(p + 20);
    out.body = std::span<const std::byte>(reinterpret_cast<const std::byte*>(p) + kWireHeaderBytes,
                                          bytes.size() - kWireHeaderBytes);
    return out.host != 0;
}

bool wire_u64(const WireMessage& m, std::uint64_t& out) noexcept {
    if (m.body.size() != sizeof out) return false;
    std::memcpy(&out, m.body.data(), sizeof out);
    return true;
}

bool wire_numbered(const WireMessage& m, std::span<const std::byte>& record, std::uint64_t& epoch,
                   std::uint64_t& offset) noexcept {
    if (m.kind != WireKind::History || m.body.size() < kHistoryTrailerBytes) return false;
    const std::size_t at = m.body.size() - kHistoryTrailerBytes;
    const auto* t = reinterpret_cast<const char*>(m.body.data()) + at;
    epoch = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = t[i];
        int d = 0;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return false;
        epoch = (epoch << 4) | static_cast<std::uint64_t>(d);
    }
    offset = 0;
    for (int i = 16; i < 36; ++i) {
        const char c = t[i];
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (offset > (~std::uint64_t{0} - d) / 10) return false;
        offset = offset * 10 + d;
    }
    record = m.body.first(at);
    return epoch != 0 && offset != 0;
}

std::string hex64(std::uint64_t value) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(value));
    return hex;
}

}  // namespace shoal::cluster
