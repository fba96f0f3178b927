// SPDX-License-Identifier: MIT
// Parsing uses a RapidJSON document whose value and stack allocators are memory pools over
// buffers owned by the codec and cleared before each parse: no heap allocation per message unless
// a message's DOM outgrows the pool (then the pool grows for that message and shrinks back).
#include "worker/codec/phoenix_message.hpp"

#include <cstdio>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "worker/codec/json_text.hpp"

namespace shoal::codec {
namespace {

using Pool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using Doc = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;

constexpr std::size_t kValuePoolBytes = 64 * 1024;
constexpr std::size_t kStackPoolBytes = 16 * 1024;

void append_ref(std::string& out, const std::optional<std::string_view>& ref) {
    if (ref)
        append_json_string(out, *ref);
    else
        out += "null";
}

// Replaces o with `[join_ref,ref,"topic"`: the part every server frame starts with.
std::string& open_frame(std::string& o, const std::optional<std::string_view>& join_ref,
                        const std::optional<std::string_view>& ref, std::string_view topic) {
    o.clear();
    o += '[';
    append_ref(o, join_ref);
    o += ',';
    append_ref(o, ref);
    o += ',';
    append_json_string(o, topic);
    return o;
}

}  // namespace

const char* phoenix_parse_status_text(PhoenixParseStatus status) noexcept {
    switch (status) {
        case PhoenixParseStatus::Ok:
            return "ok";
        case PhoenixParseStatus::NotJson:
            return "invalid JSON";
        case PhoenixParseStatus::NotArray:
            return "expected [join_ref, ref, topic, event, payload]";
        case PhoenixParseStatus::BadRef:
            return "join_ref and ref must be strings or null";
        case PhoenixParseStatus::BadTopic:
            return "invalid topic";
        case PhoenixParseStatus::BadEvent:
            return "event must be a string";
        case PhoenixParseStatus::BadPayload:
            return "payload must be an object";
        case PhoenixParseStatus::TooLarge:
            return "message too large";
    }
    return "invalid message";
}

bool is_valid_phoenix_topic(std::string_view topic) noexcept {
    if (topic.empty() || topic.size() > kMaxPhoenixTopicBytes) return false;
    for (unsigned char c : topic) {
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
}

struct PhoenixCodec::State {
    explicit State(std::size_t max)
        : max_bytes(max),
          value_buf(kValuePoolBytes),
          stack_buf(kStackPoolBytes),
          value_pool(value_buf.data(), value_buf.size()),
          stack_pool(stack_buf.data(), stack_buf.size()),
          doc(&value_pool, 1024, &stack_pool) {
        out.reserve(4096);
    }

    std::size_t max_bytes;
    std::vector<char> value_buf;
    std::vector<char> stack_buf;
    Pool value_pool;
    Pool stack_pool;
    Doc doc;
    rapidjson::StringBuffer payload_out;
    std::string out;
    char ref_text[2][32];  // numeric refs rendered as text
};

PhoenixCodec::PhoenixCodec(std::size_t max_message_bytes)
    : s_(std::make_unique<State>(max_message_bytes)) {}
PhoenixCodec::~PhoenixCodec() = default;

PhoenixParseStatus PhoenixCodec::parse(std::string_view text, PhoenixMessage& out) {
    if (text.size() > s_->max_bytes) return PhoenixParseStatus::TooLarge;
    // An escaped lone low surrogate would decode into bytes that are not UTF-8 (see
    // scan_json_text), and nesting past kMaxPhoenixJsonDepth would recurse that deep: both are
    // refused like any frame that does not decode (the fuzz target found the second with a
    // 13 KiB frame on a 1 MiB stack; at 8 MiB a 1 MiB --max-message-bytes frame crashed).
    if (scan_json_text(text, kMaxPhoenixJsonDepth) != JsonScan::Ok)
        return PhoenixParseStatus::NotJson;
    Doc& doc = s_->doc;
    doc.SetNull();
    s_->value_pool.Clear();
    s_->stack_pool.Clear();
    doc.Parse<rapidjson::kParseNoFlags>(text.data(), text.size());
    if (doc.HasParseError()) return PhoenixParseStatus::NotJson;
    if (!doc.IsArray() || doc.Size() != 5) return PhoenixParseStatus::NotArray;

    for (unsigned i = 0; i < 2; ++i) {
        const auto& v = doc[i];
        std::optional<std::string_view>& dst = i == 0 ? out.join_ref : out.ref;
        if (v.IsNull()) {
            dst.reset();
        } else if (v.IsString()) {
            dst = std::string_view(v.GetString(), v.GetStringLength());
        } else if (v.IsInt64()) {
            int n = std::snprintf(s_->ref_text[i], sizeof s_->ref_text[i], "%lld",
                                  static_cast<long long>(v.GetInt64()));
            dst = std::string_view(s_->ref_text[i], static_cast<std::size_t>(n));
        } else {
            return PhoenixParseStatus::BadRef;
        }
    }
    if (!doc[2].IsString()) return PhoenixParseStatus::BadTopic;
    out.topic = std::string_view(doc[2].GetString(), doc[2].GetStringLength());
    if (!is_valid_phoenix_topic(out.topic)) return PhoenixParseStatus::BadTopic;
    if (!doc[3].IsString() || doc[3].GetStringLength() == 0) return PhoenixParseStatus::BadEvent;
    out.event = std::string_view(doc[3].GetString(), doc[3].GetStringLength());
    if (!doc[4].IsObject()) return PhoenixParseStatus::BadPayload;

    s_->payload_out.Clear();
    // The writer's level stack comes from the stack pool: a default Writer news one per call.
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, Pool> writer(
        s_->payload_out, &s_->stack_pool);
    doc[4].Accept(writer);
    out.payload = std::string_view(s_->payload_out.GetString(), s_->payload_out.GetSize());
    return PhoenixParseStatus::Ok;
}

std::string_view PhoenixCodec::encode_reply(std::optional<std::string_view> join_ref,
                                            std::optional<std::string_view> ref,
                                            std::string_view topic, std::string_view status,
                                            std::string_view response_json) {
    std::string& o = open_frame(s_->out, join_ref, ref, topic);
    o += ",\"phx_reply\",{\"status\":";
    append_json_string(o, status);
    o += ",\"response\":";
    o += response_json;
    o += "}]";
    return o;
}

std::string_view PhoenixCodec::encode_message(std::optional<std::string_view> join_ref,
                                              std::optional<std::string_view> ref,
                                              std::string_view topic, std::string_view event,
                                              std::string_view payload_json) {
    std::string& o = open_frame(s_->out, join_ref, ref, topic);
    o += ',';
    append_json_string(o, event);
    o += ',';
    o += payload_json;
    o += ']';
    return o;
}

}  // namespace shoal::codec
