// SPDX-License-Identifier: MIT
// test-labels: unit supervisor cluster
// test-links: shoal_supervisor
// Frames from other hosts: a broadcast whose frame is malformed or whose text is not UTF-8 is
// refused at the bridge, so no worker of this host writes it to a socket.
#include "supervisor/cluster/remote_frames.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "shm_bus/records/bus_records.hpp"

using namespace shoal;
using shoal::cluster::valid_remote_chunk;
using shoal::cluster::valid_remote_broadcast;
using shoal::cluster::valid_remote_frame;

namespace {

std::string server_frame(unsigned opcode, const std::string& payload) {
    std::string f(1, static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
        f.push_back(static_cast<char>(payload.size()));
    } else {
        f.push_back(126);
        f.push_back(static_cast<char>(payload.size() >> 8));
        f.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    return f + payload;
}

std::vector<std::byte> broadcast(const std::vector<std::string>& frames) {
    bus::records::Broadcast b;
    b.topic = "news";
    std::uint8_t tag = 0;
    for (const auto& f : frames)
        b.add(tag++, f);
    std::vector<std::byte> out(bus::records::size(b));
    bus::records::encode(b, out);
    return out;
}

}  // namespace

TEST_CASE("remote frames: text must be UTF-8, and the frame whole", "[supervisor][cluster]") {
    CHECK(valid_remote_frame(""));
    CHECK(valid_remote_frame(server_frame(1, R"({"event":"e","data":"h\u00e9"})")));
    CHECK(valid_remote_frame(server_frame(1, "caf\xC3\xA9 " + std::string(300, 'x'))));
    CHECK(valid_remote_frame(server_frame(2, "\xff\xfe")));  // binary: any bytes
    CHECK_FALSE(valid_remote_frame(server_frame(1, "bad \xff\xfe")));
    CHECK_FALSE(valid_remote_frame(server_frame(1, "\xED\xB0\x80")));  // a decoded lone surrogate
    CHECK_FALSE(valid_remote_frame(server_frame(1, std::string(300, 'x') + "\xC3")));
    std::string f = server_frame(1, "hello");
    CHECK_FALSE(valid_remote_frame(f.substr(0, f.size() - 1)));  // length disagrees
    CHECK_FALSE(valid_remote_frame(f + "x"));
    CHECK_FALSE(valid_remote_frame(server_frame(9, "")));  // a ping is no broadcast
    f[0] = 0x01;                                           // not final
    CHECK_FALSE(valid_remote_frame(f));
    CHECK_FALSE(valid_remote_frame("\x81"));
}

TEST_CASE("remote frames: one bad frame refuses the whole broadcast", "[supervisor][cluster]") {
    const std::string good = server_frame(1, R"({"event":"e"})");
    CHECK(valid_remote_broadcast(broadcast({good, good})));
    CHECK_FALSE(valid_remote_broadcast(broadcast({good, server_frame(1, "\xff\xfe")})));
    auto bytes = broadcast({good});
    bytes.resize(bytes.size() - 3);
    CHECK_FALSE(valid_remote_broadcast(bytes));
}

TEST_CASE("remote frames: the SSE tag carries one HTTP chunk of UTF-8", "[supervisor][cluster]") {
    const std::string good = server_frame(1, R"({"event":"e"})");
    const std::string chunk = "d\r\nid: 1\ndata: x\r\n";
    CHECK(valid_remote_chunk(chunk));
    CHECK(valid_remote_chunk(""));
    CHECK(valid_remote_broadcast(broadcast({good, good, chunk})));
    CHECK_FALSE(valid_remote_broadcast(broadcast({good, good, good})));  // a WS frame as a chunk
    CHECK_FALSE(valid_remote_broadcast(broadcast({good, good, "0\r\n\r\n"})));  // ends the stream
    CHECK_FALSE(valid_remote_chunk("e\r\nid: 1\ndata: x\r\n"));                 // size disagrees
    CHECK_FALSE(valid_remote_chunk("d\r\nid: 1\ndata: x"));
    CHECK_FALSE(valid_remote_chunk("3\r\n\xff\xfe\xfd\r\n"));
    CHECK_FALSE(valid_remote_chunk("x\r\nabc\r\n"));
}
