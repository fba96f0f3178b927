// SPDX-License-Identifier: MIT
#include "worker/codec/pusher_channel_name.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace shoal::codec;

TEST_CASE("pusher channel names: the allowed bytes pass and others fail", "[codec][pusher]") {
    CHECK(valid_channel_name("private-Ab0_-=@,.;"));
    CHECK(valid_channel_name("a"));
    CHECK_FALSE(valid_channel_name(""));
    CHECK_FALSE(valid_channel_name("has space"));
    CHECK_FALSE(valid_channel_name("#server-to-user-1"));
    CHECK_FALSE(valid_channel_name("slash/"));
    CHECK_FALSE(valid_channel_name("caf\xc3\xa9"));
}

TEST_CASE("pusher channel names: 200 bytes pass and 201 fail", "[codec][pusher]") {
    CHECK(valid_channel_name(std::string(200, 'x')));
    CHECK_FALSE(valid_channel_name(std::string(201, 'x')));
}

TEST_CASE("pusher channel names: the prefix selects the kind", "[codec][pusher]") {
    CHECK(channel_kind("news") == ChannelKind::Public);
    CHECK(channel_kind("private-a") == ChannelKind::Private);
    CHECK(channel_kind("private-encrypted-a") == ChannelKind::PrivateEncrypted);
    CHECK(channel_kind("presence-a") == ChannelKind::Presence);
    CHECK(channel_kind("#server-to-user-7") == ChannelKind::ServerToUser);
    CHECK(needs_auth(ChannelKind::Presence));
    CHECK_FALSE(needs_auth(ChannelKind::Public));
    CHECK(valid_user_id("user_1"));
    CHECK_FALSE(valid_user_id(""));
    CHECK_FALSE(valid_user_id("a b"));
}
