// Handles of every service actor, handed to each request bridge.
#pragma once

#include <vector>

#include "messages/interfaces.hpp"

namespace webhookd {

struct actor_directory {
  std::vector<verifier_actor> verifiers;
  storage_actor storage;
  std::vector<query_actor> queries;   // reads without q, and /stats
  std::vector<query_actor> searches;  // reads with q (see storage_backend)
  metrics_actor metrics;
  null_actor null;
};

}  // namespace webhookd
