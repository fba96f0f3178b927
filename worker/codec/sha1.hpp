// SPDX-License-Identifier: MIT
// SHA-1 (FIPS 180-4) of a short message, for the WebSocket accept key only. Our own because
// libcrypto's one-shot SHA1() fetches its algorithm through the provider machinery: the first
// call pages in about 2 MiB of libcrypto (docs/benchmarks.md, memory per connection) and every
// call takes a lock. Not for anything that needs a cryptographic guarantee.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace shoal::codec {

using Sha1Digest = std::array<std::uint8_t, 20>;

Sha1Digest sha1(std::string_view message) noexcept;

// Standard base64 (RFC 4648, with padding) of the digest: 28 characters into out.
void base64_digest(const Sha1Digest& digest, char (&out)[28]) noexcept;

}  // namespace shoal::codec
