// libFuzzer target: the X-Signature check against a reference oracle.
// Input layout: [secret length][secret][signature length][signature][body...]
// (lengths one byte each, cut to what is there). signature_matches must be
// true exactly when the signature is 64 hex digits, in any case, equal to
// hex(HMAC-SHA256(secret, body)); the real digest must always match, in
// lower and upper case.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/signature.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

std::string_view take(std::string_view& input) {
  if (input.empty()) return {};
  auto length = static_cast<unsigned char>(input.front());
  input.remove_prefix(1);
  auto part = input.substr(0, length);
  input.remove_prefix(part.size());
  return part;
}

bool oracle(std::string_view signature, const std::string& expected) {
  if (signature.size() != 64) return false;
  for (std::size_t i = 0; i < 64; ++i) {
    auto c = static_cast<unsigned char>(signature[i]);
    if (!std::isxdigit(c) || std::tolower(c) != static_cast<unsigned char>(expected[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto secret = take(input);
  auto signature = take(input);
  auto body = input;

  auto expected = webhookd::hmac_sha256_hex(secret, body);
  require(expected.size() == 64);
  require(webhookd::signature_matches(secret, body, signature) == oracle(signature, expected));
  require(webhookd::signature_matches(secret, body, expected));
  std::string upper = expected;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  require(webhookd::signature_matches(secret, body, upper));
  return 0;
}
