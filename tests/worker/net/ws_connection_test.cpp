// SPDX-License-Identifier: MIT
// test-labels: unit worker net
// test-timeout: 90
// RFC 6455 against a real server: raw sockets, one close code per misbehaviour.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/worker/net/raw_client.hpp"
#include "tests/worker/net/server_fixture.hpp"

using namespace shoal;
using codec::WsOpcode;
using test::RawClient;

namespace {

common::Config small_limits() {
    common::Config c = test::test_config();
    c.limits.max_message_bytes = 1024;
    return c;
}

// A bad frame gets its close code, then the server hangs up.
void require_closed_with(test::ServerThread& srv, const std::string& bytes, int code) {
    RawClient c(srv.port());
    REQUIRE(c.upgrade());
    REQUIRE(c.send(bytes));
    REQUIRE(c.read_until_close() == code);
    REQUIRE(c.wait_eof());
}

std::string client_frame(WsOpcode op, std::string_view payload, bool fin = true,
                         std::uint8_t rsv = 0) {
    return codec::encode_client_frame(op, payload, 0x01020304, fin, rsv);
}

}  // namespace

TEST_CASE("ws transport: text, binary and fragmented messages are echoed", "[worker][net]") {
    test::ServerThread srv(small_limits());
    RawClient c(srv.port());
    REQUIRE(c.upgrade());
    REQUIRE(c.send_frame(WsOpcode::Text, "hello \xE2\x82\xAC"));
    test::Frame f = c.read_frame();
    REQUIRE(f.op == 1);
    REQUIRE(f.payload == "hello \xE2\x82\xAC");
    REQUIRE(c.send_frame(WsOpcode::Binary, std::string("\x00\xff", 2)));
    f = c.read_frame();
    REQUIRE(f.op == 2);
    REQUIRE(f.payload == std::string("\x00\xff", 2));
    // Fragments with a ping between them, the whole sent one byte at a time.
    const std::string wire = client_frame(WsOpcode::Text, "frag", false) +
                             client_frame(WsOpcode::Ping, "p!") +
                             client_frame(WsOpcode::Continuation, "mented", true);
    for (char b : wire)
        REQUIRE(c.send(std::string(1, b)));
    f = c.read_frame();
    REQUIRE(f.op == 0xA);
    REQUIRE(f.payload == "p!");
    f = c.read_frame();
    REQUIRE(f.payload == "fragmented");
    srv.stop();
    REQUIRE(srv.handler.opens == 1);
    REQUIRE(srv.handler.closes == 1);
}

TEST_CASE("ws transport: a ping is answered with a pong carrying its payload", "[worker][net]") {
    test::ServerThread srv(small_limits());
    RawClient c(srv.port());
    REQUIRE(c.upgrade());
    REQUIRE(c.send_frame(WsOpcode::Ping, "are you there"));
    const test::Frame f = c.read_frame();
    REQUIRE(f.op == 0xA);
    REQUIRE(f.payload == "are you there");
}

TEST_CASE("ws transport: the close handshake echoes the client's code", "[worker][net]") {
    test::ServerThread srv(small_limits());
    SECTION("a code is echoed") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send_frame(WsOpcode::Close, std::string("\x0f\xa0"
                                                          "done",
                                                          6)));  // 4000
        REQUIRE(c.read_until_close() == 4000);
        REQUIRE(c.wait_eof());
    }
    SECTION("a close without a code is answered without one") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send_frame(WsOpcode::Close, ""));
        REQUIRE(c.read_until_close() == 1005);
        REQUIRE(c.wait_eof());
    }
    SECTION("the handler closing sends its code") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send_frame(WsOpcode::Text, "close 4009"));
        REQUIRE(c.read_until_close() == 4009);
    }
}

