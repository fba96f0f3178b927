// SPDX-License-Identifier: MIT
// The join payload is small and parsed once per join (not per message), so a plain Document.
#include "worker/codec/phoenix_join_since.hpp"

#include <rapidjson/document.h>

#include "worker/codec/json_text.hpp"
#include "worker/codec/pusher_message.hpp"  // kMaxJsonDepth

namespace shoal::codec {

namespace {
constexpr std::size_t kMaxEpochBytes = 64;
}  // namespace

JoinSince parse_join_since(std::string_view payload_json, JoinPosition& out) {
    if (scan_json_text(payload_json, kMaxJsonDepth) != JsonScan::Ok) return JoinSince::Malformed;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(payload_json.data(), payload_json.size());
    if (doc.HasParseError() || !doc.IsObject()) return JoinSince::Malformed;
    auto since = doc.FindMember("since");
    if (since == doc.MemberEnd()) return JoinSince::Absent;
    const auto& s = since->value;
    if (!s.IsObject()) return JoinSince::Malformed;
    auto offset = s.FindMember("offset");
    auto epoch = s.FindMember("epoch");
    if (offset == s.MemberEnd() || !offset->value.IsUint64() || epoch == s.MemberEnd() ||
        !epoch->value.IsString() || epoch->value.GetStringLength() > kMaxEpochBytes)
        return JoinSince::Malformed;
    out.offset = offset->value.GetUint64();
    out.epoch.assign(epoch->value.GetString(), epoch->value.GetStringLength());
    return JoinSince::Present;
}

}  // namespace shoal::codec
