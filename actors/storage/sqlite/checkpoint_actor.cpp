#include "actors/storage/sqlite/checkpoint_actor.hpp"

#include <chrono>

#include <sqlite3.h>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "core/instrumented.hpp"
#include "actors/storage/sqlite/connection.hpp"

namespace webhookd {

namespace {

struct checkpoint_state {
  static inline const char* name = "checkpoint";

  std::string path;
  service_metrics* metrics = nullptr;
  json_logger* log = nullptr;
  sqlite::connection db;
  bool failing = false;  // the last attempt failed (logged once per episode)
};

void run_checkpoint(checkpoint_state& st) {
  // Opened on first use: the storage actor creates the file and the schema.
  if (!st.db) {
    sqlite::connection db{st.path, sqlite::connection::mode::read_write};
    // A connection learns that the file is in WAL mode when it first reads
    // it; before that a checkpoint does nothing (and reports -1 pages).
    db.exec("SELECT COUNT(*) FROM sqlite_schema");
    st.db = std::move(db);
  }
  const auto started = std::chrono::steady_clock::now();
  int wal_frames = 0;
  int copied_frames = 0;
  // PASSIVE copies what no reader still needs and never waits for a lock;
  // SQLITE_BUSY only means another checkpoint was running.
  const int rc = sqlite3_wal_checkpoint_v2(st.db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &wal_frames, &copied_frames);
  if (rc != SQLITE_OK && (rc & 0xFF) != SQLITE_BUSY)
    throw sqlite::error{rc, sqlite3_errmsg(st.db.handle())};
  if (rc == SQLITE_OK) {
    std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
    st.metrics->checkpoint_seconds().Observe(spent.count());
  }
}

checkpoint_actor::behavior_type checkpointer(checkpoint_actor::stateful_pointer<checkpoint_state> self,
                                             std::string path, service_metrics* metrics,
                                             json_logger* log) {
  auto probe = metrics->actor("checkpoint", "0");
  watch_actor(self, probe, "detached");
  auto& st = self->state;
  st.path = std::move(path);
  st.metrics = metrics;
  st.log = log;
  return {
    instrumented(self, probe, [self](checkpoint_atom) {
      auto& st = self->state;
      try {
        run_checkpoint(st);
        if (st.failing) st.log->log(log_level::info, "checkpoints work again", {});
        st.failing = false;
      } catch (const sqlite::error& e) {
        if (!st.failing)
          st.log->log(log_level::warning, "checkpoint failed", {{"error", e.what()}, {"path", st.path}});
        st.failing = true;
        st.db = {};
      }
    }),
  };
}

}  // namespace

checkpoint_actor spawn_checkpointer(caf::actor_system& sys, std::string database_path,
                                    service_metrics& metrics, json_logger& log) {
  return sys.spawn<caf::detached>(checkpointer, std::move(database_path), &metrics, &log);
}

}  // namespace webhookd