TEST_CASE("ws transport: protocol violations close with 1002", "[worker][net]") {
    test::ServerThread srv(small_limits());
    SECTION("an unmasked frame") {
        require_closed_with(srv, std::string("\x81\x02hi", 4), 1002);
    }
    SECTION("reserved bits") {
        require_closed_with(srv, client_frame(WsOpcode::Text, "hi", true, 2), 1002);
    }
    SECTION("a reserved opcode") {
        require_closed_with(srv, client_frame(static_cast<WsOpcode>(5), "hi"), 1002);
    }
    SECTION("a fragmented control frame") {
        require_closed_with(srv, client_frame(WsOpcode::Ping, "hi", false), 1002);
    }
    SECTION("a continuation with no message") {
        require_closed_with(srv, client_frame(WsOpcode::Continuation, "hi"), 1002);
    }
}

TEST_CASE("ws transport: invalid UTF-8 closes with 1007, also split across fragments",
          "[worker][net]") {
    test::ServerThread srv(small_limits());
    SECTION("in one frame") {
        require_closed_with(srv, client_frame(WsOpcode::Text, "bad \xC0\xAF"), 1007);
    }
    SECTION("a sequence cut between two fragments") {
        require_closed_with(srv,
                            client_frame(WsOpcode::Text, "ok \xF0\x9F", false) +
                                client_frame(WsOpcode::Continuation, "\x28\x80"),
                            1007);
    }
}

TEST_CASE("ws transport: a message over max_message_bytes closes with 1009", "[worker][net]") {
    test::ServerThread srv(small_limits());
    SECTION("in one frame") {
        require_closed_with(srv, client_frame(WsOpcode::Binary, std::string(1025, 'x')), 1009);
    }
    SECTION("in fragments") {
        require_closed_with(srv,
                            client_frame(WsOpcode::Text, std::string(1000, 'x'), false) +
                                client_frame(WsOpcode::Continuation, std::string(100, 'x')),
                            1009);
    }
}

TEST_CASE("ws transport: frames cut on several connections at once keep their own state",
          "[worker][net]") {
    // Whole frames are parsed by the server's one shared parser; a connection whose frame or
    // message spans reads keeps that state for itself. Interleaving three connections' bytes one
    // at a time hands the state over on every read; each must still get its own message back.
    test::ServerThread srv(small_limits());
    std::vector<std::unique_ptr<RawClient>> clients;
    std::vector<std::string> wires, messages;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<RawClient>(srv.port()));
        REQUIRE(clients.back()->upgrade());
        const std::string head(static_cast<std::size_t>(3 + i), static_cast<char>('a' + i));
        const std::string tail = "-tail-" + std::to_string(i);
        messages.push_back(head + tail);
        wires.push_back(client_frame(WsOpcode::Text, head, false) +
                        client_frame(WsOpcode::Ping, std::string(1, static_cast<char>('x' + i))) +
                        client_frame(WsOpcode::Continuation, tail, true));
    }
    for (std::size_t at = 0; at < wires[2].size(); ++at)
        for (std::size_t i = 0; i < 3; ++i)
            if (at < wires[i].size()) REQUIRE(clients[i]->send(std::string(1, wires[i][at])));
    for (std::size_t i = 0; i < 3; ++i) {
        test::Frame pong = clients[i]->read_frame();
        REQUIRE(pong.op == 0xA);
        REQUIRE(pong.payload == std::string(1, static_cast<char>('x' + i)));
        REQUIRE(clients[i]->read_frame().payload == messages[i]);
        // Back on the shared parser: a whole frame still works.
        REQUIRE(clients[i]->send_frame(WsOpcode::Text, "whole " + std::to_string(i)));
        REQUIRE(clients[i]->read_frame().payload == "whole " + std::to_string(i));
    }
}

