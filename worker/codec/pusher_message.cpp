// SPDX-License-Identifier: MIT
// RapidJSON's Parse(str, length) rather than ParseInsitu: a transport view is not NUL-terminated,
// and in-situ parsing of a truncated message would read past its end. Strings are copied into a
// pool over a preallocated arena that is reset before each message, so steady state is
// allocation-free all the same.
#include "worker/codec/pusher_message.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "worker/codec/json_text.hpp"

namespace shoal::codec {
namespace {

using Pool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using Doc = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;
using Value = rapidjson::GenericValue<rapidjson::UTF8<>, Pool>;

std::string_view sv(const Value& v) noexcept {
    return {v.GetString(), v.GetStringLength()};
}

std::string_view string_member(const Value& obj, const char* name) noexcept {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return {};
    return sv(it->value);
}

// RapidJSON's DOM walk (Accept) recurses; a message of 60 000 '[' would overflow the stack. The
// parse itself is iterative (kParseIterativeFlag); the scan bounds what Accept may meet, and
// refuses escapes that would decode into invalid UTF-8 (an event, channel or data of a frame).
bool scan_ok(std::string_view text) noexcept {
    return scan_json_text(text, kMaxJsonDepth) == JsonScan::Ok;
}

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;
constexpr std::size_t kMaxEpochBytes = 64;

// "recover" of a subscribe: absent is fine; present, it must be a well-formed position.
bool parse_recover(const Value& data, ClientMessage& out) noexcept {
    auto it = data.FindMember("recover");
    if (it == data.MemberEnd()) return true;
    const Value& r = it->value;
    if (!r.IsObject()) return false;
    auto offset = r.FindMember("offset");
    auto epoch = r.FindMember("epoch");
    if (offset == r.MemberEnd() || !offset->value.IsUint64() || epoch == r.MemberEnd() ||
        !epoch->value.IsString() || epoch->value.GetStringLength() > kMaxEpochBytes)
        return false;
    out.has_recover = true;
    out.recover_offset = offset->value.GetUint64();
    out.recover_epoch = sv(epoch->value);
    return true;
}

ClientMessageType classify(std::string_view event) noexcept {
    if (event == "pusher:ping") return ClientMessageType::Ping;
    if (event == "pusher:pong") return ClientMessageType::Pong;
    if (event == "pusher:subscribe") return ClientMessageType::Subscribe;
    if (event == "pusher:unsubscribe") return ClientMessageType::Unsubscribe;
    if (event == "pusher:signin") return ClientMessageType::Signin;
    if (event.starts_with("client-")) return ClientMessageType::ClientEvent;
    return ClientMessageType::Unknown;
}

}  // namespace

struct PusherParser::Impl {
    explicit Impl(std::size_t bytes)
        : arena(bytes),
          pool(arena.data(), arena.size()),
          side_arena(16 * 1024),
          side_pool(side_arena.data(), side_arena.size()) {}
    std::vector<char> arena;
    Pool pool;
    std::vector<char> side_arena;  // channel_data / user_data, parsed while a message is live
    Pool side_pool;
    rapidjson::StringBuffer data_buf;
    // Kept across messages: a Writer built per message allocates its level stack each time.
    rapidjson::Writer<rapidjson::StringBuffer> data_writer{data_buf};
};

PusherParser::PusherParser(std::size_t arena_bytes) : impl_(std::make_unique<Impl>(arena_bytes)) {}
PusherParser::~PusherParser() = default;

ParseError PusherParser::parse(std::string_view text, ClientMessage& out) {
    out = ClientMessage{};
    impl_->pool.Clear();
    impl_->data_buf.Clear();
    // The document lives on the stack and only borrows the pool: destroying it frees nothing.
    if (!scan_ok(text)) return ParseError::BadJson;
    Doc doc(&impl_->pool, 1024, &impl_->pool);
    doc.Parse<kParseFlags>(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return ParseError::BadJson;
    out.event = string_member(doc, "event");
    if (out.event.empty()) return ParseError::NoEvent;
    out.type = classify(out.event);
    auto data_it = doc.FindMember("data");
    const Value* data = data_it == doc.MemberEnd() ? nullptr : &data_it->value;
    switch (out.type) {
        case ClientMessageType::Ping:
        case ClientMessageType::Pong:
        case ClientMessageType::Unknown:
            return ParseError::None;
        case ClientMessageType::Subscribe:
        case ClientMessageType::Unsubscribe:
            if (!data || !data->IsObject()) return ParseError::BadPayload;
            out.channel = string_member(*data, "channel");
            out.auth = string_member(*data, "auth");
            out.channel_data = string_member(*data, "channel_data");
            if (out.type == ClientMessageType::Subscribe && !parse_recover(*data, out))
                return ParseError::BadPayload;
            return out.channel.empty() ? ParseError::BadPayload : ParseError::None;
        case ClientMessageType::Signin:
            if (!data || !data->IsObject()) return ParseError::BadPayload;
            out.auth = string_member(*data, "auth");
            out.user_data = string_member(*data, "user_data");
            return out.auth.empty() || out.user_data.empty() ? ParseError::BadPayload
                                                             : ParseError::None;
        case ClientMessageType::ClientEvent: {
            out.channel = string_member(doc, "channel");
            if (out.channel.empty() || !data) return ParseError::BadPayload;
            impl_->data_writer.Reset(impl_->data_buf);
            data->Accept(impl_->data_writer);
            out.data_json = {impl_->data_buf.GetString(), impl_->data_buf.GetSize()};
            return ParseError::None;
        }
    }
    return ParseError::None;
}

bool PusherParser::parse_channel_data(std::string_view text, PresenceData& out) {
    impl_->side_pool.Clear();
    if (!scan_ok(text)) return false;
    Doc doc(&impl_->side_pool, 256, &impl_->side_pool);
    doc.Parse<kParseFlags>(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    auto id = doc.FindMember("user_id");
    if (id == doc.MemberEnd()) return false;
    if (id->value.IsString()) {
        out.user_id.assign(sv(id->value));
    } else if (id->value.IsInt64()) {
        out.user_id = std::to_string(id->value.GetInt64());
    } else if (id->value.IsUint64()) {
        out.user_id = std::to_string(id->value.GetUint64());
    } else {
        return false;
    }
    if (out.user_id.empty()) return false;
    auto info = doc.FindMember("user_info");
    if (info == doc.MemberEnd()) {
        out.user_info_json = "null";
        return true;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    info->value.Accept(w);
    out.user_info_json.assign(buf.GetString(), buf.GetSize());
    return true;
}

bool PusherParser::parse_user_id(std::string_view user_data, std::string& user_id) {
    impl_->side_pool.Clear();
    if (!scan_ok(user_data)) return false;
    Doc doc(&impl_->side_pool, 256, &impl_->side_pool);
    doc.Parse<kParseFlags>(user_data.data(), user_data.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    auto id = string_member(doc, "id");
    if (id.empty()) return false;
    user_id.assign(id);
    return true;
}

}  // namespace shoal::codec
