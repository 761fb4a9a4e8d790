// Renders the shared Prometheus registry as text exposition format 0.0.4.
#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// Before each render it samples process figures and the sizes of the
// database files at `database_path`.
metrics_actor spawn_metrics(caf::actor_system& sys, service_metrics& metrics,
                            std::string database_path);

}  // namespace webhookd
