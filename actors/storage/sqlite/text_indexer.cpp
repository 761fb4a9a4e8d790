#include "actors/storage/sqlite/text_indexer.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "core/instrumented.hpp"

namespace webhookd {

namespace {

// Rows added to the index per transaction: big enough that FTS5 writes few,
// large segments (see text_index.hpp), small enough that a stop is not held up.
constexpr std::int64_t chunk_rows = 4096;
// A chunk's texts are held in memory while it is indexed: at most about this
// many bytes (4,096 rows of the longest texts would be 64 MiB).
constexpr std::size_t chunk_bytes = 4 * 1024 * 1024;
constexpr auto poll_interval = std::chrono::milliseconds(25);
// How often to look again while the database is not there yet.
constexpr auto retry_interval = std::chrono::seconds(1);
// Once nothing has arrived for this long, the indexer merges the segments
// its chunks left (usermerge, text_index.cpp), one step of at most about
// merge_pages written pages at a time (about 50 ms at 1M rows: 4,000 took
// 200-260 ms), until a step
// finds nothing to merge. Not while rows arrive: the merges would take the
// disk flushes and CPU of the ingest (a merge left half done is carried on
// later, by these steps or by automerge). By hand on the 1.2M-row bench
// database: 29 segments to 2 in 17 s of steps.
constexpr auto merge_after_idle = std::chrono::seconds(1);
constexpr int merge_pages = 1000;

struct indexer_state {
  static inline const char* name = "text_indexer";

