// SPDX-License-Identifier: MIT
#include "worker/protocols/rawjson/rawjson_codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "worker/codec/json_text.hpp"

namespace shoal::rawjson {
namespace {

std::string_view string_member(const rapidjson::Value& o, const char* name) {
    auto it = o.FindMember(name);
    if (it == o.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

bool is_json(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    return !d.HasParseError();
}

}  // namespace

bool Codec::parse(std::string_view text, ClientMessage& out) {
    // Escapes that decode into invalid UTF-8 never reach a frame (codec::scan_json_text).
    if (codec::scan_json_text(text, ~0u) != codec::JsonScan::Ok) return false;
    in_.assign(text);
    rapidjson::Document d;
    d.Parse(in_.c_str(), in_.size());
    if (d.HasParseError() || !d.IsObject()) return false;
    const std::string_view op = string_member(d, "op");
    const std::string_view topic = string_member(d, "topic");
    if (topic.empty()) return false;
    // Views must outlive d: copy what is kept into in_-independent storage (out_ is free now).
    out_.assign(topic);
    if (op == "subscribe" || op == "unsubscribe") {
        out = {op == "subscribe" ? Op::Subscribe : Op::Unsubscribe, out_, {}, {}};
        return true;
    }
    const std::string_view event = string_member(d, "event");
    auto data = d.FindMember("data");
    if (op != "publish" || event.empty() || data == d.MemberEnd()) return false;
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    data->value.Accept(w);
    data_.assign(sb.GetString(), sb.GetSize());
    const std::size_t topic_len = out_.size();
    out_.append(event);
    out = {Op::Publish, std::string_view(out_).substr(0, topic_len),
           std::string_view(out_).substr(topic_len), data_};
    return true;
}

std::string_view Codec::encode_event(std::string_view topic, std::string_view event,
                                     std::string_view data) {
    std::string& o = in_;  // free between parses; out_ may hold the parsed message's views
    o.assign(R"({"op":"event","topic":)");
    codec::append_json_string(o, topic);
    o.append(R"(,"event":)");
    codec::append_json_string(o, event);
    o.append(R"(,"data":)");
    if (is_json(data))
        o.append(data);
    else
        codec::append_json_string(o, data);
    o.push_back('}');
    return o;
}

std::string_view Codec::encode_subscribed(std::string_view topic) {
    std::string& o = in_;
    o.assign(R"({"op":"subscribed","topic":)");
    codec::append_json_string(o, topic);
    o.push_back('}');
    return o;
}

std::string_view Codec::encode_error(std::string_view reason) {
    std::string& o = in_;
    o.assign(R"({"op":"error","reason":)");
    codec::append_json_string(o, reason);
    o.push_back('}');
    return o;
}

}  // namespace shoal::rawjson
