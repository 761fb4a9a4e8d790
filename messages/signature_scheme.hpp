// The signature schemes webhookd accepts, and which of a scheme's secrets
// matched: names shared by the verifier, the metrics and the logs.
#pragma once

#include <cstdint>
#include <string_view>

namespace webhookd {

enum class signature_scheme : std::uint8_t {
  x_signature,        // POST /webhook, X-Signature: hex HMAC (the seed's scheme)
  standard_webhooks,  // POST /webhook, webhook-id / webhook-timestamp / webhook-signature
  whatsapp,           // POST /webhook/whatsapp, X-Hub-Signature-256: sha256=<hex HMAC>
};
inline constexpr std::size_t signature_scheme_count = 3;

// The current secret, or the previous one while a rotation is under way.
enum class secret_slot : std::uint8_t { current, previous };
inline constexpr std::size_t secret_slot_count = 2;

constexpr std::string_view to_string(signature_scheme scheme) {
  switch (scheme) {
    case signature_scheme::x_signature: return "x_signature";
    case signature_scheme::standard_webhooks: return "standard_webhooks";
    case signature_scheme::whatsapp: return "whatsapp";
  }
  return "unknown";
}

constexpr std::string_view to_string(secret_slot slot) {
  return slot == secret_slot::current ? "current" : "previous";
}

}  // namespace webhookd
