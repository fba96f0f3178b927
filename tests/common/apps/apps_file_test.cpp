// SPDX-License-Identifier: MIT
// test-links: shoal_apps
#include "common/apps/apps_file.hpp"

#include <catch2/catch.hpp>

using namespace shoal::common;
using Catch::Matchers::Contains;

namespace {

std::string refusal(std::string_view json) {
    auto r = parse_apps(json);
    REQUIRE_FALSE(r.ok());
    return r.error().context;
}

}  // namespace

TEST_CASE("an apps file is an array or an object with apps, with Pusher's defaults") {
    auto r = parse_apps(R"([{"id":"1","key":"k1","secret":"s1"}])");
    REQUIRE(r.ok());
    const App& a = r.value().at(0);
    CHECK(a.enabled);
    CHECK_FALSE(a.limits.client_events);
    CHECK(a.limits.max_channels_per_event == 100);
    CHECK(a.limits.max_presence_members == 100);
    CHECK(a.limits.max_connections == 0);
    CHECK(a.allows_origin("https://anything.example"));
    CHECK(a.history.events == 0);  // history is opt-in
    CHECK_FALSE(a.history.enabled_for("any"));

    auto o = parse_apps(R"({"apps":[{"id":"1","key":"k1","secret":"s1"},
                                    {"id":"2","key":"k2","secret":"s2","enabled":false}]})");
    REQUIRE(o.ok());
    CHECK(o.value().size() == 2);
    CHECK_FALSE(o.value()[1].enabled);
}

TEST_CASE("every field of an app is read") {
    auto r = parse_apps(R"([{"id":"42","key":"key-42","secret":"shh","name":"Shop",
        "enabled":true,"max_connections":500,"enable_client_events":true,
        "max_client_events_per_second":5,"max_event_bytes":2048,"max_channels_per_event":10,
        "max_presence_members":7,"max_presence_member_bytes":64,
        "allowed_origins":["https://shop.example"],
        "webhooks":[{"url":"https://hooks.example/p","event_types":["channel_occupied"],
                     "channel_prefix":"presence-"}],
        "history":{"events":300,"seconds":60,"channel_prefix":"feed-"}}])");
    REQUIRE(r.ok());
    const App& a = r.value().at(0);
    CHECK(a.name == "Shop");
    CHECK(a.history.events == 300);
    CHECK(a.history.seconds == 60);
    CHECK(a.history.enabled_for("feed-1"));
    CHECK_FALSE(a.history.enabled_for("chat"));
    CHECK(a.limits.max_connections == 500);
    CHECK(a.limits.client_events);
    CHECK(a.limits.client_events_per_second == 5);
    CHECK(a.limits.max_event_bytes == 2048);
    CHECK(a.limits.max_channels_per_event == 10);
    CHECK(a.limits.max_presence_members == 7);
    CHECK(a.limits.max_presence_member_bytes == 64);
    CHECK(a.allows_origin("https://shop.example"));
    CHECK_FALSE(a.allows_origin("https://evil.example"));
    CHECK(a.allows_origin(""));  // no Origin header: not a browser
    REQUIRE(a.webhooks.size() == 1);
    CHECK(a.webhooks[0].url == "https://hooks.example/p");
    CHECK(a.webhooks[0].event_types == std::vector<std::string>{"channel_occupied"});
    CHECK(a.webhooks[0].channel_prefix == "presence-");
}

TEST_CASE("a bad apps file is refused whole, naming the app and the field") {
    CHECK_THAT(refusal("[{"), Contains("invalid JSON at offset"));
    CHECK_THAT(refusal("[]"), Contains("no app"));
    CHECK_THAT(refusal(R"({"app":[]})"), Contains("\"apps\" is required"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k"}])"), Contains("app \"1\": \"secret\" is required"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","max_conections":3}])"),
               Contains("unknown field \"max_conections\""));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","max_connections":-1}])"),
               Contains("\"max_connections\" must be an integer"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","enabled":"yes"}])"),
               Contains("\"enabled\" must be true or false"));
    CHECK_THAT(refusal(R"([{"id":"a/b","key":"k","secret":"s"}])"), Contains("\"id\""));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s p"}])"), Contains("\"secret\""));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s"},{"id":"1","key":"k2","secret":"s"}])"),
               Contains("app id \"1\" appears twice"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s"},{"id":"2","key":"k","secret":"s"}])"),
               Contains("app key \"k\" appears twice"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","webhooks":[{"url":"ftp://x"}]}])"),
               Contains("webhook #1: \"url\""));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s",
                            "webhooks":[{"url":"http://x","event_types":["member_joined"]}]}])"),
               Contains("unknown event type \"member_joined\""));
    CHECK_THAT(refusal(R"([7])"), Contains("app #1 must be an object"));
}

TEST_CASE("an app's history settings are checked like every field") {
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","history":{"seconds":5}}])"),
               Contains("app \"1\" history: \"events\" is required"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","history":{"events":0}}])"),
               Contains("\"events\" must be an integer from 1 to 100000"));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","history":{"events":5,"size":1}}])"),
               Contains("history: unknown field \"size\""));
    CHECK_THAT(refusal(R"([{"id":"1","key":"k","secret":"s","history":[]}])"),
               Contains("history must be an object"));
    auto r = parse_apps(R"([{"id":"1","key":"k","secret":"s","history":{"events":10}}])");
    REQUIRE(r.ok());
    CHECK(r.value()[0].history.seconds == 300);
    CHECK(r.value()[0].history.enabled_for("anything"));
}

TEST_CASE("an app set finds apps by key and by id; the first is the default") {
    auto r =
        parse_apps(R"([{"id":"1","key":"k1","secret":"s1"},{"id":"2","key":"k2","secret":"s2"}])");
    REQUIRE(r.ok());
    AppSet set(std::move(r).value());
    REQUIRE(set.find_key("k2"));
    CHECK(set.find_key("k2")->id == "2");
    CHECK(set.find_id("1")->key == "k1");
    CHECK(set.find_key("1") == nullptr);
    CHECK(set.find_id("k1") == nullptr);
    CHECK(set.default_app().id == "1");
}

TEST_CASE("the flag-built app keeps client events on and the server's limits") {
    Config c;
    c.limits.client_events_per_second = 3;
    App a = app_from_flags(c);
    CHECK(a.id == "app-id");
    CHECK(a.key == "app-key");
    CHECK(a.limits.client_events);
    CHECK(a.limits.client_events_per_second == 3);
}

TEST_CASE("a missing apps file is an error naming it") {
    auto r = load_apps_file("/nonexistent/apps.json");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Contains("/nonexistent/apps.json"));
}
