#include "actors/storage/postgres/query_actor.hpp"

#include <chrono>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/storage/postgres/connection.hpp"
#include "actors/storage/postgres/list_reader.hpp"
#include "core/instrumented.hpp"
#include "messages/errors.hpp"

namespace webhookd::postgres {

namespace {

using clock_type = std::chrono::steady_clock;

// No read runs longer than this, whatever its own deadline (as on SQLite).
constexpr auto longest_read = std::chrono::seconds(1);

struct query_state {
  static inline const char* name = "query";

  postgres_target target;
  statement_plans plans = statement_plans::once;
  json_logger* log = nullptr;
  service_metrics* metrics = nullptr;
  std::shared_ptr<const std::atomic<bool>> stopping;
  connection db;
};

// A connection set up for reads only; kept only once all of it is set.
connection open_read_connection(const std::string& conninfo, statement_plans plans, const stop_check& stop) {
  connection db{conninfo};
  db.exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", {}, stop);
  // Measured on the plain lane: re-planning each page was most of its cost.
  db.exec(plans == statement_plans::once ? "SET plan_cache_mode = force_generic_plan"
                                         : "SET plan_cache_mode = force_custom_plan",
          {}, stop);
  // No parallel workers for one read: with 64 clients the cores are busy
  // anyway, and workers that start and end inside a query were extra CPU
  // (the q phases' "other CPU" of the 200k-row bench).
  db.exec("SET max_parallel_workers_per_gather = 0", {}, stop);
  return db;
}

// Runs `body` on the actor's read-only connection, cancelled at `deadline`
// (or after longest_read) or when the service stops. Each body is one
// statement, so it reads one snapshot without a transaction of its own (two
// round trips fewer than BEGIN ... COMMIT). A cancelled
// read is query_interrupted; a broken connection is dropped and, when no new
// one can be had either, the read is storage_unavailable.
template <class T, class F>
caf::result<T> read_snapshot(query_state& st, clock_type::time_point deadline, F body) {
  const auto now = clock_type::now();
  if (now >= deadline || st.stopping->load(std::memory_order_relaxed)) {
    st.metrics->queries_interrupted().Increment();
    return make_error(webhookd_errc::query_interrupted);
  }
  const auto until = std::min(deadline, now + longest_read);
  const stop_check stop = [&st, until] {
    return st.stopping->load(std::memory_order_relaxed) || clock_type::now() >= until;
  };
  // A connection kept from an earlier read may have died since (the server
  // restarted, or ended it): such a read is tried once more on a new one.
  for (int attempt = 0;; ++attempt) {
    const bool reused = static_cast<bool>(st.db);
    try {
      if (!st.db) st.db = open_read_connection(st.target.conninfo, st.plans, stop);
      return body(st.db, stop);
    } catch (const error& e) {
      st.db.rollback_if_active();
      if (e.what_kind() == error::kind::cancelled) {
        st.metrics->queries_interrupted().Increment();
        return make_error(webhookd_errc::query_interrupted);
      }
      if (e.what_kind() == error::kind::connection) {
        st.db = connection{};
        if (reused && attempt == 0 && !stop()) continue;
      }
      st.log->log(log_level::error, "query failed", {{"error", e.what()}});
      return make_error(webhookd_errc::storage_unavailable);
    }
  }
}

query_actor::behavior_type query(query_actor::stateful_pointer<query_state> self, postgres_target target,
                                 statement_plans plans, probe_ptr probe, service_metrics* metrics, json_logger* log,
                                 std::shared_ptr<const std::atomic<bool>> stopping) {
  watch_actor(self, probe, "detached");
  auto& st = self->state;
  st.target = std::move(target);
  st.plans = plans;
  st.log = log;
  st.metrics = metrics;
  st.stopping = std::move(stopping);
  return {
    instrumented(self, probe,
                 [self](list_atom, const message_query& q) -> caf::result<rendered_page> {
                   return read_snapshot<rendered_page>(self->state, q.deadline,
                                                       [&](connection& db, const stop_check& stop) {
                                                         return list_messages(db, q, stop);
                                                       });
                 }),
    instrumented(self, probe, [self](stats_atom) -> caf::result<stats_snapshot> {
      return read_snapshot<stats_snapshot>(self->state, clock_type::time_point::max(), read_stats);
    }),
  };
}

}  // namespace

query_actor spawn_query(caf::actor_system& sys, postgres_target target, const std::string& lane_name, int instance,
                        statement_plans plans, service_metrics& metrics, json_logger& log,
                        std::shared_ptr<const std::atomic<bool>> stopping) {
  return sys.spawn<caf::detached>(query, std::move(target), plans, metrics.actor(lane_name, std::to_string(instance)),
                                  &metrics, &log, std::move(stopping));
}

}  // namespace webhookd::postgres
