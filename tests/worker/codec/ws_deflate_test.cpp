// SPDX-License-Identifier: MIT
// permessage-deflate's compression against zlib itself: what we compress inflates with plain
// zlib (tail added back), what zlib compresses inflates with ours, and the limits hold.
#include "worker/codec/ws_deflate.hpp"

#include <zlib.h>

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace shoal::codec;

namespace {

// A raw deflate stream as a client sends it: sync flush, the 4-byte tail cut off.
std::string client_compress(const std::string& text, int level = Z_DEFAULT_COMPRESSION) {
    z_stream z{};
    deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::string out(text.size() + text.size() / 8 + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_SYNC_FLUSH);
    out.resize(out.size() - z.avail_out - 4);
    deflateEnd(&z);
    return out;
}

// What a client's inflater does with a server message (context kept across calls).
struct ClientInflater {
    z_stream z{};
    ClientInflater() { inflateInit2(&z, -15); }
    ~ClientInflater() { inflateEnd(&z); }
    std::string inflate(std::string data) {
        data.append("\x00\x00\xff\xff", 4);
        std::string out(1 << 20, '\0');
        z.next_in = reinterpret_cast<Bytef*>(data.data());
        z.avail_in = static_cast<uInt>(data.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        REQUIRE(::inflate(&z, Z_SYNC_FLUSH) == Z_OK);
        out.resize(out.size() - z.avail_out);
        return out;
    }
};

std::string json_event(int i) {
    return R"({"event":"price","channel":"ticker","data":"{\"symbol\":\"ABC\",\"seq\":)" +
           std::to_string(i) + R"(,\"bid\":101.25,\"ask\":101.5}"})";
}

}  // namespace

TEST_CASE("MessageDeflater: without context every message inflates on its own",
          "[worker][codec][deflate]") {
    MessageDeflater d(15, 8, true);
    REQUIRE(d.ok());
    for (int i = 0; i < 3; ++i) {
        const std::string msg = json_event(i) + std::string(200, 'x');
        std::vector<char> out(MessageDeflater::bound(msg.size()));
        const std::size_t n = d.compress(msg, out.data());
        REQUIRE(n > 0);
        CHECK(n < msg.size());
        ClientInflater fresh;  // a new inflater each time: no context needed
        CHECK(fresh.inflate(std::string(out.data(), n)) == msg);
    }
}

TEST_CASE("MessageDeflater: with context later messages shrink and need the earlier ones",
          "[worker][codec][deflate]") {
    MessageDeflater d(15, 8, false);
    ClientInflater client;
    std::size_t first = 0, later = 0;
    for (int i = 0; i < 5; ++i) {
        const std::string msg = json_event(i);
        std::vector<char> out(MessageDeflater::bound(msg.size()));
        const std::size_t n = d.compress(msg, out.data());
        REQUIRE(n > 0);
        CHECK(client.inflate(std::string(out.data(), n)) == msg);
        (i == 0 ? first : later) = n;
    }
    CHECK(later < first / 2);
}

TEST_CASE("MessageDeflater: zlib memory is 2^(bits+3) plus its state, as docs/tls.md says",
          "[worker][codec][deflate]") {
    for (int bits = 9; bits <= 15; ++bits) {
        MessageDeflater d(bits, bits - 7, false);
        REQUIRE(d.ok());
        INFO("window bits " << bits << ": " << d.memory_bytes() << " bytes");
        CHECK(d.memory_bytes() >= (std::size_t{1} << (bits + 3)));
        CHECK(d.memory_bytes() <= (std::size_t{1} << (bits + 3)) + 8 * 1024);
    }
}

TEST_CASE("MessageInflater: a client's message inflates; the inflater carries no context",
          "[worker][codec][deflate]") {
    MessageInflater in;
    REQUIRE(in.ok());
    std::string out(4096, '\0');
    for (int i = 0; i < 3; ++i) {
        const std::string msg = json_event(i);
        std::size_t n = 0;
        REQUIRE(in.inflate(client_compress(msg), out.data(), out.size() - 1, n) ==
                InflateStatus::Ok);
        CHECK(std::string(out.data(), n) == msg);
    }
    // Exactly the limit is allowed.
    std::size_t n = 0;
    const std::string exact(1000, 'e');
    CHECK(in.inflate(client_compress(exact), out.data(), 1000, n) == InflateStatus::Ok);
    CHECK(n == 1000);
    // A stream that ends with a final block (BFINAL) is complete without the tail.
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::string fin(64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>("final"));
    z.avail_in = 5;
    z.next_out = reinterpret_cast<Bytef*>(fin.data());
    z.avail_out = 64;
    deflate(&z, Z_FINISH);
    fin.resize(64 - z.avail_out);
    deflateEnd(&z);
    CHECK(in.inflate(fin, out.data(), 100, n) == InflateStatus::Ok);
    CHECK(std::string(out.data(), n) == "final");
}

TEST_CASE("MessageInflater: a bomb stops at the limit; garbage is corrupt; both leave it usable",
          "[worker][codec][deflate]") {
    MessageInflater in;
    const std::string bomb = client_compress(std::string(10 << 20, '\0'), 9);
    CHECK(bomb.size() < 20'000);
    std::string out(64 * 1024 + 1, '\0');
    std::size_t n = 0;
    CHECK(in.inflate(bomb, out.data(), 64 * 1024, n) == InflateStatus::TooBig);
    CHECK(in.inflate(std::string(1, '\0') + "\xff\xff\xff garbage", out.data(), 1024, n) ==
          InflateStatus::Corrupt);
    CHECK(in.inflate(client_compress("after"), out.data(), 1024, n) == InflateStatus::Ok);
    CHECK(std::string(out.data(), n) == "after");
    CHECK(in.memory_bytes() <= 48 * 1024);  // one 32 KiB window and zlib's state, per worker
}
