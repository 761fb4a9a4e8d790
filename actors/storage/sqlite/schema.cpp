#include "actors/storage/sqlite/schema.hpp"

#include <string>

namespace webhookd {

namespace {

// Migration N brings a database at version N-1 to version N. A database made
// by the FastAPI service (messages table, user_version 0) upgrades in place:
// CREATE ... IF NOT EXISTS keeps its rows and the counters are backfilled.
constexpr const char* migrations[] = {
  // 1: messages, read indexes, and aggregates that /stats reads instead of
  //    scanning the table. Triggers keep the aggregates inside the same
  //    transaction as each insert.
  R"sql(
    CREATE TABLE IF NOT EXISTS messages (
      message_id  TEXT PRIMARY KEY,
      from_msisdn TEXT NOT NULL,
      to_msisdn   TEXT NOT NULL,
      ts          TEXT NOT NULL,
      text        TEXT,
      created_at  TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS messages_by_ts ON messages (ts, message_id);
    CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (from_msisdn, ts, message_id);

    CREATE TABLE sender_counts (
      from_msisdn   TEXT PRIMARY KEY,
      message_count INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sender_counts_by_count ON sender_counts (message_count DESC, from_msisdn);

    CREATE TABLE message_totals (
      id       INTEGER PRIMARY KEY CHECK (id = 1),
      messages INTEGER NOT NULL,
      senders  INTEGER NOT NULL
    );

    INSERT INTO sender_counts (from_msisdn, message_count)
      SELECT from_msisdn, COUNT(*) FROM messages GROUP BY from_msisdn;
    INSERT INTO message_totals (id, messages, senders)
      VALUES (1, (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM sender_counts));

    CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
    BEGIN
      UPDATE message_totals
         SET messages = messages + 1,
             senders = senders + NOT EXISTS (
               SELECT 1 FROM sender_counts WHERE from_msisdn = NEW.from_msisdn)
       WHERE id = 1;
      INSERT INTO sender_counts (from_msisdn, message_count) VALUES (NEW.from_msisdn, 1)
        ON CONFLICT (from_msisdn) DO UPDATE SET message_count = message_count + 1;
    END;
  )sql",

  // 2: messages per UTC day, so that `since` counts and deep offsets skip
  //    whole days instead of walking the ts index row by row. A day is the
  //    first 10 characters of the canonical ts, so the days in key order are
  //    consecutive runs of the ts index.
  R"sql(
    CREATE TABLE day_counts (
      day           TEXT PRIMARY KEY,
      message_count INTEGER NOT NULL
    ) WITHOUT ROWID;

    INSERT INTO day_counts (day, message_count)
      SELECT substr(ts, 1, 10), COUNT(*) FROM messages GROUP BY substr(ts, 1, 10);

    CREATE TRIGGER messages_day_count_insert AFTER INSERT ON messages
    BEGIN
      INSERT INTO day_counts (day, message_count) VALUES (substr(NEW.ts, 1, 10), 1)
        ON CONFLICT (day) DO UPDATE SET message_count = message_count + 1;
    END;
  )sql",
};

constexpr int migration_count = static_cast<int>(sizeof migrations / sizeof migrations[0]);
static_assert(migration_count == current_schema_version);

}  // namespace

int schema_version(sqlite::connection& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  return stmt.step() ? static_cast<int>(stmt.column_int(0)) : 0;
}

void migrate_schema(sqlite::connection& db) {
  db.exec("BEGIN IMMEDIATE");
  try {
    int version = schema_version(db);
    if (version > current_schema_version)
      throw schema_too_new{"database schema version " + std::to_string(version) +
                           " is newer than this release supports (" +
                           std::to_string(current_schema_version) + ")"};
    for (int next = version + 1; next <= current_schema_version; ++next) {
      db.exec(migrations[next - 1]);
      db.exec("PRAGMA user_version = " + std::to_string(next));
    }
    db.exec("COMMIT");
  } catch (...) {
    db.rollback_if_active();
    throw;
  }
}

}  // namespace webhookd
