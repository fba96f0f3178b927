// SPDX-License-Identifier: MIT
#include "worker/codec/phoenix_presence.hpp"

#include <charconv>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "worker/codec/json_text.hpp"

namespace shoal::codec {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

void append_phx_ref(std::string& out, std::uint32_t slot, std::uint64_t epoch, std::uint64_t conn) {
    out += 'F';
    append_uint(out, slot);
    out += '.';
    append_uint(out, epoch);
    out += '.';
    append_uint(out, conn);
}

void append_presence_meta(std::string& out, std::string_view phx_ref, std::string_view info_json) {
    out += "{\"phx_ref\":";
    append_json_string(out, phx_ref);
    if (info_json.size() >= 2 && info_json.front() == '{' && info_json.back() == '}') {
        std::string_view inner = info_json.substr(1, info_json.size() - 2);
        if (inner.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            out += ',';
            out += inner;
        }
    } else if (!info_json.empty()) {
        out += ",\"user_info\":";
        out += info_json;
    }
    out += '}';
}

void open_presence_entry(std::string& out, std::string_view key) {
    append_json_string(out, key);
    out += ":{\"metas\":[";
}

void close_presence_entry(std::string& out) {
    out += "]}";
}

bool is_json_value(std::string_view text) noexcept {
    if (text.empty()) return false;
    rapidjson::MemoryStream ms(text.data(), text.size());
    rapidjson::BaseReaderHandler<> h;
    rapidjson::Reader reader;
    return !reader.Parse<rapidjson::kParseValidateEncodingFlag>(ms, h).IsError();
}

void append_json_or_string(std::string& out, std::string_view data) {
    if (is_json_value(data))
        out += data;
    else
        append_json_string(out, data);
}

}  // namespace shoal::codec
