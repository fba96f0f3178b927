// SPDX-License-Identifier: MIT
// test-labels: unit worker net deflate
// test-timeout: 90
// permessage-deflate on a real server over raw sockets: what the 101 agrees to in each mode,
// compressed frames both ways (checked against zlib), and each limit's close code.
#include <zlib.h>

#include <string>

#include <catch2/catch.hpp>

#include "tests/worker/net/raw_client.hpp"
#include "tests/worker/net/server_fixture.hpp"

using namespace shoal;
using codec::WsOpcode;
using test::RawClient;

namespace {

const std::string kOffer =
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

common::Config deflate_config(common::Compression mode) {
    common::Config c = test::test_config();
    c.compression.mode = mode;
    c.compression.threshold_bytes = 100;
    c.limits.max_message_bytes = 16 * 1024;
    return c;
}

// A client-side zlib pair: messages compressed as a browser does (no context, as the server
// asks), server messages inflated with context when the server keeps it.
struct ClientZlib {
    z_stream in{}, out{};
    explicit ClientZlib(int level = Z_DEFAULT_COMPRESSION) {
        inflateInit2(&in, -15);
        deflateInit2(&out, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    }
    ~ClientZlib() {
        inflateEnd(&in);
        deflateEnd(&out);
    }
    std::string inflate(std::string data) {
        data.append("\x00\x00\xff\xff", 4);
        std::string result(1 << 20, '\0');
        in.next_in = reinterpret_cast<Bytef*>(data.data());
        in.avail_in = static_cast<uInt>(data.size());
        in.next_out = reinterpret_cast<Bytef*>(result.data());
        in.avail_out = static_cast<uInt>(result.size());
        if (::inflate(&in, Z_SYNC_FLUSH) != Z_OK) return "<inflate failed>";
        result.resize(result.size() - in.avail_out);
        return result;
    }
    std::string compress(const std::string& text) {
        deflateReset(&out);
        std::string result(text.size() + text.size() / 8 + 64, '\0');
        out.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        out.avail_in = static_cast<uInt>(text.size());
        out.next_out = reinterpret_cast<Bytef*>(result.data());
        out.avail_out = static_cast<uInt>(result.size());
        ::deflate(&out, Z_SYNC_FLUSH);
        result.resize(result.size() - out.avail_out - 4);
        return result;
    }
};

std::string header_value(const std::string& response, const std::string& name) {
    const std::size_t at = response.find(name + ": ");
    if (at == std::string::npos) return "";
    const std::size_t from = at + name.size() + 2;
    return response.substr(from, response.find("\r\n", from) - from);
}

}  // namespace

TEST_CASE("deflate: shared mode agrees without context and sends one shared compressed frame",
          "[worker][net][deflate]") {
    test::ServerThread srv(deflate_config(common::Compression::Shared));
    RawClient c(srv.port());
    REQUIRE(c.upgrade("/x", "13", kOffer));
    CHECK(header_value(c.last_response, "Sec-WebSocket-Extensions") ==
          "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    ClientZlib z;
    // One SharedFrame sent three times: the same compressed bytes each time.
    REQUIRE(c.send_frame(WsOpcode::Text, "flood 3 2000"));
    std::string first;
    for (int i = 0; i < 3; ++i) {
        const test::Frame f = c.read_frame();
        REQUIRE(f.op == 1);
        REQUIRE(f.rsv1);
        CHECK(f.payload.size() < 100);
        if (i == 0) first = f.payload;
        CHECK(f.payload == first);
        ClientZlib fresh;  // no context: each frame inflates alone
        CHECK(fresh.inflate(f.payload) == std::string(2000, 'f'));
    }
    // Under the threshold: sent as it is.
    REQUIRE(c.send_frame(WsOpcode::Text, "short"));
    test::Frame f = c.read_frame();
    CHECK_FALSE(f.rsv1);
    CHECK(f.payload == "short");
    // A compressed client message is inflated for the handler (the echo comes back compressed).
    const std::string text = R"({"event":"client-typing","data":")" + std::string(300, 'y') + "\"}";
    REQUIRE(c.send_frame(WsOpcode::Text, z.compress(text), true, 4));
    f = c.read_frame();
    REQUIRE(f.rsv1);
    CHECK(z.inflate(f.payload) == text);
    // Fragmented: RSV1 on the first frame only.
    const std::string packed = z.compress(text);
    REQUIRE(c.send_frame(WsOpcode::Text, packed.substr(0, 10), false, 4));
    REQUIRE(c.send_frame(WsOpcode::Continuation, packed.substr(10), true));
    CHECK(z.inflate(c.read_frame().payload) == text);
}

TEST_CASE("deflate: dedicated mode keeps the connection's context", "[worker][net][deflate]") {
    test::ServerThread srv(deflate_config(common::Compression::Dedicated));
    RawClient c(srv.port());
    REQUIRE(c.upgrade("/x", "13", kOffer));
    CHECK(header_value(c.last_response, "Sec-WebSocket-Extensions") ==
          "permessage-deflate; client_no_context_takeover");
    ClientZlib z;  // one inflater for the connection: the server's window carries over
    const std::string text =
        R"({"event":"quote","data":"ABC 101.25 101.50 )" + std::string(200, 'q') + "\"}";
    std::size_t first = 0;
    for (int i = 0; i < 3; ++i) {
        REQUIRE(c.send_frame(WsOpcode::Text, text));
        const test::Frame f = c.read_frame();
        REQUIRE(f.rsv1);
        CHECK(z.inflate(f.payload) == text);
        if (i == 0) first = f.payload.size();
        if (i > 0) CHECK(f.payload.size() < first / 4);
    }
}

