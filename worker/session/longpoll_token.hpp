// SPDX-License-Identifier: MIT
// The long-poll session token: "lp1.<slot>.<epoch>.<session>.<nonce>.<mac>", mac the first 32 hex
// digits of HMAC-SHA256(app secret, everything before it). It names the worker that owns the
// session (slot and epoch), so any worker can forward a request there; it cannot be forged or
// carried over from a server with another secret, and the owner's random nonce makes a token of
// an earlier run of the same server (same slot, epoch and session number) worthless. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::session {

struct LongPollToken {
    std::uint32_t slot = 0;
    std::uint64_t epoch = 0;
    std::uint64_t session = 0;
    std::uint64_t nonce = 0;  // the owning worker's, random per start
};

std::string sign_longpoll_token(const LongPollToken& t, std::string_view secret);
// False for anything that is not a token this secret signed.
bool verify_longpoll_token(std::string_view text, std::string_view secret, LongPollToken& out);

}  // namespace shoal::session
