// SPDX-License-Identifier: MIT
// RFC 3986 percent-decoding, shared by the HTTP API's query strings (worker/codec) and the
// credentials of a --cluster URL (supervisor/cluster), which may not depend on each other.
#pragma once

#include <string>
#include <string_view>

namespace shoal::common {

enum class PlusIs { Plus, Space };  // '+' is a space only in form-encoded query strings

// Decodes `in` into `out` (cleared first); false on a '%' not followed by two hex digits.
bool percent_decode(std::string_view in, std::string& out, PlusIs plus = PlusIs::Plus);

}  // namespace shoal::common
