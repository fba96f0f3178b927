// SPDX-License-Identifier: MIT
// permessage-deflate negotiation (RFC 7692 section 7): what each offer gets in each mode.
#include "worker/codec/ws_extensions.hpp"

#include <catch2/catch.hpp>

using namespace shoal::codec;

namespace {

const DeflatePolicy kShared{true, true, 15};
const DeflatePolicy kDedicated{true, false, 15};

}  // namespace

TEST_CASE("ws_extensions: a browser's offer gets shared compression without context",
          "[worker][codec][deflate]") {
    const DeflateAgreement a =
        negotiate_deflate("permessage-deflate; client_max_window_bits", kShared);
    REQUIRE(a.accepted);
    CHECK(a.server_no_context_takeover);
    CHECK(a.server_window_bits == 15);
    CHECK(a.response ==
          "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
}

TEST_CASE("ws_extensions: dedicated mode keeps context unless the client asks otherwise",
          "[worker][codec][deflate]") {
    DeflateAgreement a = negotiate_deflate("permessage-deflate", kDedicated);
    REQUIRE(a.accepted);
    CHECK_FALSE(a.server_no_context_takeover);
    CHECK(a.response == "permessage-deflate; client_no_context_takeover");

    a = negotiate_deflate("permessage-deflate; server_no_context_takeover", kDedicated);
    REQUIRE(a.accepted);
    CHECK(a.server_no_context_takeover);

    // A smaller server window is honoured by a compressor of the connection's own.
    a = negotiate_deflate("permessage-deflate; server_max_window_bits=10", kDedicated);
    REQUIRE(a.accepted);
    CHECK(a.server_window_bits == 10);
    CHECK(a.response ==
          "permessage-deflate; client_no_context_takeover; server_max_window_bits=10");
}

TEST_CASE("ws_extensions: an offer the server cannot honour is declined, the next one is tried",
          "[worker][codec][deflate]") {
    // Shared frames are compressed once with the server's window: a smaller one is declined.
    CHECK_FALSE(
        negotiate_deflate("permessage-deflate; server_max_window_bits=10", kShared).accepted);
    const DeflateAgreement a = negotiate_deflate(
        "permessage-deflate; server_max_window_bits=10, permessage-deflate", kShared);
    REQUIRE(a.accepted);
    CHECK(a.response.find("server_max_window_bits") == std::string::npos);
    // A window equal to the server's is accepted and echoed.
    CHECK(
        negotiate_deflate("permessage-deflate; server_max_window_bits=\"15\"", kShared).response ==
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=15");
    // zlib has no 8-bit window.
    CHECK_FALSE(
        negotiate_deflate("permessage-deflate; server_max_window_bits=8", kDedicated).accepted);
}

TEST_CASE("ws_extensions: malformed offers are declined, never half-understood",
          "[worker][codec][deflate]") {
    const char* bad[] = {
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; server_max_window_bits=x",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits; client_max_window_bits",
        "permessage-deflate; mystery",
        "x-webkit-deflate-frame",
        "",
        ";;;,,,",
    };
    for (const char* offer : bad) {
        INFO(offer);
        CHECK_FALSE(negotiate_deflate(offer, kShared).accepted);
        CHECK_FALSE(negotiate_deflate(offer, kDedicated).accepted);
    }
    // Whitespace and case are tolerated where the grammar allows.
    CHECK(negotiate_deflate("  Permessage-Deflate ;client_max_window_bits=15 ", kShared).accepted);
}

TEST_CASE("ws_extensions: off declines everything; every header line is read",
          "[worker][codec][deflate]") {
    CHECK_FALSE(negotiate_deflate("permessage-deflate", DeflatePolicy{}).accepted);
    ParsedRequest r;
    r.headers = {{"Sec-WebSocket-Extensions", "x-other"},
                 {"Host", "h"},
                 {"sec-websocket-extensions", "permessage-deflate"}};
    CHECK(negotiate_deflate(r, kShared).accepted);
    r.headers.pop_back();
    CHECK_FALSE(negotiate_deflate(r, kShared).accepted);
}