  std::string path;
  service_metrics* metrics = nullptr;
  json_logger* log = nullptr;
  // The index file, with the messages' file attached as "messages_db".
  sqlite::connection db;
  std::shared_ptr<const std::atomic<bool>> stopping;  // set at shutdown: stop a rebuild at once
  bool failing = false;  // the last attempt failed (logged once per episode)
  bool wal_written = false;  // committed since the last explicit checkpoint
  // Rows were indexed (or the index opened) since the last merge found
  // nothing left to merge.
  bool merge_due = true;
  std::optional<std::chrono::steady_clock::time_point> idle_since;  // caught up since
};

std::int64_t single_int(sqlite::connection& db, const char* sql) {
  auto stmt = db.prepare(sql);
  return stmt.step() ? stmt.column_int(0) : 0;
}

sqlite::text_index_state read_state(sqlite::connection& db) {
  auto stmt = db.prepare("SELECT database_id, indexed_seq, complete FROM text_index_state WHERE id = 1");
  sqlite::text_index_state state;
  if (stmt.step()) {
    state.database_id = stmt.column_text(0);
    state.indexed_seq = stmt.column_int(1);
    state.complete = stmt.column_int(2) != 0;
  }
  return state;
}

std::string read_database_id(sqlite::connection& db) {
  // Finalized on return: a statement left open through the next transaction
  // keeps this connection's read snapshot, and with it the WAL, pinned.
  auto stmt = db.prepare("SELECT database_id FROM messages_db.storage_identity WHERE id = 1");
  return stmt.step() ? stmt.column_text(0) : std::string{};
}

// Copies the index's WAL back into its file as far as readers allow, without
// waiting for any, once a rebuild is done and whenever the indexer has caught
// up. Measured before, with only SQLite's automatic checkpoint (which runs
// inside a commit, while this connection still had a statement open): the WAL
// of a 1M-row rebuild (944 MB) was never copied back while the service ran,
// and the stop that closed the indexer copied it, 5.0 s. With this: 0.73 s.
void checkpoint_index(indexer_state& st) {
  sqlite3_wal_checkpoint_v2(st.db.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  st.wal_written = false;
}

void open_index(indexer_state& st) {
  sqlite::connection db{sqlite::text_index_path(st.path), sqlite::connection::mode::read_write_create};
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  // Derived data: a power cut may lose the last chunks, which are indexed
  // again; it never leaves the file inconsistent (WAL).
  db.exec("PRAGMA synchronous = NORMAL");
  // A rebuild is one transaction as big as the index (944 MB of WAL at 1M
  // rows). Once checkpointed, the WAL is cut back to this size instead of
  // staying that big on disk for good.
  db.exec("PRAGMA journal_size_limit = 16777216");
  sqlite::register_text_tokenizer(db.handle());
  db.interrupt_when([stopping = st.stopping] { return stopping->load(std::memory_order_relaxed); });
  sqlite::create_text_index_schema(db);
  auto attach = db.prepare("ATTACH DATABASE ?1 AS messages_db");
  attach.bind(1, std::string_view{st.path});
  attach.step();
  st.db = std::move(db);
}

// Indexes every row of one snapshot of the messages, replacing what the
// index held.
void rebuild(indexer_state& st, const std::string& database_id) {
  auto& db = st.db;
  const auto started = std::chrono::steady_clock::now();
  // BEGIN, not BEGIN IMMEDIATE: that would take the write lock of the
  // attached messages file as well, which only the storage actor may hold.
  db.exec("BEGIN");
  try {
    db.exec("INSERT INTO message_text (message_text) VALUES ('delete-all')");
    const std::int64_t upto = single_int(db, "SELECT ingest_seq FROM messages_db.message_totals WHERE id = 1");
    db.exec("INSERT INTO message_text (rowid, text) SELECT rowid, text FROM messages_db.messages WHERE text IS NOT NULL");
    auto mark = db.prepare("UPDATE text_index_state SET database_id = ?1, indexed_seq = ?2, complete = 1 WHERE id = 1");
    mark.bind(1, std::string_view{database_id});
    mark.bind(2, upto);
    mark.step();
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_active();
    throw;
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  st.log->log(log_level::info, "text index built", {{"seconds", took.count()}});
}

// The next rows of the arrival log with their texts, and the last arrival
// they cover.
struct arrival_chunk {
  std::vector<std::pair<std::int64_t, std::string>> texts;  // rowid, text
  std::int64_t upto = 0;
};

// Reads the arrivals after `after`, at most chunk_rows of them and about
// chunk_bytes of text, in a statement of its own, outside any transaction:
// its read snapshot of the messages file ends before the index is written.
// Read inside the index's write transaction (as INSERT ... SELECT, as it was),
// the snapshot stayed open for the whole chunk, 4,096 rows of FTS5 work, and
// the indexer catching up read back to back, so the storage actor's WAL could
// never start over: at 1M rows under unique ingest it grew past 130,000 pages,
// and a commit that had to checkpoint it took 200-330 ms.
arrival_chunk read_arrivals(sqlite::connection& db, std::int64_t after, std::int64_t newest) {
  arrival_chunk chunk;
  chunk.upto = after;
  auto rows = db.prepare(
    "SELECT l.seq, m.rowid, m.text FROM messages_db.ingest_log l JOIN messages_db.messages m "
    "ON m.rowid = l.message_rowid WHERE l.seq > ?1 AND l.seq <= ?2 ORDER BY l.seq");
  rows.bind(1, after);
  rows.bind(2, std::min(newest, after + chunk_rows));
  std::size_t bytes = 0;
  while (bytes < chunk_bytes && rows.step()) {
    chunk.upto = rows.column_int(0);
    if (rows.column_is_null(2)) continue;
    chunk.texts.emplace_back(rows.column_int(1), rows.column_text(2));
    bytes += chunk.texts.back().second.size();
  }
  return chunk;
}

// Adds the next rows of the arrival log; true if more are waiting.
bool catch_up(indexer_state& st, const sqlite::text_index_state& state, std::int64_t newest) {
  auto& db = st.db;
  const arrival_chunk chunk = read_arrivals(db, state.indexed_seq, newest);
  if (chunk.upto == state.indexed_seq) return false;  // nothing readable yet
  db.exec("BEGIN");  // not IMMEDIATE: see rebuild
  try {
    auto add = db.prepare("INSERT INTO message_text (rowid, text) VALUES (?1, ?2)");
    for (const auto& [rowid, text] : chunk.texts) {
      add.bind(1, rowid);
      add.bind(2, std::string_view{text});
      add.step();
      add.reset();
    }
    auto mark = db.prepare("UPDATE text_index_state SET indexed_seq = ?1 WHERE id = 1");
    mark.bind(1, chunk.upto);
    mark.step();
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_active();
    throw;
  }
  st.metrics->text_index_rows().Increment(static_cast<double>(chunk.upto - state.indexed_seq));
  return chunk.upto < newest;
}

// One step of FTS5's incremental merge; true if it merged anything (a step
// with nothing to merge changes only the command's own row).
bool merge_step(indexer_state& st) {
  const sqlite3_int64 changes_before = sqlite3_total_changes64(st.db.handle());
  st.db.exec("INSERT INTO message_text (message_text, rank) VALUES ('merge', " + std::to_string(merge_pages) + ")");
  return sqlite3_total_changes64(st.db.handle()) - changes_before > 1;
}

// A merge step, or false when it failed: the step is one statement, rolled
// back, so the index stays as it was, and the merge waits for the next rows
// instead of failing again (and reopening the index) every round.
bool try_merge_step(indexer_state& st) {
  try {
    return merge_step(st);
  } catch (const sqlite::error& e) {
    if (st.stopping->load(std::memory_order_relaxed)) throw;
    st.log->log(log_level::warning, "text index merge failed", {{"error", e.what()}});
    return false;
  }
}

// The round of an indexer that holds every row: a merge step when one is due
// and the index has been idle long enough, else a checkpoint of what was
// written. Returns how long to wait before the next round.
std::chrono::milliseconds idle_round(indexer_state& st) {
  const auto now = std::chrono::steady_clock::now();
  if (!st.idle_since) st.idle_since = now;
  if (st.merge_due && now - *st.idle_since >= merge_after_idle) {
    if (try_merge_step(st)) {
      st.wal_written = true;
      return std::chrono::milliseconds{0};
    }
    st.merge_due = false;
    st.metrics->text_index_merge_pending().Set(0);
  }
  if (st.wal_written) checkpoint_index(st);
  return poll_interval;
}

void note_rows_indexed(indexer_state& st) {
  st.idle_since.reset();
  st.merge_due = true;
  st.metrics->text_index_merge_pending().Set(1);
}

std::chrono::milliseconds retry_interval_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(retry_interval);
}

// One round: open what is not open, rebuild when the index cannot catch up,
// else add the next chunk. Returns how long to wait before the next round.
std::chrono::milliseconds index_round(indexer_state& st) {
  try {
    // The storage actor creates the database (and its directory); until then
    // there is nothing to index.
    if (!st.db && ::access(st.path.c_str(), F_OK) != 0) return retry_interval_ms();
    if (!st.db) {
      open_index(st);
      note_rows_indexed(st);  // what an earlier run left may wait to be merged
    }
    auto& db = st.db;
    const auto messages_ready =
      single_int(db, "SELECT COUNT(*) FROM messages_db.sqlite_master WHERE name = 'storage_identity'") > 0;
    if (!messages_ready) return retry_interval_ms();
    const std::string database_id = read_database_id(db);
    const sqlite::text_index_state state = read_state(db);
    const std::int64_t newest = single_int(db, "SELECT ingest_seq FROM messages_db.message_totals WHERE id = 1");
    const std::int64_t oldest_logged =
      single_int(db, "SELECT IFNULL(MIN(seq), 0) FROM messages_db.ingest_log");
    const bool log_covers = newest == state.indexed_seq || (oldest_logged > 0 && oldest_logged <= state.indexed_seq + 1);
    if (!state.complete || state.database_id != database_id || state.indexed_seq > newest || !log_covers) {
      // Until the build is done every row is behind.
      st.metrics->text_index_lag().Set(
        static_cast<double>(single_int(db, "SELECT messages FROM messages_db.message_totals WHERE id = 1")));
      rebuild(st, database_id);
      note_rows_indexed(st);
      st.metrics->text_index_lag().Set(0);
      checkpoint_index(st);
      return std::chrono::milliseconds{0};
    }
    st.failing = false;
    st.metrics->text_index_lag().Set(static_cast<double>(newest - state.indexed_seq));
    if (state.indexed_seq == newest) return idle_round(st);
    const bool more = catch_up(st, state, newest);
    note_rows_indexed(st);
    st.wal_written = true;
    return more ? std::chrono::milliseconds{0} : poll_interval;
  } catch (const sqlite::error& e) {
    if (st.stopping->load(std::memory_order_relaxed)) return retry_interval_ms();
    if (!st.failing) st.log->log(log_level::warning, "text index not updated", {{"error", e.what()}});
    st.failing = true;
    st.db = {};
    return retry_interval_ms();
  }
}

text_indexer_actor::behavior_type text_indexer(text_indexer_actor::stateful_pointer<indexer_state> self,
                                               std::string path, service_metrics* metrics, json_logger* log,
                                               std::shared_ptr<const std::atomic<bool>> stopping) {
  auto probe = metrics->actor("text_indexer", "0");
  watch_actor(self, probe, "detached");
  self->state.path = std::move(path);
  self->state.metrics = metrics;
  self->state.log = log;
  self->state.stopping = std::move(stopping);
  self->send(self, index_atom::value);
  return {
    instrumented(self, probe,
                 [self](index_atom) {
                   const auto wait = index_round(self->state);
                   if (wait.count() == 0)
                     self->send(self, index_atom::value);
                   else
                     self->delayed_send(self, wait, index_atom::value);
                 }),
  };
}

}  // namespace

text_indexer_actor spawn_text_indexer(caf::actor_system& sys, std::string database_path, service_metrics& metrics,
                                      json_logger& log, std::shared_ptr<const std::atomic<bool>> stopping) {
  return sys.spawn<caf::detached>(text_indexer, std::move(database_path), &metrics, &log, std::move(stopping));
}

}  // namespace webhookd
