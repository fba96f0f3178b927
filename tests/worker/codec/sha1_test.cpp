// SPDX-License-Identifier: MIT
// SHA-1 against the FIPS 180 examples and against libcrypto at every length around the block
// and padding boundaries; base64 against RFC 4648.
#include "worker/codec/sha1.hpp"

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>
#include <openssl/sha.h>

using namespace shoal::codec;

namespace {

std::string hex(const Sha1Digest& d) {
    std::string s;
    char b[3];
    for (std::uint8_t x : d) {
        std::snprintf(b, sizeof b, "%02x", x);
        s += b;
    }
    return s;
}

}  // namespace

TEST_CASE("sha1: the FIPS 180 examples", "[worker][codec]") {
    REQUIRE(hex(sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    REQUIRE(hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    REQUIRE(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    REQUIRE(hex(sha1(std::string(1'000'000, 'a'))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha1: equals libcrypto's at every length from 0 to 300 bytes", "[worker][codec]") {
    std::string m;
    for (std::size_t n = 0; n <= 300; ++n) {
        Sha1Digest theirs;
        SHA1(reinterpret_cast<const unsigned char*>(m.data()), m.size(), theirs.data());
        INFO("length " << n);
        REQUIRE(sha1(m) == theirs);
        m.push_back(static_cast<char>(n * 131 + 7));
    }
}

TEST_CASE("sha1: base64 of a digest is RFC 4648 with one '=' of padding", "[worker][codec]") {
    char out[28];
    base64_digest(sha1("abc"), out);
    REQUIRE(std::string(out, 28) == "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    Sha1Digest ones;
    ones.fill(0xff);
    base64_digest(ones, out);
    REQUIRE(std::string(out, 28) == "//////////////////////////8=");
}
