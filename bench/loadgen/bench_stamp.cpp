// SPDX-License-Identifier: MIT
// Stamp writing and finding, fixed-width hex so both directions are branch-light.
#include "bench/loadgen/bench_stamp.hpp"

#include <string.h>  // memmem (GNU)

#include <algorithm>
#include <cstdio>
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

std::string make_stamped_data(std::size_t payload_bytes, Stamp stamp, PayloadFill fill) {
    std::string data(std::max(payload_bytes, kStampBytes), 'x');
    if (fill == PayloadFill::Json) {
        // Quotes arrive escaped: the publisher inserts the data into its JSON body as it is.
        std::string json = "[";
        std::uint64_t rng = 0x9E3779B97F4A7C15ull;
        auto next = [&rng](std::uint64_t mod) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            return (rng >> 33) % mod;
        };
        static constexpr const char* kSymbols[] = {"ABC", "XYZW", "QRS", "LMNOP", "EFG"};
        for (int i = 0; json.size() < data.size(); ++i) {
            char item[200];
            std::snprintf(item, sizeof item,
                          R"(%s{\"id\":%d,\"sym\":\"%s\",\"bid\":%llu.%02llu,)"
                          R"(\"ask\":%llu.%02llu,\"qty\":%llu,\"side\":\"%s\",\"ts\":17000%08llu})",
                          i ? "," : "", i, kSymbols[next(5)],
                          static_cast<unsigned long long>(90 + next(20)),
                          static_cast<unsigned long long>(next(100)),
                          static_cast<unsigned long long>(90 + next(20)),
                          static_cast<unsigned long long>(next(100)),
                          static_cast<unsigned long long>(next(5000)), next(2) ? "buy" : "sell",
                          static_cast<unsigned long long>(next(100'000'000)));
            json += item;
        }
        // data is at least kStampBytes long (max above); json at least as long as data.
        json.copy(data.data() + kStampBytes, data.size() - kStampBytes);
        // Never end on half an escape.
        std::size_t slashes = 0;
        for (std::size_t i = data.size(); i > kStampBytes && data[i - 1] == '\\'; --i)
            ++slashes;
        if (slashes % 2 == 1) data.back() = 'x';
    }
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
