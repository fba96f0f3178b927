// SPDX-License-Identifier: MIT
#include "worker/codec/ws_handshake.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::codec;

namespace {

ParsedRequest parse(const std::string& text) {
    static HttpRequestParser parser;  // the views live as long as the parser
    parser.reset();
    std::size_t used = 0;
    REQUIRE(parser.feed(text, used) == HttpParseState::Complete);
    return parser.request();
}

const std::string kUpgrade =
    "GET /app/key?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

}  // namespace

TEST_CASE("ws_handshake: Sec-WebSocket-Accept matches RFC 6455 1.3", "[worker][codec]") {
    REQUIRE(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    const std::string r = ws_upgrade_response("dGhlIHNhbXBsZSBub25jZQ==");
    REQUIRE(r.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
    REQUIRE(r.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
    REQUIRE(r.substr(r.size() - 4) == "\r\n\r\n");
}

TEST_CASE("ws_handshake: a valid version 13 upgrade is accepted with its key", "[worker][codec]") {
    const UpgradeCheck c = check_ws_upgrade(parse(kUpgrade + "Sec-WebSocket-Version: 13\r\n\r\n"));
    REQUIRE(c.is_upgrade);
    REQUIRE(c.error == ProtocolError::None);
    REQUIRE(c.key == "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST_CASE("ws_handshake: other versions are 426, malformed upgrades 400", "[worker][codec]") {
    REQUIRE(check_ws_upgrade(parse(kUpgrade + "Sec-WebSocket-Version: 8\r\n\r\n")).error ==
            ProtocolError::HttpBadWsVersion);
    REQUIRE(check_ws_upgrade(parse(kUpgrade + "\r\n")).error == ProtocolError::HttpBadWsVersion);
    REQUIRE(answer(ProtocolError::HttpBadWsVersion).http_status == 426);
    const UpgradeCheck bad_key = check_ws_upgrade(
        parse("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    REQUIRE(bad_key.error == ProtocolError::HttpBadRequest);
    const UpgradeCheck post = check_ws_upgrade(
        parse("POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    REQUIRE(post.error == ProtocolError::HttpBadRequest);
}

TEST_CASE("ws_handshake: a plain request is not an upgrade", "[worker][codec]") {
    const UpgradeCheck c = check_ws_upgrade(parse("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE_FALSE(c.is_upgrade);
}
