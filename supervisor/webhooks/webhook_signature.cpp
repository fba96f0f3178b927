// SPDX-License-Identifier: MIT
#include "supervisor/webhooks/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace shoal::webhooks {

std::string sign_body(std::string_view secret, std::string_view body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(2 * len, '0');
    for (unsigned int i = 0; i < len; ++i) {
        out[2 * i] = kHex[mac[i] >> 4];
        out[2 * i + 1] = kHex[mac[i] & 0xF];
    }
    return out;
}

}  // namespace shoal::webhooks
