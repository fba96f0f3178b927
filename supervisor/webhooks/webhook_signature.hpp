// SPDX-License-Identifier: MIT
// X-Pusher-Signature: the lowercase hex HMAC-SHA256 of the request body keyed with the app's
// secret, which the Pusher server SDKs check (pusher.webhook(request).isValid()). Pure.
#pragma once

#include <string>
#include <string_view>

namespace shoal::webhooks {

std::string sign_body(std::string_view secret, std::string_view body);

}  // namespace shoal::webhooks
