#include "actors/storage/sqlite/schema.hpp"

#include <string>

#include <sqlite3.h>

#include "actors/storage/sqlite/day_counts.hpp"
#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

// The messages table of SPEC.md. Its rowid is the row key (row_key.hpp), so
// the table is stored in ts order; there is no index on ts.
constexpr const char* messages_columns = R"sql( (
    message_id  TEXT PRIMARY KEY,
    from_msisdn TEXT NOT NULL,
    to_msisdn   TEXT NOT NULL,
    ts          TEXT NOT NULL,
    text        TEXT,
    created_at  TEXT NOT NULL
  ))sql";

std::string create_messages_table(const char* name) { return std::string{"CREATE TABLE "} + name + messages_columns; }

// Everything but the messages table itself and the index of a sender's rows
// (below). The aggregates are written by the storage actor in the same
// transaction as each batch (batch_writer.hpp): totals and the ingest
// sequence, per-sender counts and the exact top ten, rows per UTC day and
// hour, and the log of which rows arrived in which order (what the text
// index, in a file of its own, and remembered totals catch up from).
constexpr const char* create_rest = R"sql(
  CREATE TABLE sender_counts (
    from_msisdn   TEXT PRIMARY KEY,
    message_count INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE top_senders (
    position      INTEGER PRIMARY KEY,
    from_msisdn   TEXT NOT NULL,
    message_count INTEGER NOT NULL
  );

  CREATE TABLE message_totals (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    messages   INTEGER NOT NULL,
    senders    INTEGER NOT NULL,
    first_ts   TEXT,
    last_ts    TEXT,
    ingest_seq INTEGER NOT NULL
  );

  -- A random id given to this database when it was made or migrated: the
  -- text index (text_index.hpp) belongs to one database and says which.
  CREATE TABLE storage_identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    database_id TEXT NOT NULL
  );
  INSERT INTO storage_identity (id, database_id) VALUES (1, lower(hex(randomblob(16))));

  CREATE TABLE ingest_log (
    seq           INTEGER PRIMARY KEY,
    message_rowid INTEGER NOT NULL
  );

  -- The rows of every second that holds 64 or more (a burst with one ts), by
  -- message_id: the page order inside such a second, which readers would
  -- otherwise have to sort (ordered_page.hpp).
  CREATE TABLE second_order (
    second        INTEGER NOT NULL,
    message_id    TEXT NOT NULL,
    message_rowid INTEGER NOT NULL,
    PRIMARY KEY (second, message_id)
  ) WITHOUT ROWID;
)sql";

// Older layouts: the FastAPI service's (messages only, version 0) and this
// service's versions 1 and 2 (rowids in arrival order, trigger-kept counters).
constexpr const char* drop_old_layout = R"sql(
  DROP TABLE messages;
  DROP TABLE IF EXISTS sender_counts;
  DROP TABLE IF EXISTS message_totals;
  DROP TABLE IF EXISTS day_counts;
  ALTER TABLE messages_rekeyed RENAME TO messages;
)sql";

// Copies the rows of an older layout into a table keyed by row key, the
// rows of one second numbered in (ts, message_id) order.
constexpr const char* copy_rekeyed = R"sql(
  INSERT INTO messages_rekeyed (rowid, message_id, from_msisdn, to_msisdn, ts, text, created_at)
    SELECT webhookd_row_key(webhookd_second(ts),
                            ROW_NUMBER() OVER (PARTITION BY webhookd_second(ts) ORDER BY ts, message_id) - 1),
           message_id, from_msisdn, to_msisdn, ts, text, created_at
      FROM messages
     ORDER BY 1
)sql";