TEST_CASE("deflate: off, or no offer, leaves frames as they were", "[worker][net][deflate]") {
    test::ServerThread off(deflate_config(common::Compression::Off));
    RawClient a(off.port());
    REQUIRE(a.upgrade("/x", "13", kOffer));
    CHECK(header_value(a.last_response, "Sec-WebSocket-Extensions").empty());
    REQUIRE(a.send_frame(WsOpcode::Text, "flood 1 2000"));
    CHECK_FALSE(a.read_frame().rsv1);
    REQUIRE(a.send_frame(WsOpcode::Text, "x", true, 4));  // RSV1 without agreement
    CHECK(a.read_until_close() == 1002);

    test::ServerThread on(deflate_config(common::Compression::Shared));
    RawClient b(on.port());
    REQUIRE(b.upgrade("/x"));
    CHECK(header_value(b.last_response, "Sec-WebSocket-Extensions").empty());
    REQUIRE(b.send_frame(WsOpcode::Text, "flood 1 2000"));
    CHECK_FALSE(b.read_frame().rsv1);
}

TEST_CASE("deflate: a bomb gets 1009, corrupt data 1007, bad UTF-8 inside 1007",
          "[worker][net][deflate]") {
    test::ServerThread srv(deflate_config(common::Compression::Shared));
    ClientZlib z(9);
    SECTION("10 MiB of zeros in 10 KiB") {
        const std::string bomb = z.compress(std::string(10 << 20, '\0'));
        REQUIRE(bomb.size() < 16 * 1024);  // under the message limit while compressed
        RawClient c(srv.port());
        REQUIRE(c.upgrade("/x", "13", kOffer));
        REQUIRE(c.send_frame(WsOpcode::Binary, bomb, true, 4));
        CHECK(c.read_until_close() == 1009);
        CHECK(c.wait_eof());
    }
    SECTION("just over the limit") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade("/x", "13", kOffer));
        REQUIRE(c.send_frame(WsOpcode::Text, z.compress(std::string(16 * 1024 + 1, 'a')), true, 4));
        CHECK(c.read_until_close() == 1009);
    }
    SECTION("not deflate data") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade("/x", "13", kOffer));
        REQUIRE(c.send_frame(WsOpcode::Text, "\xff\xff\xff\xff not deflate", true, 4));
        CHECK(c.read_until_close() == 1007);
    }
    SECTION("invalid UTF-8 once inflated") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade("/x", "13", kOffer));
        REQUIRE(c.send_frame(WsOpcode::Text, z.compress("ok \xc3\x28 not"), true, 4));
        CHECK(c.read_until_close() == 1007);
    }
    // The server serves on.
    RawClient after(srv.port());
    REQUIRE(after.upgrade("/x", "13", kOffer));
    REQUIRE(after.send_frame(WsOpcode::Text, "hi"));
    CHECK(after.read_frame().payload == "hi");
}
