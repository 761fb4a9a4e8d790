#include "actors/storage/postgres/storage_actor.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/storage/pending_store.hpp"
#include "actors/storage/postgres/atoms.hpp"
#include "actors/storage/postgres/batch_writer.hpp"
#include "actors/storage/postgres/connection.hpp"
#include "actors/storage/postgres/schema.hpp"
#include "core/instrumented.hpp"

namespace webhookd::postgres {

namespace {

using storage_impl = storage_actor::extend<caf::reacts_to<flush_atom>, caf::reacts_to<reconnect_atom>>;

// The first retry after a failure comes this soon, then twice as late each
// time, up to storage_settings::retry_interval.
constexpr std::chrono::milliseconds first_retry{100};

struct storage_state {
  static inline const char* name = "storage";

  storage_settings settings;
  service_metrics* metrics = nullptr;
  json_logger* log = nullptr;

  connection db;
  std::string unavailable_reason = "database not connected yet";
  std::chrono::milliseconds next_retry = first_retry;
  bool reconnect_scheduled = false;
  bool connected_before = false;  // a later successful connect is a recovery

  std::vector<pending_store> pending;
  bool flush_scheduled = false;

  bool available() const { return static_cast<bool>(db); }
};

using storage_pointer = storage_impl::stateful_pointer<storage_state>;

double unix_now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void schedule_reconnect(storage_pointer self) {
  auto& st = self->state;
  if (st.reconnect_scheduled) return;
  st.reconnect_scheduled = true;
  self->delayed_send(self, st.next_retry, reconnect_atom::value);
  st.next_retry = std::min(st.next_retry * 2, st.settings.retry_interval);
}

// Drops the connection after a failure; the actor keeps running, answers
// "unavailable" and connects again with a capped backoff.
void mark_unavailable(storage_pointer self, std::string reason, const std::string& detail) {
  auto& st = self->state;
  st.db = connection{};
  if (st.unavailable_reason != reason)
    st.log->log(log_level::error, "storage unavailable",
                {{"reason", reason}, {"error", detail}, {"database", st.settings.target.display}});
  st.unavailable_reason = std::move(reason);
  schedule_reconnect(self);
}

void try_connect(storage_pointer self) {
  auto& st = self->state;
  try {
    connection db{st.settings.target.conninfo};
    // A 200 means the commit is on the server's disk (and its standbys', if
    // the server says so), whatever the role's or database's default.
    db.exec("SET synchronous_commit = on");
    migrate_schema(db);
    auto totals = db.exec("SELECT messages FROM message_totals");
    st.metrics->rows_stored().Set(static_cast<double>(totals.rows() > 0 ? totals.integer(0, 0) : 0));
    st.db = std::move(db);
    st.next_retry = first_retry;
    if (st.connected_before) st.metrics->storage_recoveries().Increment();
    st.connected_before = true;
    st.log->log(log_level::info, "storage ready",
                {{"database", st.settings.target.display}, {"schema_version", current_schema_version}});
    st.unavailable_reason.clear();
  } catch (const schema_too_new& e) {
    mark_unavailable(self, "database schema is newer than this release", e.what());
  } catch (const error& e) {
    mark_unavailable(self, e.what_kind() == error::kind::connection ? "database cannot be reached"
                                                                     : "database schema cannot be applied",
                     e.what());
  }
}

// Commits every pending store in one transaction, then answers each request.
void flush(storage_pointer self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending.empty()) return;
  auto batch = std::move(st.pending);
  st.pending.clear();
  if (!st.available()) {
    for (auto& item : batch) item.deliver_unavailable();
    return;
  }
  const auto records = records_of(batch);
  const auto started = std::chrono::steady_clock::now();
  std::vector<store_outcome> outcomes;
  try {
    st.db.exec("BEGIN");
    outcomes = write_batch(st.db, records, utc_now_iso8601_ms());
    st.db.exec("COMMIT");
  } catch (const error& e) {
    // Unknown outcome included (the connection broke during COMMIT): nothing
    // is acknowledged; a retry finds the row, if it was committed, and is
    // answered as a duplicate.
    st.db.rollback_if_active();
    mark_unavailable(self, "database write failed", e.what());
    for (auto& item : batch) item.deliver_unavailable();
    return;
  }
  std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
  st.metrics->commit_seconds().Observe(spent.count());
  st.metrics->rows_per_commit().Observe(static_cast<double>(records.size()));
  const auto created = std::count(outcomes.begin(), outcomes.end(), store_outcome::created);
  st.metrics->rows_stored().Increment(static_cast<double>(created));
  st.metrics->last_commit_time().Set(unix_now_seconds());
  deliver_all(batch, outcomes);
}

void enqueue_store(storage_pointer self, pending_store store) {
  auto& st = self->state;
  st.pending.push_back(std::move(store));
  // Queued behind every store request already waiting: all share the commit.
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

storage_health check_health(storage_pointer self) {
  auto& st = self->state;
  if (!st.available()) return {false, st.unavailable_reason};
  try {
    if (schema_version(st.db) != current_schema_version) return {false, "database schema version mismatch"};
    return {true, {}};
  } catch (const error& e) {
    mark_unavailable(self, "database does not answer", e.what());
    return {false, st.unavailable_reason};
  }
}

storage_impl::behavior_type storage(storage_pointer self, storage_settings settings, service_metrics* metrics,
                                    json_logger* log) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.metrics = metrics;
  st.log = log;
  auto probe = metrics->actor("storage", "0");
  watch_actor(self, probe, "detached");
  try_connect(self);
  // Asked to stop: commit and answer what is already batched, then quit.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
    instrumented(self, probe,
                 [self](store_atom, message_record& record) { return accept_store(self, record, enqueue_store); }),
    instrumented(self, probe,
                 [self](store_atom, std::vector<message_record>& records) {
                   return accept_store(self, records, enqueue_store);
                 }),
    instrumented(self, probe, [self](health_atom) { return check_health(self); }),
    instrumented(self, probe, [self](flush_atom) { flush(self); }),
    instrumented(self, probe,
                 [self](reconnect_atom) {
                   self->state.reconnect_scheduled = false;
                   if (!self->state.available()) try_connect(self);
                 }),
  };
}

}  // namespace

storage_actor spawn_storage(caf::actor_system& sys, storage_settings settings, service_metrics& metrics,
                            json_logger& log) {
  auto impl = sys.spawn<caf::detached>(storage, std::move(settings), &metrics, &log);
  return caf::actor_cast<storage_actor>(impl);
}

}  // namespace webhookd::postgres
