// SPDX-License-Identifier: MIT
// Straight from FIPS 180-4 section 6.1: 64-byte blocks, 80 rounds, big-endian words.
#include "worker/codec/sha1.hpp"

#include <cstring>

namespace shoal::codec {
namespace {

constexpr std::uint32_t rotl(std::uint32_t x, int n) noexcept {
    return (x << n) | (x >> (32 - n));
}

void compress(std::uint32_t (&h)[5], const std::uint8_t* block) noexcept {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i)
        w[i] = (std::uint32_t{block[4 * i]} << 24) | (std::uint32_t{block[4 * i + 1]} << 16) |
               (std::uint32_t{block[4 * i + 2]} << 8) | std::uint32_t{block[4 * i + 3]};
    for (int i = 16; i < 80; ++i)
        w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
        std::uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

}  // namespace

Sha1Digest sha1(std::string_view message) noexcept {
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const auto* p = reinterpret_cast<const std::uint8_t*>(message.data());
    std::size_t n = message.size();
    for (; n >= 64; n -= 64, p += 64)
        compress(h, p);
    // The tail, the 0x80 marker and the bit length fill one block, or two past 55 bytes.
    std::uint8_t tail[128] = {};
    if (n > 0) std::memcpy(tail, p, n);
    tail[n] = 0x80;
    const std::size_t blocks = n < 56 ? 1 : 2;
    const std::uint64_t bits = static_cast<std::uint64_t>(message.size()) * 8;
    for (int i = 0; i < 8; ++i)
        tail[blocks * 64 - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
    for (std::size_t b = 0; b < blocks; ++b)
        compress(h, tail + 64 * b);
    Sha1Digest out;
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 4; ++j)
            out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
    return out;
}

void base64_digest(const Sha1Digest& d, char (&out)[28]) noexcept {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t o = 0;
    for (std::size_t i = 0; i < d.size(); i += 3) {
        const std::uint32_t b0 = d[i];
        const std::uint32_t b1 = i + 1 < d.size() ? d[i + 1] : 0;
        const std::uint32_t b2 = i + 2 < d.size() ? d[i + 2] : 0;
        const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
        out[o++] = kAlphabet[(v >> 18) & 63];
        out[o++] = kAlphabet[(v >> 12) & 63];
        out[o++] = i + 1 < d.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < d.size() ? kAlphabet[v & 63] : '=';
    }
}

}  // namespace shoal::codec
