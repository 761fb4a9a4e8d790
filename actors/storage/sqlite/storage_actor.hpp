// The storage actor: the only owner of the SQLite write connection.
//
// It runs detached (its own thread), because SQLite commits block on fsync.
// Inserts are grouped: every store request already waiting in the mailbox
// joins one transaction, and each request is answered only after that
// transaction has committed — so a 200 always means "on disk".
#pragma once

#include <chrono>
#include <string>

#include <caf/actor_system.hpp>

#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

struct storage_settings {
  std::string database_path;
  // How often to try again while the database cannot be opened or written.
  std::chrono::milliseconds retry_interval{1000};
  // PRAGMA synchronous: FULL (fsync every commit: survives power loss) or NORMAL.
  bool synchronous_full = true;
};

storage_actor spawn_storage(caf::actor_system& sys, storage_settings settings,
                            service_metrics& metrics, json_logger& log);

}  // namespace webhookd
