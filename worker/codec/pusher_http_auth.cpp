// SPDX-License-Identifier: MIT
#include "worker/codec/pusher_http_auth.hpp"

#include <algorithm>
#include <charconv>

#include "common/percent_decode.hpp"
#include "worker/codec/pusher_signature.hpp"

namespace shoal::codec {
namespace {

// Percent-decoded ('+' is a space), lower-cased when asked (parameter names compare that way).
bool decode(std::string_view in, std::string& out, bool lower) {
    if (!common::percent_decode(in, out, common::PlusIs::Space)) return false;
    if (lower)
        for (char& c : out)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return true;
}

void sort_params(std::vector<const QueryParam*>& v) {
    std::sort(v.begin(), v.end(),
              [](const QueryParam* a, const QueryParam* b) { return a->key < b->key; });
}

}  // namespace

bool parse_query(std::string_view query, std::vector<QueryParam>& out) {
    out.clear();
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) continue;
        if (out.size() == kMaxQueryParams) return false;
        std::size_t eq = part.find('=');
        QueryParam p;
        if (!decode(part.substr(0, eq), p.key, true)) return false;
        if (eq != std::string_view::npos && !decode(part.substr(eq + 1), p.value, false))
            return false;
        out.push_back(std::move(p));
    }
    return true;
}

const std::string* find_param(const std::vector<QueryParam>& params, std::string_view key) {
    for (const auto& p : params)
        if (p.key == key) return &p.value;
    return nullptr;
}

const char* http_auth_message(HttpAuthStatus status) noexcept {
    switch (status) {
        case HttpAuthStatus::Ok:
            return "ok";
        case HttpAuthStatus::MissingParams:
            return "Missing auth_key, auth_timestamp, auth_version or auth_signature";
        case HttpAuthStatus::UnknownKey:
            return "Unknown auth_key";
        case HttpAuthStatus::BadVersion:
            return "Unsupported auth_version (expected 1.0)";
        case HttpAuthStatus::Expired:
            return "Timestamp expired: auth_timestamp is more than 600 s from the server time";
        case HttpAuthStatus::BadBodyMd5:
            return "body_md5 does not match the body";
        case HttpAuthStatus::BadSignature:
            return "Invalid signature";
    }
    return "unknown";
}

std::string http_string_to_sign(std::string_view method, std::string_view path,
                                const std::vector<QueryParam>& params) {
    std::vector<const QueryParam*> sorted;
    sorted.reserve(params.size());
    for (const auto& p : params)
        if (p.key != "auth_signature") sorted.push_back(&p);
    sort_params(sorted);
    std::string s;
    s.append(method).append("\n").append(path).append("\n");
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i) s.push_back('&');
        s.append(sorted[i]->key).append("=").append(sorted[i]->value);
    }
    return s;
}

HttpAuthStatus verify_http_auth(const HttpAuthInput& in, std::string_view key,
                                std::string_view secret, std::int64_t now_s,
                                std::int64_t window_s) {
    const auto& params = *in.params;
    const std::string* k = find_param(params, "auth_key");
    const std::string* ts = find_param(params, "auth_timestamp");
    const std::string* ver = find_param(params, "auth_version");
    const std::string* sig = find_param(params, "auth_signature");
    if (!k || !ts || !ver || !sig) return HttpAuthStatus::MissingParams;
    if (*k != key) return HttpAuthStatus::UnknownKey;
    if (*ver != "1.0") return HttpAuthStatus::BadVersion;
    std::int64_t t = 0;
    auto [end, ec] = std::from_chars(ts->data(), ts->data() + ts->size(), t);
    if (ec != std::errc{} || end != ts->data() + ts->size()) return HttpAuthStatus::Expired;
    if (t > now_s + window_s || t < now_s - window_s) return HttpAuthStatus::Expired;
    const std::string* md5 = find_param(params, "body_md5");
    if (!in.body.empty() || md5) {
        if (!md5 || !constant_time_equal(view(md5_hex(in.body)), *md5))
            return HttpAuthStatus::BadBodyMd5;
    }
    auto expected = hmac_sha256_hex(secret, http_string_to_sign(in.method, in.path, params));
    if (!constant_time_equal(view(expected), *sig)) return HttpAuthStatus::BadSignature;
    return HttpAuthStatus::Ok;
}

std::string sign_http_query(std::string_view method, std::string_view path,
                            std::vector<QueryParam> params, std::string_view key,
                            std::string_view secret, std::int64_t timestamp_s,
                            std::string_view body) {
    params.push_back({"auth_key", std::string(key)});
    params.push_back({"auth_timestamp", std::to_string(timestamp_s)});
    params.push_back({"auth_version", "1.0"});
    if (!body.empty()) params.push_back({"body_md5", std::string(view(md5_hex(body)))});
    std::string to_sign = http_string_to_sign(method, path, params);
    std::string query = to_sign.substr(method.size() + path.size() + 2);
    query.append("&auth_signature=").append(view(hmac_sha256_hex(secret, to_sign)));
    return query;
}

}  // namespace shoal::codec
