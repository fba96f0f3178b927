// SPDX-License-Identifier: MIT
#include "worker/codec/topic_policy.hpp"

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("topic_policy: both protocols' guarded prefixes guard the one namespace",
          "[codec][topic_policy]") {
    for (auto t : {"private-a", "private-encrypted-a", "presence-a", "private:a", "presence:a",
                   "private-cache-a", "presence-cache-a"})
        CHECK(topic_access(t) == TopicAccess::Guarded);
    for (auto t : {"room", "room:lobby", "cache-a", "privatea", "presence", "a-private-b"})
        CHECK(topic_access(t) == TopicAccess::Public);
    CHECK(topic_access("#server-to-user-1") == TopicAccess::Reserved);
}

TEST_CASE("topic_policy: presence topics of either protocol, and who may cross protocols",
          "[codec][topic_policy]") {
    CHECK(is_presence_topic("presence-room"));
    CHECK(is_presence_topic("presence:room"));
    CHECK_FALSE(is_presence_topic("private-room"));
    CHECK_FALSE(is_presence_topic("room"));
    CHECK(accepts_foreign_client_events("room:lobby"));
    CHECK_FALSE(accepts_foreign_client_events("private-room"));
    CHECK_FALSE(accepts_foreign_client_events("presence:room"));
    CHECK_FALSE(accepts_foreign_client_events("#server-to-user-9"));
}
