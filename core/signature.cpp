#include "core/signature.hpp"

#include <array>
#include <cstdint>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace webhookd {

namespace {

constexpr std::size_t digest_size = 32;
using digest = std::array<unsigned char, digest_size>;

bool compute(std::string_view secret, std::string_view body, digest& out) {
  unsigned int length = 0;
  // An empty body is valid input; HMAC() wants a non-null data pointer.
  static const unsigned char empty = 0;
  const auto* data = body.empty() ? &empty : reinterpret_cast<const unsigned char*>(body.data());
  return HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data, body.size(),
              out.data(), &length) != nullptr &&
         length == digest_size;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  static constexpr char hex[] = "0123456789abcdef";
  digest mac{};
  if (!compute(secret, body, mac)) return {};
  std::string out;
  out.reserve(digest_size * 2);
  for (auto byte : mac) {
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0x0f]);
  }
  return out;
}

bool signature_matches(std::string_view secret, std::string_view body,
                       std::string_view signature) {
  // The length is public (always 64 hex digits), so checking it first leaks nothing.
  if (signature.size() != digest_size * 2) return false;
  digest given{};
  for (std::size_t i = 0; i < digest_size; ++i) {
    int high = hex_value(signature[2 * i]);
    int low = hex_value(signature[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    given[i] = static_cast<unsigned char>(high << 4 | low);
  }
  digest expected{};
  if (!compute(secret, body, expected)) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), digest_size) == 0;
}

}  // namespace webhookd
