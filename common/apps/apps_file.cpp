// SPDX-License-Identifier: MIT
#include "common/apps/apps_file.hpp"

#include <cstdio>
#include <memory>
#include <unordered_set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace shoal::common {
namespace {

using Value = rapidjson::Value;

Error bad(std::string what) {
    return Error{Errc::Config, 0, std::move(what)};
}

bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// Ids and keys appear in URLs (/app/{key}, /apps/{id}) and in bus topics, so they are plain.
bool is_plain_name(std::string_view s) noexcept {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!is_name_char(c)) return false;
    return true;
}

bool is_secret(std::string_view s) noexcept {
    if (s.empty() || s.size() > 256) return false;
    for (char c : s)
        if (c <= ' ' || c > '~') return false;
    return true;
}

constexpr std::string_view kEventTypes[] = {"channel_occupied", "channel_vacated", "member_added",
                                            "member_removed",   "client_event",    "cache_miss"};

// Reads one object's fields, each at most once, and refuses any it does not know.
class Fields {
  public:
    Fields(const Value& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

    const Value* get(const char* name) {
        known_.insert(name);
        auto it = obj_.FindMember(name);
        return it == obj_.MemberEnd() ? nullptr : &it->value;
    }
    Result<void> string(const char* name, std::string& out, bool required) {
        const Value* v = get(name);
        if (!v) {
            if (required) return fail(name, "is required");
            return {};
        }
        if (!v->IsString()) return fail(name, "must be a string");
        out.assign(v->GetString(), v->GetStringLength());
        return {};
    }
    Result<void> boolean(const char* name, bool& out) {
        const Value* v = get(name);
        if (!v) return {};
        if (!v->IsBool()) return fail(name, "must be true or false");
        out = v->GetBool();
        return {};
    }
    Result<void> number(const char* name, std::uint32_t& out, std::uint32_t lo, std::uint32_t hi) {
        const Value* v = get(name);
        if (!v) return {};
        if (!v->IsUint() || v->GetUint() < lo || v->GetUint() > hi)
            return fail(name, "must be an integer from " + std::to_string(lo) + " to " +
                                  std::to_string(hi));
        out = v->GetUint();
        return {};
    }
    Result<void> strings(const char* name, std::vector<std::string>& out) {
        const Value* v = get(name);
        if (!v) return {};
        if (!v->IsArray()) return fail(name, "must be an array of strings");
        for (const auto& s : v->GetArray()) {
            if (!s.IsString()) return fail(name, "must be an array of strings");
            out.emplace_back(s.GetString(), s.GetStringLength());
        }
        return {};
    }
    // After every get(): a field nobody asked for is a typo or an unsupported option.
    Result<void> no_unknown() const {
        for (auto it = obj_.MemberBegin(); it != obj_.MemberEnd(); ++it)
            if (!known_.count(it->name.GetString()))
                return bad(where_ + ": unknown field \"" + it->name.GetString() + "\"");
        return {};
    }
    Error fail(const char* name, const std::string& why) const {
        return bad(where_ + ": \"" + name + "\" " + why);
    }

  private:
    const Value& obj_;
    std::string where_;
    std::unordered_set<std::string> known_;
};

#define SHOAL_TRY(expr)             \
    do {                            \
        auto r_ = (expr);           \
        if (!r_) return r_.error(); \
    } while (0)

Result<Webhook> parse_webhook(const Value& v, const std::string& where) {
    if (!v.IsObject()) return bad(where + " must be an object");
    Webhook w;
    Fields f(v, where);
    SHOAL_TRY(f.string("url", w.url, true));
    SHOAL_TRY(f.strings("event_types", w.event_types));
    SHOAL_TRY(f.string("channel_prefix", w.channel_prefix, false));
    SHOAL_TRY(f.no_unknown());
    if (!w.url.starts_with("http://") && !w.url.starts_with("https://"))
        return f.fail("url", "must start with http:// or https://");
    for (const auto& t : w.event_types) {
        bool known = false;
        for (auto k : kEventTypes)
            known = known || t == k;
        if (!known) return f.fail("event_types", "holds an unknown event type \"" + t + "\"");
    }
    return w;
}

Result<HistorySettings> parse_history(const Value& v, const std::string& where) {
    if (!v.IsObject()) return bad(where + " must be an object");
    HistorySettings h;
    Fields f(v, where);
    SHOAL_TRY(f.number("events", h.events, 1, 100'000));
    SHOAL_TRY(f.number("seconds", h.seconds, 1, 86'400));
    SHOAL_TRY(f.string("channel_prefix", h.channel_prefix, false));
    SHOAL_TRY(f.no_unknown());
    if (h.events == 0) return f.fail("events", "is required");
    if (h.channel_prefix.size() > 200) return f.fail("channel_prefix", "must be at most 200 bytes");
    return h;
}

Result<App> parse_app(const Value& v, std::size_t index) {
    std::string where = "app #" + std::to_string(index + 1);
    if (!v.IsObject()) return bad(where + " must be an object");
    if (auto id = v.FindMember("id"); id != v.MemberEnd() && id->value.IsString())
        where = std::string("app \"") + id->value.GetString() + "\"";
    App a;
    AppLimits& l = a.limits;
    Fields f(v, where);
    SHOAL_TRY(f.string("id", a.id, true));
    SHOAL_TRY(f.string("key", a.key, true));
    SHOAL_TRY(f.string("secret", a.secret, true));
    SHOAL_TRY(f.string("name", a.name, false));
    SHOAL_TRY(f.boolean("enabled", a.enabled));
    SHOAL_TRY(f.number("max_connections", l.max_connections, 0, 10'000'000));
    SHOAL_TRY(f.boolean("enable_client_events", l.client_events));
    SHOAL_TRY(f.number("max_client_events_per_second", l.client_events_per_second, 1, 10'000));
    SHOAL_TRY(f.number("max_event_bytes", l.max_event_bytes, 1, 1u << 20));
    SHOAL_TRY(f.number("max_channels_per_event", l.max_channels_per_event, 1, 10'000));
    SHOAL_TRY(f.number("max_presence_members", l.max_presence_members, 1, 100'000));
    SHOAL_TRY(f.number("max_presence_member_bytes", l.max_presence_member_bytes, 1, 64 * 1024));
    SHOAL_TRY(f.strings("allowed_origins", a.allowed_origins));
    if (const Value* hooks = f.get("webhooks")) {
        if (!hooks->IsArray()) return f.fail("webhooks", "must be an array");
        for (rapidjson::SizeType i = 0; i < hooks->Size(); ++i) {
            auto w = parse_webhook((*hooks)[i], where + " webhook #" + std::to_string(i + 1));
            if (!w) return w.error();
            a.webhooks.push_back(std::move(w).value());
        }
    }
    if (const Value* history = f.get("history")) {
        auto h = parse_history(*history, where + " history");
        if (!h) return h.error();
        a.history = std::move(h).value();
    }
    SHOAL_TRY(f.no_unknown());
    if (!is_plain_name(a.id)) return f.fail("id", "must be 1-64 characters of [A-Za-z0-9._-]");
    if (!is_plain_name(a.key)) return f.fail("key", "must be 1-64 characters of [A-Za-z0-9._-]");
    if (!is_secret(a.secret)) return f.fail("secret", "must be 1-256 printable ASCII characters");
    if (a.name.size() > 256) return f.fail("name", "must be at most 256 bytes");
    return a;
}

}  // namespace

Result<std::vector<App>> parse_apps(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError())
        return bad(std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                   ": " + rapidjson::GetParseError_En(doc.GetParseError()));
    const Value* list = &doc;
    if (doc.IsObject()) {
        Fields top(doc, "the file");
        list = top.get("apps");
        if (!list) return bad("the file: \"apps\" is required");
        SHOAL_TRY(top.no_unknown());
    }
    if (!list->IsArray()) return bad("the file must hold an array of apps or {\"apps\": [...]}");
    if (list->Empty()) return bad("the file holds no app");
    if (list->Size() > kMaxApps) return bad("the file holds more than 100000 apps");
    std::vector<App> apps;
    apps.reserve(list->Size());
    std::unordered_set<std::string_view> ids, keys;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        auto a = parse_app((*list)[i], i);
        if (!a) return a.error();
        apps.push_back(std::move(a).value());
    }
    for (const App& a : apps) {
        if (!ids.insert(a.id).second) return bad("app id \"" + a.id + "\" appears twice");
        if (!keys.insert(a.key).second) return bad("app key \"" + a.key + "\" appears twice");
    }
    return apps;
}

Result<std::string> read_apps_file(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) return sys_error("open() failed: apps file " + path);
    std::string text;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
        text.append(buf, n);
        if (text.size() > kMaxAppsFileBytes)
            return bad("apps file " + path + " is larger than 64 MiB");
    }
    if (std::ferror(f.get())) return sys_error("read() failed: apps file " + path);
    return text;
}

Result<std::vector<App>> load_apps_file(const std::string& path) {
    auto text = read_apps_file(path);
    if (!text) return text.error();
    auto apps = parse_apps(text.value());
    if (!apps) return bad("apps file " + path + ": " + apps.error().context);
    return apps;
}

}  // namespace shoal::common
