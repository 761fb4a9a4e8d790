// Answers every ping at once: the benchmark's measure of one bare actor
// round trip through the same HTTP and actor stack as the real handlers.
#pragma once

#include <caf/actor_system.hpp>

#include "messages/interfaces.hpp"

namespace webhookd {

null_actor spawn_null(caf::actor_system& sys);

}  // namespace webhookd
