// HMAC-SHA256 webhook signatures: hex(HMAC-SHA256(secret, raw body bytes)).
#pragma once

#include <string>
#include <string_view>

namespace webhookd {

// Lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

// True when `signature` is the hex HMAC of `body`. Hex is accepted in either
// case; the comparison of the digests takes the same time wherever they differ.
bool signature_matches(std::string_view secret, std::string_view body,
                       std::string_view signature);

}  // namespace webhookd
