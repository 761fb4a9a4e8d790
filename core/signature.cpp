#include "core/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace webhookd {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim_optional_whitespace(std::string_view value) {
  auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  return value;
}

bool same_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The digest written as 64 hex digits (either case), or nullopt.
std::optional<hmac_sha256_digest> parse_hex_digest(std::string_view signature) {
  // The length is public (always 64 hex digits), so checking it first leaks nothing.
  if (signature.size() != hmac_sha256_size * 2) return std::nullopt;
  hmac_sha256_digest given{};
  for (std::size_t i = 0; i < hmac_sha256_size; ++i) {
    int high = hex_value(signature[2 * i]);
    int low = hex_value(signature[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    given[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return given;
}

}  // namespace

std::string signature_from_fields(const std::vector<std::string_view>& values) {
  if (values.empty()) return {};
  const auto first = trim_optional_whitespace(values.front());
  for (std::size_t i = 1; i < values.size(); ++i)
    if (!same_ignoring_ascii_case(first, trim_optional_whitespace(values[i]))) return {};
  return std::string{first};
}

hmac_sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  hmac_sha256_digest out{};
  unsigned int length = 0;
  // Empty input is valid; HMAC() wants non-null pointers.
  static const unsigned char empty = 0;
  const auto* bytes = data.empty() ? &empty : reinterpret_cast<const unsigned char*>(data.data());
  const void* key_bytes = key.empty() ? static_cast<const void*>(&empty) : key.data();
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), bytes, data.size(), out.data(),
           &length) == nullptr ||
      length != hmac_sha256_size)
    out.fill(0);  // never happens with SHA-256; an all-zero digest matches no real signature
  return out;
}

bool digests_equal(const hmac_sha256_digest& a, const hmac_sha256_digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), hmac_sha256_size) == 0;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto mac = hmac_sha256(secret, body);
  std::string out;
  out.reserve(hmac_sha256_size * 2);
  for (auto byte : mac) {
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0x0f]);
  }
  return out;
}

bool signature_matches(std::string_view secret, std::string_view body,
                       std::string_view signature) {
  auto given = parse_hex_digest(signature);
  return given && digests_equal(*given, hmac_sha256(secret, body));
}

std::optional<std::size_t> matching_secret(const std::vector<std::string>& secrets,
                                           std::string_view body, std::string_view signature) {
  auto given = parse_hex_digest(signature);
  if (!given) return std::nullopt;
  std::optional<std::size_t> match;
  for (std::size_t i = 0; i < secrets.size(); ++i)
    if (digests_equal(*given, hmac_sha256(secrets[i], body)) && !match) match = i;
  return match;
}

std::optional<std::size_t> matching_hub_secret(const std::vector<std::string>& secrets,
                                               std::string_view body, std::string_view header) {
  constexpr std::string_view prefix = "sha256=";
  if (header.substr(0, prefix.size()) != prefix) return std::nullopt;
  return matching_secret(secrets, body, header.substr(prefix.size()));
}

}  // namespace webhookd
