#include "actors/verifier_actor.hpp"

#include <chrono>

#include "core/instrumented.hpp"
#include "core/signature.hpp"
#include "core/standard_webhooks.hpp"

namespace webhookd {

namespace {

std::vector<std::string> current_then_previous(const std::optional<std::string>& current,
                                               const std::optional<std::string>& previous) {
  std::vector<std::string> out;
  if (current) out.push_back(*current);
  if (current && previous) out.push_back(*previous);
  return out;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

signature_verdict verify(const verification_secrets& secrets, const signature_check& check) {
  if (!check.body) return {};
  const auto& body = *check.body;
  std::optional<std::size_t> match;
  switch (check.scheme) {
    case signature_scheme::x_signature:
      match = matching_secret(secrets.x_signature, body, check.signature);
      break;
    case signature_scheme::standard_webhooks:
      match = standard_webhooks_match(secrets.standard_webhooks,
                                      {check.webhook_id, check.webhook_timestamp, check.signature}, body,
                                      unix_now());
      break;
    case signature_scheme::whatsapp:
      match = matching_hub_secret(secrets.whatsapp, body, check.signature);
      break;
  }
  if (!match) return {};
  return {true, *match == 0 ? secret_slot::current : secret_slot::previous};
}

verifier_actor::behavior_type verifier(verifier_actor::pointer self, verification_secrets secrets,
                                       probe_ptr probe) {
  watch_actor(self, probe, "scheduled");
  return {
    instrumented(self, probe,
                 [secrets](verify_atom, const signature_check& check) { return verify(secrets, check); }),
  };
}

}  // namespace

verification_secrets secrets_from(const config& cfg) {
  return {current_then_previous(cfg.webhook_secret, cfg.webhook_secret_previous),
          current_then_previous(cfg.standard_webhooks_key, cfg.standard_webhooks_key_previous),
          current_then_previous(cfg.whatsapp_app_secret, cfg.whatsapp_app_secret_previous)};
}

verifier_actor spawn_verifier(caf::actor_system& sys, verification_secrets secrets,
                              std::shared_ptr<actor_probe> probe) {
  return sys.spawn(verifier, std::move(secrets), std::move(probe));
}

}  // namespace webhookd