constexpr const char* backfill = R"sql(
  INSERT INTO sender_counts (from_msisdn, message_count)
    SELECT from_msisdn, COUNT(*) FROM messages GROUP BY from_msisdn;
  INSERT INTO top_senders (position, from_msisdn, message_count)
    SELECT ROW_NUMBER() OVER (ORDER BY message_count DESC, from_msisdn), from_msisdn, message_count
      FROM sender_counts ORDER BY message_count DESC, from_msisdn LIMIT 10;
  INSERT INTO message_totals (id, messages, senders, first_ts, last_ts, ingest_seq)
    SELECT 1, COUNT(*), (SELECT COUNT(*) FROM sender_counts), MIN(ts), MAX(ts), 0 FROM messages;
  INSERT INTO second_order (second, message_id, message_rowid)
    SELECT rowid >> 24, message_id, rowid FROM messages
     WHERE rowid >> 24 IN (SELECT rowid >> 24 FROM messages WHERE (rowid & 16777215) = 63);
)sql";

bool table_exists(connection& db, const char* name) {
  auto stmt = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  stmt.bind(1, std::string_view{name});
  return stmt.step();
}

void second_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int size = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, text ? second_of(std::string_view{text, static_cast<std::size_t>(size)}) : 0);
}

void row_key_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const std::int64_t second = sqlite3_value_int64(argv[0]);
  const std::int64_t sequence = sqlite3_value_int64(argv[1]);
  if (sequence < 0 || sequence >= sequences_per_second) {
    sqlite3_result_error(ctx, "more than 16,777,216 messages share one second of ts", -1);
    return;
  }
  sqlite3_result_int64(ctx, first_rowid(second) + sequence);
}

// A sender's whole rows in page order: a sender's page is a run of
// neighbouring index entries instead of a table lookup per row (row_streams.hpp).
// Version 3 had (from_msisdn) alone, whose entries point into the table; it is
// replaced in place (2.4 s on the 1.2M-row bench file, +125 MB).
constexpr const char* create_sender_rows_index =
  "CREATE INDEX IF NOT EXISTS messages_by_sender_rows ON messages (from_msisdn, ts, message_id, to_msisdn, text)";

void create_layout(connection& db) {
  db.exec(create_rest);
  db.exec(create_sender_rows_index);
  db.exec(create_day_counts_sql());
}

}  // namespace

void register_schema_functions(connection& db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  if (sqlite3_create_function(db.handle(), "webhookd_second", 1, flags, nullptr, second_function, nullptr,
                              nullptr) != SQLITE_OK ||
      sqlite3_create_function(db.handle(), "webhookd_row_key", 2, flags, nullptr, row_key_function, nullptr,
                              nullptr) != SQLITE_OK)
    throw error{sqlite3_errcode(db.handle()), sqlite3_errmsg(db.handle())};
}

int schema_version(connection& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  return stmt.step() ? static_cast<int>(stmt.column_int(0)) : 0;
}

void migrate_schema(connection& db) {
  db.exec("BEGIN IMMEDIATE");
  try {
    const int version = schema_version(db);
    if (version > current_schema_version)
      throw schema_too_new{"database schema version " + std::to_string(version) +
                           " is newer than this release supports (" + std::to_string(current_schema_version) +
                           ")"};
    if (version >= 3) {
      // (At version 4 too: reads name the index, so a file that lost it gets it back.)
      db.exec(create_sender_rows_index);
      db.exec("DROP INDEX IF EXISTS messages_by_sender");
    } else {
      if (table_exists(db, "messages")) {
        db.exec(create_messages_table("messages_rekeyed"));
        db.exec(copy_rekeyed);
        db.exec(drop_old_layout);
        create_layout(db);
        db.exec(backfill);
        db.exec(backfill_day_counts_sql());
      } else {
        db.exec(create_messages_table("messages"));
        create_layout(db);
        db.exec("INSERT INTO message_totals VALUES (1, 0, 0, NULL, NULL, 0)");
      }
    }
    if (version < current_schema_version) db.exec("PRAGMA user_version = " + std::to_string(current_schema_version));
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_active();
    throw;
  }
}

}  // namespace webhookd::sqlite
