#include "actors/storage/postgres/schema.hpp"

#include <string>
#include <vector>

namespace webhookd::postgres {

namespace {

// Any 64-bit number that no other application on the database uses as its
// advisory lock key: "webhookd" in ASCII.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(8387236825053623140)";

// Every text column that is compared or ordered uses the "C" collation:
// byte order, as SQLite's BINARY, whatever the database's locale, so both
// backends page identically; and lower() under "C" folds ASCII letters only,
// SPEC.md's case-insensitive match (actors/storage/postgres/list_reader.cpp).
//
// The aggregates (totals, per-sender, per-day and per-hour counts) are written by the
// storage actors in the same transaction as their batch's rows, one upsert
// per distinct key (actors/storage/postgres/batch_writer.cpp).
void run_all(connection& db, const std::vector<std::string>& statements) {
  for (const auto& statement : statements) db.exec(statement);
}

// 1: the FastAPI service's table, its indexes for the read order and the
// sender filter, and the aggregates.
void create_tables(connection& db) {
  run_all(db, {
    R"(CREATE TABLE IF NOT EXISTS messages (
         message_id text COLLATE "C" PRIMARY KEY,
         from_msisdn text COLLATE "C" NOT NULL,
         to_msisdn text NOT NULL,
         ts text COLLATE "C" NOT NULL,
         text text,
         created_at text NOT NULL))",
    R"(CREATE INDEX IF NOT EXISTS messages_by_ts ON messages (ts, message_id))",
    R"(CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (from_msisdn, ts, message_id))",
    R"(CREATE TABLE message_totals (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         messages bigint NOT NULL,
         senders bigint NOT NULL,
         first_ts text COLLATE "C",
         last_ts text COLLATE "C"))",
    R"(CREATE TABLE sender_counts (from_msisdn text COLLATE "C" PRIMARY KEY, messages bigint NOT NULL))",
    R"(CREATE INDEX sender_counts_by_rank ON sender_counts (messages DESC, from_msisdn))",
    // Day of ts ("YYYY-MM-DD"): totals for `since` and offsets reached by
    // skipping whole days.
    R"(CREATE TABLE day_counts (day text COLLATE "C" PRIMARY KEY, messages bigint NOT NULL))",
    // Backfill, for a messages table that was there before (a copy made by
    // other means): the aggregates of what it holds.
    R"(INSERT INTO sender_counts SELECT from_msisdn, count(*) FROM messages GROUP BY from_msisdn)",
    R"(INSERT INTO day_counts SELECT left(ts, 10), count(*) FROM messages GROUP BY left(ts, 10))",
    R"(INSERT INTO message_totals
         SELECT true, count(*), (SELECT count(*) FROM sender_counts), min(ts), max(ts) FROM messages)",
  });
}

// 2: a trigram index (pg_trgm, in Debian's server package) on the folded
// text, so that a search for a rare or absent string reads a few posting
// lists instead of every row; LIKE is still checked on each candidate row, so
// the answer stays the literal, case-insensitive match. Measured on 1M rows:
// 12 s to build, 70 MB; an absent word 2-5 ms instead of a full scan (cut at
// the 1 s read budget); a common word still costs its matches (180-280 ms).
// A role that may not create the extension gets the schema without the index
// (searches then scan, as before): the savepoint keeps the rest of the
// migration.
void add_trigram_index(connection& db) {
  db.exec("SAVEPOINT trigram_index");
  try {
    db.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm");
    db.exec(R"(CREATE INDEX IF NOT EXISTS messages_text_trigrams ON messages
                 USING gin (lower(text COLLATE "C") gin_trgm_ops))");
    // The planner weighs the index by the statistics of its expression,
    // which exist only once the table is analysed (without them it took a
    // 13%-frequent word for a rare one).
    db.exec("ANALYZE messages");
    db.exec("RELEASE SAVEPOINT trigram_index");
  } catch (const error& e) {
    if (e.what_kind() != error::kind::statement) throw;
    db.exec("ROLLBACK TO SAVEPOINT trigram_index");
  }
}

// 3: rows per hour of ts ("YYYY-MM-DDTHH"), beside the day counts: an offset
// skips whole days, then whole hours of its day, and walks the (ts,
// message_id) index inside one hour; a `since` total counts inside since's
// hour only. The walk inside a day was up to 2,740 index entries at 1M rows
// a year (2.5 ms each time, most of an offset read); inside an hour, ~115.
void add_hour_counts(connection& db) {
  run_all(db, {
    R"(CREATE TABLE hour_counts (hour text COLLATE "C" PRIMARY KEY, messages bigint NOT NULL))",
    R"(INSERT INTO hour_counts SELECT left(ts, 13), count(*) FROM messages GROUP BY left(ts, 13))",
  });
}

// Migration N is steps[N - 1].
const std::vector<void (*)(connection&)> steps = {create_tables, add_trigram_index, add_hour_counts};

}  // namespace

int schema_version(connection& db) {
  auto exists = db.exec("SELECT to_regclass('webhookd_schema') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  auto version = db.exec("SELECT version FROM webhookd_schema");
  return version.rows() == 0 ? 0 : static_cast<int>(version.integer(0, 0));
}

void migrate_schema(connection& db) {
  db.exec("BEGIN");
  try {
    // Held until COMMIT: a second replica waits here, then finds the work done.
    db.exec(migration_lock);
    db.exec("CREATE TABLE IF NOT EXISTS webhookd_schema ("
            "singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)");
    const int found = schema_version(db);
    if (found > current_schema_version) {
      db.exec("ROLLBACK");
      throw schema_too_new("database schema version " + std::to_string(found) + " is newer than this release's " +
                           std::to_string(current_schema_version));
    }
    for (int version = found + 1; version <= current_schema_version; ++version) {
      steps.at(static_cast<std::size_t>(version - 1))(db);
      db.exec("INSERT INTO webhookd_schema (version) VALUES ($1) "
              "ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
              {std::to_string(version)});
    }
    db.exec("COMMIT");
  } catch (const error&) {
    db.rollback_if_active();
    throw;
  }
}

}  // namespace webhookd::postgres
