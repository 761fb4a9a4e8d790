// Renders the shared Prometheus registry as text exposition format 0.0.4.
#pragma once

#include <caf/actor_system.hpp>

#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// Before each render it samples process figures and whatever samplers the
// other layers added (service_metrics::add_sampler).
metrics_actor spawn_metrics(caf::actor_system& sys, service_metrics& metrics);

}  // namespace webhookd
