// The storage seam. Which backend serves the configured database is decided
// here and nowhere else; every other layer talks to the storage actor and the
// query actors through their typed interfaces (messages/interfaces.hpp) only,
// whichever backend answers.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

struct storage_backend_options {
  unsigned queries = 2;   // query actors for reads without q, each with its own read connection
  unsigned searches = 2;  // query actors for reads with q (0: the others take them too)
  // How often a backend tries again while its database cannot be reached.
  std::chrono::milliseconds retry_interval{1000};
  // SQLite: a q total is remembered when counting it took this long or
  // longer (count_cache.hpp); the tests set 0 to have every one remembered.
  std::chrono::microseconds remember_counts_after{1000};
};

// The actors a backend runs: one storage actor (the process's only writer),
// a pool of query actors, and whatever helpers of its own it needs.
struct storage_backend {
  storage_actor storage;
  std::vector<query_actor> queries;
  // The q searches' own query actors. A search may cost up to its whole
  // budget (an absent word on a big table); floods of them queue here,
  // among themselves, never in front of a plain page or /stats.
  std::vector<query_actor> searches;
  // The backend's own actors besides those (the SQLite text indexer):
  // stopped before the storage actor, like the query actors.
  std::vector<caf::actor> helpers;
  // Set to stop every read under way at once (at shutdown). Thread-safe.
  std::shared_ptr<std::atomic<bool>> stop_reads = std::make_shared<std::atomic<bool>>(false);
};

// Spawns the backend that DATABASE_URL names (`settings.postgres`, else the
// SQLite file `settings.database_path`)
// and adds its samplers (file sizes) to `metrics`.
storage_backend spawn_storage_backend(caf::actor_system& sys, const config& settings,
                                      const storage_backend_options& options, service_metrics& metrics,
                                      json_logger& log);

}  // namespace webhookd
