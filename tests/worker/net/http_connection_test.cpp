// SPDX-License-Identifier: MIT
// test-labels: unit worker net
// test-timeout: 90
// HTTP/1.1 against a real server: health checks, keep-alive and pipelining, each limit's status,
// upgrade refusals, capacity, the graceful drain, and requests held or streamed by their route.
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/worker/net/raw_client.hpp"
#include "tests/worker/net/server_fixture.hpp"

using namespace shoal;
using test::RawClient;

namespace {

bool starts_with(const std::string& s, std::string_view p) {
    return s.rfind(p, 0) == 0;
}

}  // namespace

TEST_CASE("http transport: GET / and GET /ready are answered by the transport", "[worker][net]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    REQUIRE(c.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string r = c.read_response();
    REQUIRE(starts_with(r, "HTTP/1.1 200 OK\r\n"));
    REQUIRE(r.find(R"({"ready":true})") != std::string::npos);
    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    r = c.read_response();
    REQUIRE(r.find(R"("status":"ok")") != std::string::npos);
    REQUIRE(c.send("POST /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(starts_with(c.read_response(), "HTTP/1.1 405"));
    REQUIRE(c.wait_eof());
}

TEST_CASE("http transport: keep-alive and pipelined requests reach the handler in order",
          "[worker][net]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    REQUIRE(
        c.send("POST /apps/1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
               "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string r = c.read_response();
    REQUIRE(r.find(R"({"path":"/apps/1/events","body_bytes":5})") != std::string::npos);
    REQUIRE(r.find("Connection: keep-alive") != std::string::npos);
    REQUIRE(c.read_response().find(R"("path":"/a")") != std::string::npos);
    REQUIRE(c.read_response().find(R"("path":"/b")") != std::string::npos);
    // A body split across writes.
    REQUIRE(c.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(c.send("cd"));
    REQUIRE(c.read_response().find(R"("body_bytes":4)") != std::string::npos);
    REQUIRE(c.send("GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    REQUIRE(c.read_response().find("Connection: close") != std::string::npos);
    REQUIRE(c.wait_eof());
}

TEST_CASE("http transport: each limit answers its status and closes", "[worker][net]") {
    common::Config cfg = test::test_config();
    cfg.limits.max_header_bytes = 512;
    cfg.limits.max_http_body_bytes = 64;
    test::ServerThread srv(cfg);
    auto status_of = [&](const std::string& request) {
        RawClient c(srv.port());
        REQUIRE(c.send(request));
        const std::string r = c.read_response();
        REQUIRE(c.wait_eof());
        return r.substr(0, 12);
    };
    REQUIRE(status_of("GET / HTTP/1.1\r\nX: " + std::string(600, 'a') + "\r\n\r\n") ==
            "HTTP/1.1 431");
    REQUIRE(status_of("POST /x HTTP/1.1\r\nContent-Length: 65\r\n\r\n") == "HTTP/1.1 413");
    REQUIRE(status_of("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == "HTTP/1.1 411");
    REQUIRE(status_of("BROKEN\r\n\r\n") == "HTTP/1.1 400");
    REQUIRE(status_of("GET / HTTP/3.0\r\n\r\n") == "HTTP/1.1 505");
}

TEST_CASE("http transport: a request cut in its head or its body gets 408 naming the part",
          "[worker][net]") {
    common::Config cfg = test::test_config();
    cfg.limits.handshake_timeout_ms = 200;
    test::ServerThread srv(cfg);
    auto answer_to = [&](const std::string& partial) {
        RawClient c(srv.port());
        REQUIRE(c.send(partial));
        const std::string r = c.read_response();  // no more bytes are sent: the deadline answers
        REQUIRE(c.wait_eof());
        return r;
    };
    const std::string head = answer_to("POST /x HTTP/1.1\r\nHost: x\r\nContent-Le");
    REQUIRE(starts_with(head, "HTTP/1.1 408"));
    REQUIRE(head.find("request header timeout") != std::string::npos);
    const std::string body =
        answer_to("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    REQUIRE(starts_with(body, "HTTP/1.1 408"));
    REQUIRE(body.find("request body timeout") != std::string::npos);
    // A body that arrives whole within the deadline is answered as usual.
    RawClient whole(srv.port());
    REQUIRE(whole.send("POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
    REQUIRE(whole.read_response().find(R"("body_bytes":3)") != std::string::npos);
}

TEST_CASE("http transport: upgrades with a bad version get 426, refused ones the handler's status",
          "[worker][net]") {
    test::ServerThread srv(test::test_config());
    SECTION("version 8") {
        RawClient c(srv.port());
        REQUIRE_FALSE(c.upgrade("/app/key", "8"));
        REQUIRE(starts_with(c.last_response, "HTTP/1.1 426"));
        REQUIRE(c.last_response.find("Sec-WebSocket-Version: 13") != std::string::npos);
    }
    SECTION("refused by the handler") {
        RawClient c(srv.port());
        REQUIRE_FALSE(c.upgrade("/refuse"));
        REQUIRE(starts_with(c.last_response, "HTTP/1.1 403"));
        REQUIRE(c.wait_eof());
    }
}

TEST_CASE("http transport: connections over max_connections get 503", "[worker][net]") {
    common::Config cfg = test::test_config();
    cfg.limits.max_connections = 2;
    test::ServerThread srv(cfg);
    RawClient a(srv.port()), b(srv.port());
    REQUIRE(a.upgrade());
    REQUIRE(b.upgrade());
    RawClient over(srv.port());
    REQUIRE(starts_with(over.read_response(), "HTTP/1.1 503"));
    REQUIRE(over.wait_eof());
    REQUIRE(a.send_frame(codec::WsOpcode::Text, "ok"));
    REQUIRE(a.read_frame().payload == "ok");
}

TEST_CASE("http transport: shutdown sends the farewell, closes with 1001 and drains",
          "[worker][net]") {
    test::ServerThread srv(test::test_config());
    RawClient ws(srv.port());
    REQUIRE(ws.upgrade());
    RawClient idle_http(srv.port());
    REQUIRE(idle_http.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(starts_with(idle_http.read_response(), "HTTP/1.1 200"));
    std::thread stopper([&] { srv.stop(); });
    const test::Frame farewell = ws.read_frame();
    REQUIRE(farewell.payload == "farewell");
    REQUIRE(ws.read_until_close() == 1001);
    REQUIRE(ws.wait_eof());
    REQUIRE(idle_http.wait_eof());
    stopper.join();
    REQUIRE(srv.handler.closes == 1);
    RawClient late(srv.port());
    REQUIRE_FALSE(late.connected());
}

TEST_CASE("http transport: an inherited listening socket is adopted and served", "[worker][net]") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof(a);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    common::Config cfg = test::test_config();
    cfg.port = 1;  // ignored: the inherited socket decides
    test::ServerThread srv(cfg, 0, 5'000, fd);
    REQUIRE(srv.port() == ntohs(a.sin_port));
    RawClient c(srv.port());
    REQUIRE(c.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(starts_with(c.read_response(), "HTTP/1.1 200"));
}

TEST_CASE("http transport: a client that half-closes after its request still gets the answer",
          "[worker][net]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    // 8 MiB does not fit the socket buffers, so the answer is still being written when the
    // client's FIN arrives.
    REQUIRE(c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
    c.shutdown_write();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string big = c.read_response();
    REQUIRE(starts_with(big, "HTTP/1.1 200"));
    REQUIRE(big.size() > (8u << 20));
    REQUIRE(big.substr(big.size() - 4) == "bbbb");
    REQUIRE(c.wait_eof());
}

TEST_CASE("http transport: a half-closed client that does not read leaves the loop asleep",
          "[worker][net]") {
    // After the peer's EOF the connection watches only for writability: a level-triggered
    // readable interest on a socket at EOF would wake the loop on every iteration until the
    // close deadline cuts it.
    common::Config cfg = test::test_config();
    cfg.limits.close_timeout_ms = 300;
    test::ServerThread srv(cfg);
    RawClient c(srv.port());
    c.set_recv_buffer(16 * 1024);
    const std::uint64_t before = srv.iterations();
    REQUIRE(c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
    c.shutdown_write();
    // Checked every 50 ms: each check is one loop iteration of its own.
    REQUIRE(test::eventually(
        [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return srv.connection_count() == 0;
        },
        100));
    REQUIRE(srv.iterations() - before < 1000);
}

using test::eventually;

TEST_CASE("http transport: a held request is answered later, then keep-alive goes on",
          "[worker][net][hold]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    REQUIRE(c.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string r = c.read_response();
    REQUIRE(starts_with(r, "HTTP/1.1 200 OK\r\n"));
    REQUIRE(r.find(R"({"late":true})") != std::string::npos);
    REQUIRE(r.find("Connection: keep-alive") != std::string::npos);
    REQUIRE(c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_response().find(R"("path":"/after")") != std::string::npos);
    srv.stop();
    REQUIRE(srv.handler.held == 1);
    REQUIRE(srv.handler.abandoned == 0);  // answered: never abandoned
}

TEST_CASE("http transport: pipelined requests wait for the held one and are answered in order",
          "[worker][net][hold]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    REQUIRE(
        c.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"
               "POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
               "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /fourth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    REQUIRE(c.read_response().find(R"({"late":true})") != std::string::npos);
    REQUIRE(c.read_response().find(R"({"path":"/second","body_bytes":3})") != std::string::npos);
    REQUIRE(c.read_response().find(R"({"late":true})") != std::string::npos);
    const std::string last = c.read_response();
    REQUIRE(last.find(R"("path":"/fourth")") != std::string::npos);
    REQUIRE(last.find("Connection: close") != std::string::npos);
    REQUIRE(c.wait_eof());
    srv.stop();
    REQUIRE(srv.handler.held == 2);
    REQUIRE(srv.handler.abandoned == 0);
}

TEST_CASE("http transport: a held request whose peer goes away is abandoned once",
          "[worker][net][hold]") {
    common::Config cfg = test::test_config();
    cfg.limits.handshake_timeout_ms = 100;  // the request timer must not cut a held request
    test::ServerThread srv(cfg);
    {
        RawClient c(srv.port());
        REQUIRE(c.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
        REQUIRE(eventually([&] { return srv.handler.held == 1; }));
        // Longer than the request timer: still held, nothing answered, nothing abandoned.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        REQUIRE(srv.handler.abandoned == 0);
        REQUIRE(c.send("GET /waiting HTTP/1.1\r\nHost: x\r\n\r\n"));
    }
    REQUIRE(eventually([&] { return srv.handler.abandoned == 1; }));
    srv.stop();
    REQUIRE(srv.handler.abandoned == 1);
}

TEST_CASE("http transport: a stream sends its head, chunks and last chunk, then keep-alive",
          "[worker][net][stream]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    REQUIRE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string head = c.read_response();
    REQUIRE(starts_with(head, "HTTP/1.1 200 OK\r\n"));
    REQUIRE(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    REQUIRE(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
    std::vector<std::string> chunks;
    REQUIRE(c.read_chunks(chunks));
    REQUIRE(chunks == std::vector<std::string>{"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"});
    REQUIRE(c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_response().find(R"("path":"/after")") != std::string::npos);
    srv.stop();
    REQUIRE(srv.handler.abandoned == 0);
}

TEST_CASE("http transport: a stream whose peer goes away is abandoned", "[worker][net][stream]") {
    test::ServerThread srv(test::test_config());
    {
        RawClient c(srv.port());
        REQUIRE(c.send("GET /stream_forever HTTP/1.1\r\nHost: x\r\n\r\n"));
        REQUIRE(c.read_response().find("Transfer-Encoding: chunked") != std::string::npos);
        std::string line;
        REQUIRE(c.read_line(line));
        REQUIRE(line == "d");  // "data: first\n\n" is 13 bytes
    }
    REQUIRE(eventually([&] { return srv.handler.abandoned == 1; }));
    srv.stop();
    REQUIRE(srv.handler.abandoned == 1);
}

TEST_CASE("http transport: shutdown ends a stream and abandons held requests",
          "[worker][net][stream]") {
    test::ServerThread srv(test::test_config());
    RawClient stream(srv.port()), held(srv.port());
    REQUIRE(stream.send("GET /stream_forever HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(stream.read_response().find("Transfer-Encoding: chunked") != std::string::npos);
    REQUIRE(held.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return srv.handler.held == 2; }));
    std::thread stopper([&] { srv.stop(); });
    std::vector<std::string> chunks;
    REQUIRE(stream.read_chunks(chunks));  // ends with its last chunk
    REQUIRE(chunks == std::vector<std::string>{"data: first\n\n"});
    REQUIRE(stream.wait_eof());
    REQUIRE(held.wait_eof());
    stopper.join();
    REQUIRE(srv.handler.abandoned == 2);
}

TEST_CASE("http transport: a stream consumer that does not read is closed and abandoned",
          "[worker][net][stream]") {
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    c.set_recv_buffer(4096);
    REQUIRE(c.send("GET /stream_flood HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return srv.handler.abandoned == 1; }));
    // (Not waiting for EOF: through a 4 KiB window the megabytes already in the kernel's buffer
    // take tens of seconds to arrive.)
    srv.stop();
    REQUIRE(srv.handler.abandoned == 1);
    REQUIRE(srv.stats().slow_consumers == 1);
}

TEST_CASE("http transport: the before-writes hook runs ahead of every answer", "[worker][net]") {
    // The bus publishes its pending records here, so no answer leaves before them.
    test::ServerThread srv(test::test_config());
    RawClient c(srv.port());
    for (int i = 1; i <= 3; ++i) {
        REQUIRE(c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
        REQUIRE(starts_with(c.read_response(), "HTTP/1.1 200"));
        CHECK(srv.handler.before_writes.load() >= i);
    }
}