TEST_CASE("ws transport: a misbehaving connection does not disturb a healthy one",
          "[worker][net]") {
    test::ServerThread srv(small_limits());
    RawClient healthy(srv.port());
    REQUIRE(healthy.upgrade());
    for (int i = 0; i < 5; ++i) {
        RawClient bad(srv.port());
        REQUIRE(bad.upgrade());
        REQUIRE(bad.send(std::string("\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff", 10)));
        REQUIRE(bad.read_until_close() == 1002);
        RawClient garbage(srv.port());
        REQUIRE(garbage.send("\x16\x03\x01 not http at all\r\n\r\n"));
        REQUIRE(garbage.read_response().rfind("HTTP/1.1 400", 0) == 0);
        REQUIRE(healthy.send_frame(WsOpcode::Text, "still here " + std::to_string(i)));
        REQUIRE(healthy.read_frame().payload == "still here " + std::to_string(i));
    }
}

TEST_CASE("ws transport: the handshake timeout answers a slowloris with 408 and closes",
          "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.handshake_timeout_ms = 300;
    test::ServerThread srv(cfg);
    RawClient slow(srv.port());
    RawClient healthy(srv.port());
    REQUIRE(healthy.upgrade());
    // A byte every 100 ms keeps the socket busy but never finishes the request.
    const std::string head = "GET /app/key HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n";
    for (std::size_t i = 0; i < 6; ++i) {
        if (!slow.send(head.substr(i, 1))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(slow.read_response().rfind("HTTP/1.1 408", 0) == 0);
    REQUIRE(slow.wait_eof());
    // A connection that never sends a byte is closed silently.
    RawClient mute(srv.port());
    REQUIRE(mute.wait_eof());
    REQUIRE(healthy.send_frame(WsOpcode::Text, "fine"));
    REQUIRE(healthy.read_frame().payload == "fine");
}

TEST_CASE("ws transport: an idle connection gets on_idle and a ping, then the idle close code",
          "[worker][net]") {
    test::ServerThread srv(small_limits(), 200);
    SECTION("silence ends in 4201") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        const test::Frame ping = c.read_frame();
        REQUIRE(ping.op == 0x9);
        REQUIRE(c.read_until_close() == 4201);
        REQUIRE(srv.handler.idles >= 1);
    }
    SECTION("answering the pings keeps it open") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        for (int i = 0; i < 3; ++i) {
            const test::Frame ping = c.read_frame();
            REQUIRE(ping.op == 0x9);
            REQUIRE(c.send_frame(WsOpcode::Pong, ping.payload));
        }
        REQUIRE(c.send_frame(WsOpcode::Text, "alive"));
        test::Frame f = c.read_frame();
        while (f.op == 0x9)
            f = c.read_frame();
        REQUIRE(f.payload == "alive");
    }
}

