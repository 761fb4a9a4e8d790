#include "actors/verifier_actor.hpp"

#include "core/instrumented.hpp"
#include "core/signature.hpp"

namespace webhookd {

namespace {

verifier_actor::behavior_type verifier(verifier_actor::pointer self, std::string secret,
                                       probe_ptr probe) {
  watch_actor(self, probe, "scheduled");
  return {
    instrumented(self, probe,
                 [secret](verify_atom, const shared_body& body, const std::string& signature) {
                   return body != nullptr && signature_matches(secret, *body, signature);
                 }),
  };
}

}  // namespace

verifier_actor spawn_verifier(caf::actor_system& sys, std::string secret,
                              std::shared_ptr<actor_probe> probe) {
  return sys.spawn(verifier, std::move(secret), std::move(probe));
}

}  // namespace webhookd
