// SPDX-License-Identifier: MIT
// Header: u32 magic "SHC1" | u8 kind | u8[3] zero | u64 host | u32 slot | i32 type, little-endian.
#include "supervisor/cluster/cluster_wire.hpp"

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
    if (kind < 1 || kind > 6) return false;
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

}  // namespace shoal::cluster
