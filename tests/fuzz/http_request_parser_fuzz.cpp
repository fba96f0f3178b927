// SPDX-License-Identifier: MIT
// Fuzz target: the HTTP/1.1 request parser (worker/codec/http_request_parser) and the upgrade
// check that reads its result (ws_handshake). The input is one connection's byte stream of
// pipelined requests, parsed the way net::Connection does (feed, take a request, reset, go on).
// Oracles: the parse of the whole stream and the parse of the same bytes cut into pieces agree
// request by request (the parser is split-invariant); NeedMore always takes every byte; every
// request stays within the limits; every error has an HTTP status.
// Control bytes: [cut seed] [max piece].
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.hpp"
#include "worker/codec/http_request_parser.hpp"
#include "worker/codec/ws_handshake.hpp"

using namespace shoal;

namespace {

// Small limits, so short inputs reach each of them.
constexpr codec::HttpLimits kLimits{512, 256, 16};

std::string describe(const codec::ParsedRequest& r) {
    std::string s = std::string(r.method) + ' ' + std::string(r.path) + '?' + std::string(r.query) +
                    " 1." + std::to_string(r.version_minor) + (r.keep_alive ? " ka\n" : " close\n");
    for (const auto& h : r.headers)
        s += std::string(h.name) + ": " + std::string(h.value) + '\n';
    s += "body " + std::string(r.body);
    return s;
}

void check_request(const codec::ParsedRequest& r) {
    FUZZ_CHECK(!r.method.empty());
    FUZZ_CHECK(r.headers.size() <= kLimits.max_headers);
    FUZZ_CHECK(r.body.size() <= kLimits.max_body_bytes);
    FUZZ_CHECK(r.version_minor == 0 || r.version_minor == 1);
    const codec::UpgradeCheck up = codec::check_ws_upgrade(r);
    if (up.is_upgrade && up.error == codec::ProtocolError::None) {
        FUZZ_CHECK(!up.key.empty());
        const std::string answer = codec::ws_upgrade_response(up.key);
        FUZZ_CHECK(answer.rfind("HTTP/1.1 101 ", 0) == 0);
    }
    if (up.error != codec::ProtocolError::None)
        FUZZ_CHECK(codec::answer(up.error).http_status >= 400);
}

// Parses the stream fed in pieces of `piece(i)` bytes; returns one line per request or error.
template <class Piece>
std::vector<std::string> parse_stream(std::string_view stream, Piece piece) {
    std::vector<std::string> out;
    codec::HttpRequestParser parser(kLimits);
    std::size_t at = 0;
    while (at < stream.size()) {
        std::size_t len = piece();
        if (len > stream.size() - at) len = stream.size() - at;
        std::string_view chunk = stream.substr(at, len);
        at += len;
        while (!chunk.empty()) {
            std::size_t used = 0;
            const codec::HttpParseState st = parser.feed(chunk, used);
            FUZZ_CHECK(used <= chunk.size());
            chunk.remove_prefix(used);
            if (st == codec::HttpParseState::NeedMore) {
                FUZZ_CHECK(chunk.empty());  // bytes left over would be lost between reads
                FUZZ_CHECK(parser.started());
                break;
            }
            if (st == codec::HttpParseState::Error) {
                const codec::ProtocolError e = parser.error();
                FUZZ_CHECK(e != codec::ProtocolError::None);
                FUZZ_CHECK(codec::answer(e).http_status >= 400);
                out.push_back("error " + std::to_string(static_cast<int>(e)));
                return out;
            }
            check_request(parser.request());
            out.push_back(describe(parser.request()));
            parser.reset();
        }
    }
    out.push_back(parser.started() ? "incomplete" : "idle");
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Controls in(data, size);
    fuzz::Cuts cuts(in.byte(), 1 + in.byte() % 64);
    const std::string_view stream = in.rest();
    const auto whole = parse_stream(stream, [&] { return stream.size(); });
    const auto pieces = parse_stream(stream, [&] { return cuts.next(); });
    FUZZ_CHECK(whole == pieces);
    return 0;
}
