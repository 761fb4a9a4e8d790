#include "core/standard_webhooks.hpp"

#include <algorithm>

#include "core/base64.hpp"
#include "core/signature.hpp"

namespace webhookd {

namespace {

// Decimal digits only, at most 18 of them (no sign, no overflow).
std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string signed_content(std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return content;
}

// The v1 digests of a space-separated signature list; other versions (v1a is
// asymmetric, which webhookd does not configure) and malformed entries are skipped.
std::vector<hmac_sha256_digest> v1_digests(std::string_view list) {
  std::vector<hmac_sha256_digest> digests;
  while (!list.empty()) {
    auto space = list.find(' ');
    auto entry = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
    constexpr std::string_view v1 = "v1,";
    if (entry.substr(0, v1.size()) != v1) continue;
    auto bytes = base64_decode(entry.substr(v1.size()));
    if (!bytes || bytes->size() != hmac_sha256_size) continue;
    hmac_sha256_digest digest{};
    std::copy(bytes->begin(), bytes->end(), digest.begin());
    digests.push_back(digest);
  }
  return digests;
}

}  // namespace

std::optional<std::string> decode_standard_webhooks_secret(std::string_view secret) {
  constexpr std::string_view prefix = "whsec_";
  if (secret.substr(0, prefix.size()) == prefix) secret.remove_prefix(prefix.size());
  auto key = base64_decode(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

std::string standard_webhooks_sign(std::string_view key, std::string_view id, std::int64_t timestamp,
                                   std::string_view body) {
  const auto digest = hmac_sha256(key, signed_content(id, std::to_string(timestamp), body));
  return "v1," + base64_encode({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

std::optional<std::size_t> standard_webhooks_match(const std::vector<std::string>& keys,
                                                   const standard_webhooks_headers& headers,
                                                   std::string_view body,
                                                   std::int64_t now_unix_seconds) {
  if (headers.id.empty() || headers.signature.empty()) return std::nullopt;
  auto timestamp = parse_unix_seconds(headers.timestamp);
  if (!timestamp) return std::nullopt;
  const auto age = now_unix_seconds - *timestamp;
  if (age > standard_webhooks_tolerance_seconds || age < -standard_webhooks_tolerance_seconds)
    return std::nullopt;
  const auto given = v1_digests(headers.signature);
  if (given.empty()) return std::nullopt;
  const auto content = signed_content(headers.id, headers.timestamp, body);
  std::optional<std::size_t> match;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const auto expected = hmac_sha256(keys[k], content);
    for (const auto& digest : given)
      if (digests_equal(digest, expected) && !match) match = k;
  }
  return match;
}

}  // namespace webhookd