TEST_CASE("ws transport: a slow consumer is closed with the reconnect code, memory bounded",
          "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.send_queue_high_water_bytes = 256 * 1024;
    test::ServerThread srv(cfg);
    RawClient slow(srv.port(), 5000);
    slow.set_recv_buffer(16 * 1024);
    REQUIRE(slow.upgrade());
    RawClient healthy(srv.port());
    REQUIRE(healthy.upgrade());
    // 64 MiB offered in one handler call, 64 KiB frames, while the client reads nothing.
    REQUIRE(slow.send_frame(WsOpcode::Text, "flood 1024 65536"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(healthy.send_frame(WsOpcode::Text, "unaffected"));
    REQUIRE(healthy.read_frame().payload == "unaffected");
    std::size_t frames = 0;
    REQUIRE(slow.read_until_close(&frames) == 1013);
    REQUIRE(frames < 1024);
    srv.stop();
    REQUIRE(srv.stats().slow_consumers == 1);
    // The queue never held more than the high-water mark plus the frame that crossed it.
    REQUIRE(srv.stats().peak_queued_bytes <= 256 * 1024 + 65536 + 10);
}

TEST_CASE(
    "ws transport: a slow consumer that resumes reading within the close deadline gets "
    "the close frame",
    "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.send_queue_high_water_bytes = 256 * 1024;
    cfg.limits.close_timeout_ms = 30'000;  // far longer than the test takes to start reading
    test::ServerThread srv(cfg);
    RawClient slow(srv.port(), 5000);
    slow.set_recv_buffer(16 * 1024);
    REQUIRE(slow.upgrade());
    REQUIRE(slow.send_frame(WsOpcode::Text, "flood 1024 65536"));
    // The server gave up on it (on_close runs when the close is queued), and it still holds
    // the connection open, waiting for the client to take the close frame.
    REQUIRE(test::eventually([&] { return srv.handler.closes == 1; }));
    REQUIRE(srv.connection_count() == 1);
    std::size_t frames = 0;
    REQUIRE(slow.read_until_close(&frames) == 1013);  // WsHandler::overload_close_code()
    REQUIRE(frames < 1024);
    REQUIRE(slow.wait_eof());
}

TEST_CASE("ws transport: a slow consumer still not reading at the close deadline is cut",
          "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.send_queue_high_water_bytes = 256 * 1024;
    cfg.limits.close_timeout_ms = 100;
    test::ServerThread srv(cfg);
    RawClient slow(srv.port(), 5000);
    slow.set_recv_buffer(16 * 1024);
    REQUIRE(slow.upgrade());
    REQUIRE(slow.send_frame(WsOpcode::Text, "flood 1024 65536"));
    REQUIRE(test::eventually([&] { return srv.handler.closes == 1; }));
    REQUIRE(test::eventually([&] { return srv.connection_count() == 0; }));
    // What the kernel already held arrives (the last frame possibly cut), then the end, but no
    // close frame: it never left the server's queue.
    REQUIRE(slow.read_until_close() < 0);
    REQUIRE(slow.eof());
}

TEST_CASE(
    "ws transport: a frame cut mid-header or mid-payload is closed with 1008 at the frame "
    "deadline",
    "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.frame_timeout_ms = 200;
    // No idle timeout (0): without the frame deadline these connections would wait for ever.
    test::ServerThread srv(cfg);
    const std::string frame = client_frame(WsOpcode::Text, std::string(100, 'x'));
    SECTION("one byte of the header") {
        require_closed_with(srv, frame.substr(0, 1), 1008);
    }
    SECTION("a header cut inside its mask") {
        require_closed_with(srv, frame.substr(0, 4), 1008);
    }
    SECTION("a payload cut") {
        require_closed_with(srv, frame.substr(0, 50), 1008);
    }
    SECTION("a cut control frame") {
        require_closed_with(srv, client_frame(WsOpcode::Ping, "abcdef").substr(0, 8), 1008);
    }
    SECTION("bytes that trickle in do not extend the deadline") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        std::size_t sent = 0;
        while (sent < frame.size() && !c.readable(20))
            REQUIRE(c.send(frame.substr(sent++, 1)));
        REQUIRE(sent < frame.size());  // the close came first (the whole frame takes over 2 s)
        REQUIRE(c.read_until_close() == 1008);
        REQUIRE(c.wait_eof());
    }
    SECTION("frames in a row, each read ending inside one, each get their own deadline") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        std::string stream;
        for (int i = 0; i < 30; ++i)
            stream += frame;
        // A slow sender (the pause paces the client, it waits for nothing): 70-byte reads 20 ms
        // apart, about 0.9 s in all, four times the deadline, no frame taking over 40 ms.
        for (std::size_t at = 0; at < stream.size(); at += 70) {
            REQUIRE(c.send(stream.substr(at, 70)));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        for (int i = 0; i < 30; ++i)
            REQUIRE(c.read_frame().payload == std::string(100, 'x'));
    }
    SECTION("a healthy connection is untouched") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send(frame.substr(0, 30)));
        REQUIRE(c.send(frame.substr(30)));
        REQUIRE(c.read_frame().payload == std::string(100, 'x'));
    }
}

