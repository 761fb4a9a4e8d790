// Signature verification actor: stateless apart from the secrets, so a pool of
// them runs on CAF's scheduler beside the (detached) storage actor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "config/config.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// Every scheme's secrets, the current one first and the previous one (during a
// rotation) second; an empty list accepts nothing.
struct verification_secrets {
  std::vector<std::string> x_signature;
  std::vector<std::string> standard_webhooks;  // key bytes, already decoded from whsec_
  std::vector<std::string> whatsapp;
};

verification_secrets secrets_from(const config& cfg);

verifier_actor spawn_verifier(caf::actor_system& sys, verification_secrets secrets,
                              std::shared_ptr<actor_probe> probe);

}  // namespace webhookd
