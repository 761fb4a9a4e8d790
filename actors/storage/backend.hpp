// The storage seam. Which backend serves the configured database is decided
// here and nowhere else; every other layer talks to the storage actor and the
// query actors through their typed interfaces (messages/interfaces.hpp) only,
// whichever backend answers.
#pragma once

#include <chrono>
#include <vector>

#include <caf/actor_system.hpp>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

struct storage_backend_options {
  unsigned queries = 2;  // query actors, each with its own read connection
  // How often a backend tries again while its database cannot be reached.
  std::chrono::milliseconds retry_interval{1000};
};

// The actors a backend runs: one storage actor (the process's only writer)
// and a pool of query actors.
struct storage_backend {
  storage_actor storage;
  std::vector<query_actor> queries;
};

// Spawns the backend that `settings.database_path` (from DATABASE_URL) names
// and adds its samplers (file sizes) to `metrics`.
storage_backend spawn_storage_backend(caf::actor_system& sys, const config& settings,
                                      const storage_backend_options& options, service_metrics& metrics,
                                      json_logger& log);

}  // namespace webhookd
