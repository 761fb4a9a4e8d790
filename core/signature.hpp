// HMAC-SHA256 webhook signatures: hex(HMAC-SHA256(secret, raw body bytes)),
// under one secret or under any of a rotation's secrets.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd {

inline constexpr std::size_t hmac_sha256_size = 32;
using hmac_sha256_digest = std::array<unsigned char, hmac_sha256_size>;

// The raw HMAC-SHA256 of `data` under `key`.
hmac_sha256_digest hmac_sha256(std::string_view key, std::string_view data);

// Lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

// True when the two digests are equal, in time that does not depend on where
// they differ.
bool digests_equal(const hmac_sha256_digest& a, const hmac_sha256_digest& b);

// True when `signature` is the hex HMAC of `body`. Hex is accepted in either
// case; the comparison of the digests takes the same time wherever they differ.
bool signature_matches(std::string_view secret, std::string_view body,
                       std::string_view signature);

// The signature to check, from every X-Signature field of a request, each
// with optional whitespace (SP, HTAB) around it removed, as RFC 9110 reads a
// field value. Several fields must all carry the same value (hex case aside);
// otherwise, like no field at all, the result is empty, which never matches.
std::string signature_from_fields(const std::vector<std::string_view>& values);

// The index in `secrets` (current first, then previous) of the secret whose
// hex HMAC of `body` is `signature`, or nullopt. Every secret is tried, so
// the time taken does not tell which one matched.
std::optional<std::size_t> matching_secret(const std::vector<std::string>& secrets,
                                           std::string_view body, std::string_view signature);

// The same for Meta's X-Hub-Signature-256 header: "sha256=" then the hex HMAC.
std::optional<std::size_t> matching_hub_secret(const std::vector<std::string>& secrets,
                                               std::string_view body, std::string_view header);

}  // namespace webhookd
