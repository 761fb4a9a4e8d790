// Query actors answer /messages and /stats from their own read-only SQLite
// connections. In WAL mode readers see the last committed snapshot and never
// wait for the storage actor's writes. Each runs detached, since a query can
// block on disk; several of them serve reads side by side.
#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

query_actor spawn_query(caf::actor_system& sys, std::string database_path, int instance,
                        service_metrics& metrics, json_logger& log);

}  // namespace webhookd
