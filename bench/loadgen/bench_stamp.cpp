// SPDX-License-Identifier: MIT
// Stamp writing and finding, fixed-width hex so both directions are branch-light.
#include "bench/loadgen/bench_stamp.hpp"

#include <string.h>  // memmem (GNU)

#include <algorithm>
#include <cstring>

namespace shoal::loadgen {
namespace {

void put_hex16(char* out, std::uint64_t v) noexcept {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        out[i] = kDigits[v & 0xF];
        v >>= 4;
    }
}

bool get_hex16(const char* in, std::uint64_t& v) noexcept {
    v = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = in[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = static_cast<unsigned>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = static_cast<unsigned>(c - 'a' + 10);
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    return true;
}

}  // namespace

void restamp(char* data, Stamp stamp) noexcept {
    std::memcpy(data, kStampMarker.data(), kStampMarker.size());
    put_hex16(data + 4, stamp.seq);
    data[20] = ':';
    put_hex16(data + 21, stamp.send_ns);
    data[37] = ':';
}

std::string make_stamped_data(std::size_t payload_bytes, Stamp stamp) {
    std::string data(std::max(payload_bytes, kStampBytes), 'x');
    restamp(data.data(), stamp);
    return data;
}

bool find_stamp(std::string_view bytes, Stamp& stamp) noexcept {
    const void* hit = memmem(bytes.data(), bytes.size(), kStampMarker.data(), kStampMarker.size());
    if (hit == nullptr) return false;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
    if (bytes.size() - at < kStampBytes) return false;
    const char* s = bytes.data() + at;
    return s[20] == ':' && s[37] == ':' && get_hex16(s + 4, stamp.seq) &&
           get_hex16(s + 21, stamp.send_ns);
}

}  // namespace shoal::loadgen
