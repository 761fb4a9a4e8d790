// Renders the shared Prometheus registry as text exposition format 0.0.4.
#pragma once

#include <caf/actor_system.hpp>

#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

metrics_actor spawn_metrics(caf::actor_system& sys, service_metrics& metrics);

}  // namespace webhookd
