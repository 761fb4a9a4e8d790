#include "actors/storage/sqlite/storage_actor.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <variant>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <sqlite3.h>

#include "actors/storage/pending_store.hpp"
#include "actors/storage/sqlite/batch_writer.hpp"
#include "actors/storage/sqlite/buffered_wal_vfs.hpp"
#include "actors/storage/sqlite/checkpoint_actor.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/schema.hpp"
#include "core/instrumented.hpp"

namespace webhookd {

namespace {

// The public interface plus the messages the actor sends itself.
using storage_impl =
  storage_actor::extend<caf::reacts_to<flush_atom>, caf::reacts_to<reopen_atom>, caf::reacts_to<trim_atom>>;

// Arrival-log entries kept behind the newest (what the text indexer and the
// query actors' remembered totals catch up from), trimmed this many at a
// time, trim_delay after a commit and only while nothing waits.
constexpr std::int64_t kept_log_entries = 256 * 1024;
constexpr std::int64_t log_trim_step = 16 * 1024;
constexpr auto trim_delay = std::chrono::seconds(1);

// The WAL grows by a few hundred pages per commit at full ingest. Every
// checkpoint_step new pages the checkpointer is asked to copy them back, on
// its own thread. A commit that leaves inline_checkpoint_pages or more in the
// WAL still checkpoints inline (SQLite's own rule, at its default of 1,000):
// by then the checkpointer has copied most pages, so that inline pass is
// short, and it is what lets the next transaction start the WAL over (a
// background checkpoint racing the writer never finishes the whole WAL), so
// the WAL stays near 1,000 pages as without the checkpointer.
constexpr int checkpoint_step = 250;
constexpr int inline_checkpoint_pages = 1000;

struct storage_state {
  static inline const char* name = "storage";

  storage_settings settings;
  service_metrics* metrics = nullptr;
  json_logger* log = nullptr;

  sqlite::connection db;
  std::optional<sqlite::batch_writer> writer;
  std::string unavailable_reason = "database not opened yet";
  bool reopen_scheduled = false;
  bool opened_before = false;  // a later successful open is a recovery

  std::vector<pending_store> pending;
  bool flush_scheduled = false;
  bool trim_scheduled = false;

  checkpoint_actor checkpointer;
  int wal_pages_at_last_request = 0;
  // Set once asked to stop: the actor quits when its checkpointer is gone,
  // so that its own connection is the last one open and closing it leaves a
  // single complete database file.
  std::optional<caf::error> exit_reason;

