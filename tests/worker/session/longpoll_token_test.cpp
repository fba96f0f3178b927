// SPDX-License-Identifier: MIT
// The long-poll session token: it round-trips slot, epoch and session, and anything another
// secret signed, or anything altered, is refused.
#include "worker/session/longpoll_token.hpp"

#include <catch2/catch.hpp>

using namespace shoal::session;

TEST_CASE("a long-poll token names its slot, epoch and session") {
    const std::string t = sign_longpoll_token({3, 17, 99, 5}, "secret");
    CHECK(t.starts_with("lp1.3.17.99.5."));
    LongPollToken out;
    REQUIRE(verify_longpoll_token(t, "secret", out));
    CHECK(out.slot == 3);
    CHECK(out.epoch == 17);
    CHECK(out.session == 99);
    CHECK(out.nonce == 5);
}

TEST_CASE("tokens of another secret, altered or malformed tokens are refused") {
    LongPollToken out;
    const std::string t = sign_longpoll_token({1, 2, 3, 4}, "secret");
    CHECK_FALSE(verify_longpoll_token(t, "other", out));
    std::string altered = t;
    altered[4] = '2';  // another slot, same mac
    CHECK_FALSE(verify_longpoll_token(altered, "secret", out));
    CHECK_FALSE(verify_longpoll_token("", "secret", out));
    CHECK_FALSE(verify_longpoll_token("lp1.1.2.3.4", "secret", out));
    CHECK_FALSE(verify_longpoll_token(t.substr(0, t.size() - 1), "secret", out));
    CHECK_FALSE(verify_longpoll_token("SFMyNTY.g2gDaAJh", "secret", out));  // a Phoenix token
}
