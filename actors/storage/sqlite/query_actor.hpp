// Query actors answer /messages and /stats from their own read-only SQLite
// connections. In WAL mode readers see the last committed snapshot and never
// wait for the storage actor's writes. Each runs detached, since a query can
// block on disk; several of them serve reads side by side. How an answer is
// found is list_planner.hpp's business; this is the actor around it.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/storage/sqlite/count_cache.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// `stopping`: once true, a read under way is stopped at once (shutdown never
// waits for a query). Thread-safe by being atomic; set by the service.
// `counts`: the remembered totals, shared by all query actors of a process.
// `lane`: which reads it is sent (storage_backend::searches); it names the
// actor in the metrics and /debug/actors ("query" or "search", `instance`)
// and sizes its page cache.
enum class query_lane { plain, search };
query_actor spawn_query(caf::actor_system& sys, std::string database_path, query_lane lane, int instance,
                        service_metrics& metrics, json_logger& log,
                        std::shared_ptr<const std::atomic<bool>> stopping, std::shared_ptr<count_cache> counts);

}  // namespace webhookd
