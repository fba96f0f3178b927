// SPDX-License-Identifier: MIT
// fuzz-links: shoal_codec shoal_dep_rapidjson
// Fuzz target: the Pusher protocol 7 client message decoder (worker/codec/pusher_message) and
// what the session does next with a decoded message: the presence channel_data and signin
// user_data parsers, the channel name rules, and the encoder of the frame a client event
// becomes. Oracles: a message the transport could deliver (valid UTF-8) decodes into views that
// are valid UTF-8 (invalid UTF-8 must never reach a subscriber's text frame), a client event's
// data is valid JSON, and the encoded event is valid JSON; decoding the same text twice with
// the same reused parser gives the same result.
#include <string>

#include <rapidjson/document.h>

#include "common/utf8_validator.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/codec/pusher_channel_name.hpp"
#include "worker/codec/pusher_encode.hpp"
#include "worker/codec/pusher_message.hpp"

using namespace shoal;

namespace {

bool valid_json(std::string_view text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    return !d.HasParseError();
}

std::string describe(codec::ParseError e, const codec::ClientMessage& m) {
    return std::to_string(static_cast<int>(e)) + '|' + std::to_string(static_cast<int>(m.type)) +
           '|' + std::string(m.event) + '|' + std::string(m.channel) + '|' + std::string(m.auth) +
           '|' + std::string(m.channel_data) + '|' + std::string(m.user_data) + '|' +
           std::string(m.data_json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static codec::PusherParser parser(64 * 1024);  // reused, as a worker reuses its one
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool utf8 = common::is_valid_utf8(text);

    codec::ClientMessage m;
    const codec::ParseError e = parser.parse(text, m);
    const std::string first = describe(e, m);
    if (e == codec::ParseError::None) {
        FUZZ_CHECK(!m.event.empty());
        if (utf8) {
            for (std::string_view v :
                 {m.event, m.channel, m.auth, m.channel_data, m.user_data, m.data_json})
                FUZZ_CHECK(common::is_valid_utf8(v));
        }
        if (m.type == codec::ClientMessageType::ClientEvent) {
            FUZZ_CHECK(valid_json(m.data_json));
            (void)codec::valid_channel_name(m.channel);
            std::string frame;
            codec::encode_event_json(frame, m.event, m.channel, m.data_json, "user");
            FUZZ_CHECK(valid_json(frame));
            if (utf8) FUZZ_CHECK(common::is_valid_utf8(frame));
        }
        if (m.type == codec::ClientMessageType::Subscribe) {
            const codec::ChannelKind kind = codec::channel_kind(m.channel);
            (void)kind;
            codec::PresenceData p;
            // Copied first: the side parser must not disturb the message's views, but the
            // oracle below re-checks them anyway.
            const std::string channel_data(m.channel_data);
            if (parser.parse_channel_data(channel_data, p)) {
                FUZZ_CHECK(!p.user_id.empty());
                FUZZ_CHECK(valid_json(p.user_info_json));
                if (utf8) FUZZ_CHECK(common::is_valid_utf8(p.user_info_json));
                (void)codec::valid_user_id(p.user_id);
            }
            FUZZ_CHECK(describe(e, m) == first);
        }
        if (m.type == codec::ClientMessageType::Signin) {
            std::string user_id;
            const std::string user_data(m.user_data);
            if (parser.parse_user_id(user_data, user_id)) FUZZ_CHECK(!user_id.empty());
            FUZZ_CHECK(describe(e, m) == first);
        }
    }
    codec::ClientMessage again;
    FUZZ_CHECK(describe(parser.parse(text, again), again) == first);
    return 0;
}
