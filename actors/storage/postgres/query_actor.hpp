// Query actors answer /messages and /stats from their own PostgreSQL
// connections, each answer from one statement (one snapshot) on a read-only
// session.
// Each runs detached (a query is a blocking round trip); several serve reads
// side by side. How an answer is found is list_reader.hpp's business.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd::postgres {

// How a lane's connection plans its statements. The plain lane's pages and
// counts are served by the same plan whatever the values, so each statement
// is planned once per connection; a search's best plan depends on its pattern
// (the trigram index for a rare string, a scan for one or two characters,
// which have no trigram), so the search lane plans each for its values.
enum class statement_plans { once, per_value };

// `stopping`: once true, a read under way is cancelled at once (shutdown never
// waits for a query). `lane_name` names the actor in the metrics and
// /debug/actors ("query" or "search", `instance`).
query_actor spawn_query(caf::actor_system& sys, postgres_target target, const std::string& lane_name, int instance,
                        statement_plans plans, service_metrics& metrics, json_logger& log,
                        std::shared_ptr<const std::atomic<bool>> stopping);

}  // namespace webhookd::postgres
