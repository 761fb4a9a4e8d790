// Signature verification actor: stateless apart from the secret, so a pool of
// them runs on CAF's scheduler beside the (detached) storage actor.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

verifier_actor spawn_verifier(caf::actor_system& sys, std::string secret,
                              std::shared_ptr<actor_probe> probe);

}  // namespace webhookd