TEST_CASE("ws transport: a socket that was full and drained leaves the loop asleep",
          "[worker][net]") {
    // The writable interest is armed only while the socket refuses bytes: left armed once the
    // queue drained, the level-triggered poll would wake the loop on every iteration.
    common::Config cfg = small_limits();
    cfg.limits.send_queue_high_water_bytes = 16 << 20;
    cfg.limits.frame_timeout_ms = 300;
    test::ServerThread srv(cfg);
    RawClient c(srv.port(), 5000);
    c.set_recv_buffer(16 * 1024);
    REQUIRE(c.upgrade());
    // 8 MiB: far over what the socket buffers hold, so the server's writes block and resume.
    REQUIRE(c.send_frame(WsOpcode::Text, "flood 16 524288"));
    for (int i = 0; i < 16; ++i)
        REQUIRE(c.read_frame().payload.size() == 524288);
    // Everything arrived; the loop now waits 300 ms for a frame cut on purpose (its deadline is
    // the clock here, the close its end). Asleep, that is a handful of iterations.
    const std::uint64_t before = srv.iterations();
    REQUIRE(c.send(client_frame(WsOpcode::Text, "cut").substr(0, 3)));
    REQUIRE(c.read_until_close() == 1008);
    REQUIRE(srv.iterations() - before < 1000);
}

TEST_CASE("ws transport: between whole frames the idle deadline applies, not the frame deadline",
          "[worker][net]") {
    common::Config cfg = small_limits();
    cfg.limits.frame_timeout_ms = 100;
    test::ServerThread srv(cfg, 400);
    SECTION("after a whole message") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send_frame(WsOpcode::Text, "hi"));
        REQUIRE(c.read_frame().payload == "hi");
        REQUIRE(c.read_frame().op == 0x9);  // the idle ping, not a 1008 close
        REQUIRE(c.read_until_close() == 4201);
    }
    SECTION("inside a fragmented message, after a whole fragment") {
        RawClient c(srv.port());
        REQUIRE(c.upgrade());
        REQUIRE(c.send_frame(WsOpcode::Text, "part one", false));
        REQUIRE(c.read_frame().op == 0x9);
        REQUIRE(c.read_until_close() == 4201);
    }
}

TEST_CASE("ws transport: an ordinary burst to a reading client is delivered whole",
          "[worker][net]") {
    test::ServerThread srv(small_limits());
    RawClient c(srv.port());
    REQUIRE(c.upgrade());
    // More frames than the queue's 64 slots in one handler call: the queue drains into the
    // socket when full, so a client that reads is never dropped.
    REQUIRE(c.send_frame(WsOpcode::Text, "flood 500 100"));
    for (int i = 0; i < 500; ++i)
        REQUIRE(c.read_frame().payload.size() == 100);
    srv.stop();
    REQUIRE(srv.stats().slow_consumers == 0);
}

TEST_CASE("ws transport: many connections at once, each gets its own echo and one on_close",
          "[worker][net]") {
    test::ServerThread srv(small_limits());
    {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 200; ++i) {
            clients.push_back(std::make_unique<RawClient>(srv.port()));
            REQUIRE(clients.back()->upgrade());
        }
        for (int i = 0; i < 200; ++i)
            REQUIRE(clients[i]->send_frame(WsOpcode::Text, "client " + std::to_string(i)));
        for (int i = 0; i < 200; ++i)
            REQUIRE(clients[i]->read_frame().payload == "client " + std::to_string(i));
        // Half of them vanish without a close frame, half close properly.
        for (int i = 0; i < 200; i += 2)
            clients[i].reset();
        for (int i = 1; i < 200; i += 2) {
            REQUIRE(clients[i]->send_frame(WsOpcode::Close, "\x03\xe8"));
            REQUIRE(clients[i]->read_until_close() == 1000);
        }
    }
    // Slots are reused by new connections without confusing ids.
    RawClient late(srv.port());
    REQUIRE(late.upgrade());
    REQUIRE(late.send_frame(WsOpcode::Text, "late"));
    REQUIRE(late.read_frame().payload == "late");
    srv.stop();
    REQUIRE(srv.handler.opens == 201);
    REQUIRE(srv.handler.closes == 201);
}
