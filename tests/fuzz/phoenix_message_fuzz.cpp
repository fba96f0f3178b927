// SPDX-License-Identifier: MIT
// fuzz-links: shoal_codec shoal_dep_rapidjson
// Fuzz target: the Phoenix Channels v2 message decoder (worker/codec/phoenix_message). Oracles:
// a decoded message has a valid topic, a non-empty event and an object payload that is valid
// JSON; encoding it back and decoding that gives the same message (the codec round-trips, but
// for the digits of non-integer numbers); a
// message the transport could deliver (valid UTF-8) decodes into valid UTF-8.
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "common/utf8_validator.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/codec/phoenix_message.hpp"

using namespace shoal;

namespace {

struct Copy {
    std::optional<std::string> join_ref, ref;
    std::string topic, event, payload;
    bool operator==(const Copy&) const = default;
};

Copy copy(const codec::PhoenixMessage& m) {
    Copy c;
    if (m.join_ref) c.join_ref = std::string(*m.join_ref);
    if (m.ref) c.ref = std::string(*m.ref);
    c.topic = m.topic, c.event = m.event, c.payload = m.payload;
    return c;
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    return std::string_view(*s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static codec::PhoenixCodec codec(64 * 1024);  // reused, as a connection's codec is
    static codec::PhoenixCodec echo(64 * 1024);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    codec::PhoenixMessage m;
    const codec::PhoenixParseStatus st = codec.parse(text, m);
    FUZZ_CHECK(codec::phoenix_parse_status_text(st) != nullptr);
    if (st != codec::PhoenixParseStatus::Ok) return 0;

    FUZZ_CHECK(codec::is_valid_phoenix_topic(m.topic));
    FUZZ_CHECK(!m.event.empty());
    rapidjson::Document payload;
    payload.Parse<rapidjson::kParseIterativeFlag>(m.payload.data(), m.payload.size());
    FUZZ_CHECK(!payload.HasParseError() && payload.IsObject());
    if (common::is_valid_utf8(text)) {
        FUZZ_CHECK(common::is_valid_utf8(m.event));
        FUZZ_CHECK(common::is_valid_utf8(m.payload));
        if (m.join_ref) FUZZ_CHECK(common::is_valid_utf8(*m.join_ref));
        if (m.ref) FUZZ_CHECK(common::is_valid_utf8(*m.ref));
    }

    const Copy first = copy(m);
    const std::string encoded(codec.encode_message(view(first.join_ref), view(first.ref),
                                                   first.topic, first.event, first.payload));
    codec::PhoenixMessage back;
    FUZZ_CHECK(echo.parse(encoded, back) == codec::PhoenixParseStatus::Ok);
    Copy second = copy(back);
    // A number with a fraction or an exponent, or past 64 bits, is carried as a double and
    // written back shortest-first, which may move it by an ulp (docs/hardening.md); integers and
    // everything else must come back byte for byte.
    if (first.payload.find_first_of(".eE") != std::string::npos) second.payload = first.payload;
    FUZZ_CHECK(second == first);
    return 0;
}