  bool available() const { return static_cast<bool>(db); }
};

using storage_pointer = storage_impl::stateful_pointer<storage_state>;

double unix_now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void schedule_reopen(storage_pointer self) {
  auto& st = self->state;
  if (st.reopen_scheduled) return;
  st.reopen_scheduled = true;
  self->delayed_send(self, st.settings.retry_interval, reopen_atom::value);
}

// Closes the connection after a failure; the actor keeps running, answers
// "unavailable" and tries again every retry_interval.
void mark_unavailable(storage_pointer self, std::string reason, const std::string& detail) {
  auto& st = self->state;
  st.writer.reset();
  st.db = sqlite::connection{};
  if (st.unavailable_reason != reason)
    st.log->log(log_level::error, "storage unavailable",
                {{"reason", reason}, {"error", detail}, {"path", st.settings.database_path}});
  st.unavailable_reason = std::move(reason);
  schedule_reopen(self);
}

// SQLite's WAL hook: runs on this actor's thread inside every commit, with the
// number of pages now in the WAL. Replaces the automatic checkpoint.
int on_wal_commit(void* context, sqlite3* db, const char* schema, int wal_pages) {
  auto& st = *static_cast<storage_state*>(context);
  if (wal_pages < st.wal_pages_at_last_request) st.wal_pages_at_last_request = 0;  // WAL restarted
  if (wal_pages >= inline_checkpoint_pages) {
    // Returns at once (SQLITE_BUSY) while the checkpointer is at work; then
    // the next commit tries again.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_pages - st.wal_pages_at_last_request >= checkpoint_step) {
    st.wal_pages_at_last_request = wal_pages;
    caf::anon_send(st.checkpointer, checkpoint_atom::value);
  }
  return SQLITE_OK;
}

void start_checkpointer(storage_pointer self) {
  auto& st = self->state;
  st.checkpointer = spawn_checkpointer(self->system(), st.settings.database_path, *st.metrics, *st.log);
  // Linked, so that it cannot outlive this actor whatever ends it (an actor
  // system waits for every actor before it goes away); monitored, so that
  // this actor learns when it is gone.
  self->link_to(st.checkpointer);
  self->monitor(st.checkpointer);
}

// A committed write proves the file is writable (not full, not read-only).
void probe_write(sqlite::connection& db) {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("UPDATE message_totals SET messages = messages WHERE id = 1");
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_active();
    throw;
  }
}

void try_open(storage_pointer self) {
  auto& st = self->state;
  const auto& path = st.settings.database_path;
  std::error_code ec;
  auto dir = std::filesystem::path{path}.parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) {
    mark_unavailable(self, "database directory cannot be created", ec.message());
    return;
  }
  try {
    // With FULL, the commit's WAL frames go out in one write before its
    // fsync (see buffered_wal_vfs.hpp); NORMAL needs SQLite's own VFS.
    sqlite::connection db{path, sqlite::connection::mode::read_write_create,
                          st.settings.synchronous_full ? buffered_wal_vfs_name() : nullptr};
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    // FULL: every commit is fsynced, so an acknowledged message survives power
    // loss. NORMAL (opt-in) syncs only at checkpoints: a crash of the process
    // loses nothing, a power cut may lose the last commits.
    db.exec(st.settings.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    sqlite::register_schema_functions(db);
    sqlite::migrate_schema(db);
    probe_write(db);
    st.db = std::move(db);
    st.writer.emplace(st.db);
    st.metrics->rows_stored().Set(static_cast<double>(st.writer->rows()));
    sqlite3_wal_hook(st.db.handle(), on_wal_commit, &st);
    st.wal_pages_at_last_request = 0;
    if (st.opened_before) st.metrics->storage_recoveries().Increment();
    st.opened_before = true;
    st.log->log(log_level::info, "storage ready",
                {{"path", path}, {"schema_version", sqlite::current_schema_version}});
    st.unavailable_reason.clear();
  } catch (const sqlite::schema_too_new& e) {
    mark_unavailable(self, "database schema is newer than this release", e.what());
  } catch (const sqlite::error& e) {
    mark_unavailable(self, "database cannot be opened or written", e.what());
  }
}

void schedule_trim(storage_pointer self) {
  auto& st = self->state;
  if (st.trim_scheduled) return;
  st.trim_scheduled = true;
  self->delayed_send(self, trim_delay, trim_atom::value);
}

// Runs `work` in one write transaction and commits it; false (and the actor
// unavailable) if any of it failed.
template <class Work>
bool in_transaction(storage_pointer self, Work work) {
  auto& st = self->state;
  try {
    st.db.exec("BEGIN IMMEDIATE");
    work(*st.writer);
    st.db.exec("COMMIT");
    return true;
  } catch (const sqlite::error& e) {
    st.db.rollback_if_active();
    mark_unavailable(self, "database write failed", e.what());
    return false;
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
  const std::vector<const message_record*> records = records_of(batch);
  std::vector<store_outcome> outcomes;
  auto started = std::chrono::steady_clock::now();
  const bool committed = in_transaction(self, [&](sqlite::batch_writer& writer) {
    outcomes = writer.write(records, utc_now_iso8601_ms());
  });
  if (!committed) {
    for (auto& item : batch) item.deliver_unavailable();
    return;
  }
  std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
  st.metrics->commit_seconds().Observe(spent.count());
  st.metrics->rows_per_commit().Observe(static_cast<double>(records.size()));
  auto created = std::count(outcomes.begin(), outcomes.end(), store_outcome::created);
  st.metrics->rows_stored().Increment(static_cast<double>(created));
  st.metrics->last_commit_time().Set(unix_now_seconds());
  deliver_all(batch, outcomes);
  schedule_trim(self);
}

// Trims the arrival log while nothing waits for the write connection.
void trim_when_idle(storage_pointer self) {
  auto& st = self->state;
  st.trim_scheduled = false;
  if (!st.available()) return;
  if (!st.pending.empty() || self->mailbox().size() > 0) {
    schedule_trim(self);
    return;
  }
  bool trimmed = false;
  in_transaction(self, [&](sqlite::batch_writer& writer) { trimmed = writer.trim_log(kept_log_entries, log_trim_step); });
  if (trimmed) schedule_trim(self);
}

void enqueue_store(storage_pointer self, pending_store store) {
  auto& st = self->state;
  st.pending.push_back(std::move(store));
  // The flush message queues behind every store request already waiting, so
  // all of them share the next commit.
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

storage_health check_health(storage_pointer self) {
  auto& st = self->state;
  if (!st.available()) return {false, st.unavailable_reason};
  try {
    if (sqlite::schema_version(st.db) != sqlite::current_schema_version)
      return {false, "database schema version mismatch"};
    return {true, {}};
  } catch (const sqlite::error& e) {
    mark_unavailable(self, "database does not answer", e.what());
    return {false, st.unavailable_reason};
  }
}

storage_impl::behavior_type storage(storage_pointer self, storage_settings settings,
                                    service_metrics* metrics, json_logger* log) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.metrics = metrics;
  st.log = log;
  auto probe = metrics->actor("storage", "0");
  watch_actor(self, probe, "detached");
  start_checkpointer(self);
  try_open(self);
  // Asked to stop: commit and answer what is already batched first, so no
  // accepted store is left without an answer; then stop the checkpointer and
  // quit once it is gone (the down handler).
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // The checkpointer's own end arrives as a down message too; handled there.
    if (msg.source == caf::actor_cast<caf::actor_addr>(self->state.checkpointer)) return;
    flush(self);
    if (self->state.exit_reason) return;
    self->state.exit_reason = msg.reason;
    self->send_exit(self->state.checkpointer, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (down.source != caf::actor_cast<caf::actor_addr>(st.checkpointer)) return;
    if (st.exit_reason) {
      self->quit(*st.exit_reason);
      return;
    }
    // It failed in a way it could not handle itself: start a new one.
    st.log->log(log_level::error, "checkpointer stopped; starting a new one",
                {{"reason", caf::to_string(down.reason)}});
    start_checkpointer(self);
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
    instrumented(self, probe, [self](trim_atom) { trim_when_idle(self); }),
    instrumented(self, probe,
                 [self](reopen_atom) {
                   self->state.reopen_scheduled = false;
                   if (!self->state.available()) try_open(self);
                 }),
  };
}

}  // namespace

storage_actor spawn_storage(caf::actor_system& sys, storage_settings settings,
                            service_metrics& metrics, json_logger& log) {
  auto impl = sys.spawn<caf::detached>(storage, std::move(settings), &metrics, &log);
  return caf::actor_cast<storage_actor>(impl);
}

}  // namespace webhookd
