// Standard Webhooks signatures (www.standardwebhooks.com, spec 1.0.0):
// webhook-signature holds space-separated "v1,<base64 HMAC-SHA256>" entries
// over "<webhook-id>.<webhook-timestamp>.<raw body>", keyed with the bytes of
// a "whsec_<base64>" secret; webhook-timestamp is Unix seconds and must lie
// within the tolerance of now, both ways, against replays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd {

// The spec's recommended tolerance, both into the past and the future.
inline constexpr std::int64_t standard_webhooks_tolerance_seconds = 5 * 60;

// The key bytes of a "whsec_<base64>" secret ("whsec_" may be left out, as the
// spec's libraries allow), or nullopt when the rest is not canonical base64
// of at least one byte.
std::optional<std::string> decode_standard_webhooks_secret(std::string_view secret);

struct standard_webhooks_headers {
  std::string_view id;
  std::string_view timestamp;
  std::string_view signature;
};

// "v1,<base64>" of the signed content under `key` (what a sender puts in the header).
std::string standard_webhooks_sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                                   std::string_view body);

// The index in `keys` (current first) of a key that signed the request, or
// nullopt: when a header is missing, the timestamp is not decimal Unix seconds
// within the tolerance of `now_unix_seconds`, or no v1 entry of the list
// matches under any key. Every key is tried against every entry, each
// comparison in constant time.
std::optional<std::size_t> standard_webhooks_match(const std::vector<std::string>& keys,
                                                   const standard_webhooks_headers& headers,
                                                   std::string_view body,
                                                   std::int64_t now_unix_seconds);

}  // namespace webhookd
