// What only the SQLite backend has: its file layout and migrations, the
// directory and file failures it survives, the checkpointer, the text index
// file and its indexer, the aggregates on disk, and reads stopped at their
// deadline. The behaviour every backend shares is in the contract suites.
#define BOOST_TEST_MODULE test_sqlite_backend
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/send.hpp>

#include "actors/storage/sqlite/query_actor.hpp"
#include "actors/storage/sqlite/schema.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "messages/errors.hpp"
#include "support/sqlite_file.hpp"
#include "support/storage_harness.hpp"

using namespace webhookd;
using namespace webhookd::test;
namespace fs = std::filesystem;

namespace {

const std::string A = "+919876543210";
const std::string B = "+447700900123";

message_record make_record(std::string id, std::string from = A, std::string ts = "2025-01-15T10:00:00Z",
                           std::optional<std::string> text = std::string("Hello")) {
  return record(std::move(id), std::move(from), std::move(ts), std::move(text));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// True when `reason` leaks SQL statements or SQLite's own error texts.
bool contains_sql_text(const std::string& reason) {
  static const char* markers[] = {"select ", "insert ", "create table", "pragma", "sqlite", "syntax error",
                                  "no such", "not a database", "commit", "unable to open", "from_msisdn"};
  auto text = lower(reason);
  return std::any_of(std::begin(markers), std::end(markers), [&](const char* m) { return text.find(m) != std::string::npos; });
}

// Polls `ready` for up to `within`.
template <class Ready>
bool eventually(Ready ready, std::chrono::milliseconds within = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The text index file holds every stored row (a completed build, caught up).
bool text_index_caught_up(const std::string& database_path) {
  if (!fs::exists(sqlite::text_index_path(database_path))) return false;
  try {
    sqlite_file text{sqlite::text_index_path(database_path)};
    sqlite_file messages{database_path};
    return text.scalar("SELECT complete FROM text_index_state") == 1 &&
           text.scalar("SELECT indexed_seq FROM text_index_state") ==
             messages.scalar("SELECT ingest_seq FROM message_totals");
  } catch (const std::exception&) {
    return false;
  }
}

// Every aggregate the storage actor keeps, recomputed from the rows.
void check_aggregates_against_rows(const std::string& path) {
  sqlite_file db{path};
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals") == db.scalar("SELECT COUNT(*) FROM messages"));
  BOOST_TEST(db.scalar("SELECT senders FROM message_totals") ==
             db.scalar("SELECT COUNT(DISTINCT from_msisdn) FROM messages"));
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM (SELECT from_msisdn, COUNT(*) n FROM messages GROUP BY 1 "
                       "EXCEPT SELECT from_msisdn, message_count FROM sender_counts)") == 0);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM sender_counts") == db.scalar("SELECT senders FROM message_totals"));
  BOOST_TEST(db.rows("SELECT first_ts, last_ts FROM message_totals") == db.rows("SELECT MIN(ts), MAX(ts) FROM messages"));
  BOOST_TEST(db.rows("SELECT from_msisdn, message_count FROM top_senders ORDER BY position") ==
             db.rows("SELECT from_msisdn, message_count FROM sender_counts ORDER BY message_count DESC, from_msisdn "
                     "LIMIT 10"));
  // Days and hours: rowids are ts seconds << 24.
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM (SELECT (rowid >> 24) / 86400 d, COUNT(*) FROM messages GROUP BY 1 "
                       "EXCEPT SELECT day, message_count FROM day_counts)") == 0);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM day_counts") ==
             db.scalar("SELECT COUNT(DISTINCT (rowid >> 24) / 86400) FROM messages"));
  for (int hour = 0; hour < 24; ++hour) {
    const std::string column = std::string{"h"} + (hour < 10 ? "0" : "") + std::to_string(hour);
    BOOST_TEST(db.scalar("SELECT IFNULL(SUM(" + std::string(column) + "), 0) FROM day_counts") ==
                 db.scalar("SELECT COUNT(*) FROM messages WHERE ((rowid >> 24) % 86400) / 3600 = " +
                           std::to_string(hour)),
               "hour " << hour);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(files_and_schema)

BOOST_AUTO_TEST_CASE(schema_is_created_and_versioned_as_spec_says) {
  storage_harness db;
  db.start();
  sqlite_file file{db.database_path()};
  BOOST_TEST(file.scalar("PRAGMA user_version") == sqlite::current_schema_version);
  std::set<std::string> tables;
  for (auto& r : file.rows("SELECT name FROM sqlite_master WHERE type = 'table'")) tables.insert(*r[0]);
  for (const char* name : {"messages", "sender_counts", "top_senders", "message_totals", "day_counts", "ingest_log",
                           "storage_identity"})
    BOOST_TEST(tables.count(name) == 1u, name);
  // SPEC.md "Database": messages(message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL,
  // to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL).
  const std::vector<std::vector<std::string>> expected = {
    {"message_id", "TEXT", "0", "1"}, {"from_msisdn", "TEXT", "1", "0"}, {"to_msisdn", "TEXT", "1", "0"},
    {"ts", "TEXT", "1", "0"},         {"text", "TEXT", "0", "0"},        {"created_at", "TEXT", "1", "0"},
  };
  auto info = file.rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('messages') ORDER BY cid");
  BOOST_REQUIRE_EQUAL(info.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (std::size_t c = 0; c < 4; ++c) BOOST_TEST(info[i][c].value_or("") == expected[i][c], "column " << i);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM pragma_index_list('messages') WHERE origin = 'pk' AND \"unique\" = 1") == 1);
  BOOST_TEST(file.scalar("SELECT messages FROM message_totals") == 0);
  BOOST_TEST(lower(file.rows("PRAGMA journal_mode").at(0).at(0).value_or("")) == "wal");
  // No triggers: the storage actor keeps the aggregates itself.
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'") == 0);
}

BOOST_AUTO_TEST_CASE(rows_are_stored_in_ts_order_with_exact_aggregates) {
  storage_harness db;
  db.start();
  std::mt19937 rng(5);
  std::vector<message_record> batch;
  for (int i = 0; i < 2000; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-%02d-%02dT%02d:%02d:%02dZ", 1 + i % 12, 1 + i % 28,
                  std::uniform_int_distribution<int>(0, 23)(rng), std::uniform_int_distribution<int>(0, 3)(rng), 0);
    batch.push_back(make_record("agg-" + std::to_string(i), "+1555000" + std::to_string(1000 + i % 37), ts, "x"));
    if (batch.size() == 50) db.store_many(std::exchange(batch, {}));
  }
  db.store(make_record("agg-0", B, "2030-01-01T00:00:00Z"));  // a duplicate changes nothing
  sqlite_file file{db.database_path()};
  sqlite::register_schema_functions(file.connection());
  // rowid order is (ts second, arrival) and every second's run starts at 0.
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM messages WHERE rowid >> 24 <> webhookd_second(ts)") == 0);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM (SELECT rowid >> 24 s, MIN(rowid & 16777215) lo, MAX(rowid & 16777215) hi, "
                         "COUNT(*) n FROM messages GROUP BY 1) WHERE lo <> 0 OR hi <> n - 1") == 0);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM ingest_log") == 2000);
  check_aggregates_against_rows(db.database_path());
}

BOOST_AUTO_TEST_CASE(missing_database_directories_are_created) {
  storage_harness db{"a/b/c/app.db"};
  BOOST_REQUIRE(!fs::exists(db.dir() + "/a"));
  db.start();
  BOOST_TEST(fs::is_regular_file(db.database_path()));
  BOOST_TEST(db.store(make_record("deep-1")) == store_outcome::created);
  BOOST_TEST(sqlite_file{db.database_path()}.scalar("SELECT COUNT(*) FROM messages") == 1);
}

BOOST_AUTO_TEST_CASE(an_uncreatable_directory_is_unavailable_then_recovers) {
  storage_harness db{"file.txt/app.db"};
  const auto blocker = db.dir() + "/file.txt";
  std::ofstream(blocker) << "not a directory\n";
  db.start(1, false);
  BOOST_TEST(db.store(make_record("blocked-1")) == store_outcome::unavailable);
  const std::vector<store_outcome> both_unavailable = {store_outcome::unavailable, store_outcome::unavailable};
  BOOST_TEST(db.store_many({make_record("blocked-2"), make_record("blocked-3")}) == both_unavailable,
             boost::test_tools::per_element());
  auto h = db.health();
  BOOST_TEST(!h.ready);
  BOOST_TEST(!h.reason.empty());
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  auto [page, err] = db.try_list(make_query());
  BOOST_TEST(!page.has_value());
  BOOST_TEST(is_error(err, webhookd_errc::storage_unavailable));
  fs::remove(blocker);
  BOOST_REQUIRE_MESSAGE(db.wait_ready(std::chrono::seconds(5)), "still not ready: " << db.health().reason);
  BOOST_TEST(db.store(make_record("after-recovery")) == store_outcome::created);
  BOOST_TEST(ids_of(db.list(make_query())) == std::vector<std::string>{"after-recovery"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_reported_without_sql_text) {
  storage_harness db;
  {
    std::ofstream out(db.database_path(), std::ios::binary);
    for (int i = 0; i < 64; ++i) out << "this is certainly not an SQLite database file\n";
  }
  db.start(1, false);
  auto h = db.health();
  BOOST_TEST(!h.ready);
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  BOOST_TEST(db.store(make_record("garbage-1")) == store_outcome::unavailable);
}

BOOST_AUTO_TEST_CASE(a_schema_from_a_newer_release_is_not_touched) {
  storage_harness db;
  {
    sqlite_file file{db.database_path(), true};
    file.exec("CREATE TABLE future (x INTEGER); PRAGMA user_version = 99;");
  }
  db.start(1, false);
  auto h = db.health();
  BOOST_TEST(!h.ready);
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  BOOST_TEST(db.store(make_record("future-1")) == store_outcome::unavailable);
  sqlite_file file{db.database_path()};
  BOOST_TEST(file.scalar("PRAGMA user_version") == 99);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages'") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(migrations)

// The FastAPI service's file (messages only, version 0) and this service's
// version 2 (rowids in arrival order, triggers, day counts): every row is kept,
// renumbered in ts order, and every aggregate and the text index are built.
void check_migrated(storage_harness& db, const std::vector<message_record>& rows) {
  db.start(2);
  sqlite_file file{db.database_path()};
  BOOST_TEST(file.scalar("PRAGMA user_version") == sqlite::current_schema_version);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM messages") == static_cast<std::int64_t>(rows.size()));
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'") == 0);
  BOOST_TEST(file.rows("SELECT created_at FROM messages WHERE message_id = 'old-2'").at(0).at(0).value_or("") ==
             "2025-01-15T11:00:01Z");
  check_aggregates_against_rows(db.database_path());
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  for (const auto& mq : {make_query(), make_query(2, 1), make_query(100, 0, A), make_query(100, 0, std::nullopt, "2025-01-15T09:30:00Z"),
                         make_query(100, 0, std::nullopt, std::nullopt, "hello"), make_query(100, 0, std::nullopt, std::nullopt, "e")}) {
    auto page = db.list(mq);
    auto [ref_ids, ref_total] = reference_answer(rows, mq);
    BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
    BOOST_TEST(page.total == ref_total);
  }
  auto s = db.stats();
  BOOST_TEST(s.total_messages == static_cast<std::int64_t>(rows.size()));
  BOOST_TEST(s.first_message_ts.value_or("") == "2025-01-14T08:00:00Z");
  // Old ids still deduplicate; new rows join the aggregates and the index.
  BOOST_TEST(db.store(make_record("old-1", "+12025550199")) == store_outcome::duplicate);
  BOOST_TEST(db.store(make_record("new-1", B, "2025-01-15T09:00:00Z", "hello new")) == store_outcome::created);
  check_aggregates_against_rows(db.database_path());
  BOOST_TEST(db.list(make_query(100, 0, std::nullopt, std::nullopt, "hello")).total == 3);
}

const char* fastapi_rows =
  "INSERT INTO messages VALUES "
  "('old-1', '+919876543210', '+14155550100', '2025-01-15T09:00:00Z', 'Hello', '2025-01-15T09:00:01Z'),"
  "('old-2', '+919876543210', '+14155550100', '2025-01-15T11:00:00Z', NULL, '2025-01-15T11:00:01Z'),"
  "('old-4', '+447700900123', '+14155550100', '2025-01-15T09:00:00Z', 'hello again', '2025-01-15T09:00:02Z'),"
  "('old-3', '+447700900123', '+14155550100', '2025-01-14T08:00:00Z', 'Earlier', '2025-01-14T08:00:01Z');";

std::vector<message_record> fastapi_records() {
  return {make_record("old-1", A, "2025-01-15T09:00:00Z", "Hello"), make_record("old-2", A, "2025-01-15T11:00:00Z", std::nullopt),
          make_record("old-4", B, "2025-01-15T09:00:00Z", "hello again"),
          make_record("old-3", B, "2025-01-14T08:00:00Z", "Earlier")};
}

BOOST_AUTO_TEST_CASE(a_fastapi_database_is_migrated_in_place) {
  storage_harness db;
  {
    sqlite_file file{db.database_path(), true};
    file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
              "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);");
    file.exec(fastapi_rows);
  }
  check_migrated(db, fastapi_records());
}

BOOST_AUTO_TEST_CASE(a_version_2_database_is_migrated_in_place) {
  storage_harness db;
  {
    sqlite_file file{db.database_path(), true};
    // Version 2 as the previous release wrote it.
    file.exec(R"sql(
      CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, to_msisdn TEXT NOT NULL,
                             ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);
      CREATE INDEX messages_by_ts ON messages (ts, message_id);
      CREATE INDEX messages_by_sender ON messages (from_msisdn, ts, message_id);
      CREATE TABLE sender_counts (from_msisdn TEXT PRIMARY KEY, message_count INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX sender_counts_by_count ON sender_counts (message_count DESC, from_msisdn);
      CREATE TABLE message_totals (id INTEGER PRIMARY KEY CHECK (id = 1), messages INTEGER NOT NULL, senders INTEGER NOT NULL);
      INSERT INTO message_totals VALUES (1, 0, 0);
      CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
        UPDATE message_totals SET messages = messages + 1, senders = senders + NOT EXISTS (
          SELECT 1 FROM sender_counts WHERE from_msisdn = NEW.from_msisdn) WHERE id = 1;
        INSERT INTO sender_counts (from_msisdn, message_count) VALUES (NEW.from_msisdn, 1)
          ON CONFLICT (from_msisdn) DO UPDATE SET message_count = message_count + 1;
      END;
      CREATE TABLE day_counts (day TEXT PRIMARY KEY, message_count INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TRIGGER messages_day_count_insert AFTER INSERT ON messages BEGIN
        INSERT INTO day_counts (day, message_count) VALUES (substr(NEW.ts, 1, 10), 1)
          ON CONFLICT (day) DO UPDATE SET message_count = message_count + 1;
      END;
      PRAGMA user_version = 2;
    )sql");
    file.exec(fastapi_rows);
  }
  check_migrated(db, fastapi_records());
}

// Version 3 is version 4 without the index of a sender's whole rows: the
// index is added in place (same rows, same database id, so the text index
// stays), and sender pages read through it equal the reference, a burst of
// one second included.
BOOST_AUTO_TEST_CASE(a_version_3_database_gains_the_sender_rows_index_in_place) {
  storage_harness db;
  std::vector<message_record> rows;
  for (int i = 0; i < 600; ++i)
    rows.push_back(record("v3-" + std::to_string((i * 7919) % 1000), i % 2 ? A : B,
                          i < 100 ? "2025-02-01T10:00:00Z" : "2025-02-0" + std::to_string(1 + i % 5) + "T09:00:0" +
                                                                std::to_string(i % 10) + "Z",
                          i % 3 ? "hello" : "other"));
  db.start();
  db.store_all(rows);
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  db.stop();
  std::string database_id;
  {
    sqlite_file file{db.database_path(), true};
    database_id = file.rows("SELECT database_id FROM storage_identity").at(0).at(0).value_or("");
    file.exec("DROP INDEX messages_by_sender_rows; CREATE INDEX messages_by_sender ON messages (from_msisdn); "
              "PRAGMA user_version = 3;");
  }
  db.start();
  {
    sqlite_file file{db.database_path()};
    BOOST_TEST(file.scalar("PRAGMA user_version") == sqlite::current_schema_version);
    BOOST_TEST(file.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_by_sender_rows'") == 1);
    BOOST_TEST(file.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_by_sender'") == 0);
    BOOST_TEST(file.rows("SELECT database_id FROM storage_identity").at(0).at(0).value_or("") == database_id);
  }
  check_aggregates_against_rows(db.database_path());
  for (const auto& from : {A, B})
    for (const auto& since : {std::optional<std::string>{}, std::optional<std::string>{"2025-02-01T10:00:00Z"}})
      for (std::int64_t offset : {0, 40, 99, 149, 260})
        for (const auto& needle : {std::optional<std::string>{}, std::optional<std::string>{"hello"}}) {
          const auto mq = make_query(60, offset, from, since, needle);
          auto page = db.list(mq);
          auto [ref_ids, ref_total] = reference_answer(rows, mq);
          BOOST_TEST(ids_of(page) == ref_ids, boost::test_tools::per_element());
          BOOST_TEST(page.total == ref_total);
        }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text_index)

// A sender with more rows than a search walks by hand (20,000) is searched
// through the text index, its matches joined with the sender index's keys;
// pages, deep offsets, `since` and rows the index has not reached yet must all
// equal plain SQL over the file.
BOOST_AUTO_TEST_CASE(a_busy_senders_search_goes_through_the_index_and_equals_sql) {
  const std::string busy = "+15550001111";
  storage_harness db;
  {
    sqlite_file file{db.database_path(), true};
    file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
              "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);");
    // 24,000 rows of the busy sender and 12,000 of two others, seconds shared.
    file.exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 35999) "
              "INSERT INTO messages SELECT 'b-' || i, CASE WHEN i % 3 = 0 THEN '+1555000' || (i % 2) ELSE '" +
              busy + "' END, '+2', '2025-02-' || printf('%02d', 1 + i % 28) || 'T' || "
              "printf('%02d:%02d:%02d', i / 7 % 24, i / 11 % 60, i / 13 % 60) || 'Z', "
              "CASE i % 5 WHEN 0 THEN 'Alpha beta ' || i WHEN 1 THEN 'beta gamma' WHEN 2 THEN NULL "
              "WHEN 3 THEN 'rare delta' || (i % 97) ELSE 'ALPHA' END, 'x' FROM n");
  }
  db.start(2, false);
  BOOST_REQUIRE(db.wait_ready(std::chrono::seconds(180)));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }, std::chrono::seconds(180)));
  // Rows the index may not hold yet when the searches run.
  for (int i = 0; i < 40; ++i)
    db.store(make_record("late-" + std::to_string(i), busy, "2025-02-0" + std::to_string(1 + i % 9) + "T12:00:00Z",
                         i % 2 ? "alpha late" : "delta96 late"));
  // A burst of the busy sender in one second, stored in an order that is not
  // message_id's: its rowids and its page order differ, and the sender's keys
  // come from the table's rowid range there (row_streams.hpp, sender_keys).
  std::vector<message_record> burst;
  for (int i = 0; i < 100; ++i)
    burst.push_back(make_record("burst-" + std::to_string(i * 7919 % 1000), busy, "2025-02-10T05:05:05Z",
                                i % 2 ? "alpha burst" : "beta burst"));
  db.store_many(burst);
  sqlite_file file{db.database_path()};
  auto reference = [&](const message_query& q) {
    const std::string where = "from_msisdn = ?1 AND instr(lower(text), lower(?2)) > 0 AND ts >= ?3";
    const std::vector<std::string> params{*q.from, *q.q, q.since.value_or("")};
    std::vector<std::string> ids;
    for (const auto& row : file.rows("SELECT message_id FROM messages WHERE " + where + " ORDER BY ts, message_id " +
                                       "LIMIT " + std::to_string(q.limit) + " OFFSET " + std::to_string(q.offset),
                                     params))
      ids.push_back(*row.at(0));
    return std::make_pair(ids, file.scalar("SELECT COUNT(*) FROM messages WHERE " + where, params));
  };
  int asked = 0;
  for (const std::string needle : {"alpha", "BETA", "delta96", "a", "gamma", "no such words"})
    for (const auto& since : {std::optional<std::string>{}, std::optional<std::string>{"2025-02-14T00:00:00Z"}})
      for (std::int64_t offset : {0, 40, 251, 3000, 9000})
        for (int round = 0; round < 2; ++round) {  // counted, then remembered
          auto mq = make_query(offset == 40 ? 7 : 100, offset, busy, since, needle);
          auto page = db.list(mq);
          auto [ids, total] = reference(mq);
          BOOST_TEST(ids_of(page) == ids, "q=" << needle << " since=" << since.value_or("-") << " offset=" << offset);
          BOOST_TEST(page.total == total, "q=" << needle << " since=" << since.value_or("-"));
          ++asked;
        }
  BOOST_TEST(asked == 120);
}

BOOST_AUTO_TEST_CASE(the_index_file_follows_new_rows_and_is_rebuilt_for_another_database) {
  storage_harness db;
  db.start();
  for (int i = 0; i < 300; ++i)
    db.store(make_record("t-" + std::to_string(i), A, "2025-02-01T00:00:00Z", i % 3 ? "plain" : "needle here"));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  const auto path = sqlite::text_index_path(db.database_path());
  BOOST_TEST(sqlite_file{path}.rows("SELECT database_id FROM text_index_state") ==
             sqlite_file{db.database_path()}.rows("SELECT database_id FROM storage_identity"));
  BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "needle")).total == 100);
  db.stop();
  // The index now claims to belong to another database: it is built again.
  {
    sqlite_file text{path, true};
    text.exec("UPDATE text_index_state SET database_id = 'someone-else'");
  }
  db.start();
  BOOST_REQUIRE(eventually([&] {
    sqlite_file text{path};
    sqlite_file messages{db.database_path()};
    return text.rows("SELECT database_id FROM text_index_state") ==
           messages.rows("SELECT database_id FROM storage_identity");
  }));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "needle")).total == 100);
  BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "plain")).total == 200);
}

// The indexer copies its WAL back into the index file while the service runs
// (before, a 1M-row rebuild stayed whole in a 944 MB WAL beside a one-page
// file until the stop, which then spent 5 s copying it), and it closes after
// the read-only query actors, so that its close leaves no WAL behind.
BOOST_AUTO_TEST_CASE(the_indexer_checkpoints_its_wal_while_running_and_leaves_none_at_stop) {
  storage_harness db;
  db.start();
  for (int i = 0; i < 300; ++i)
    db.store(make_record("c-" + std::to_string(i), A, "2025-02-01T00:00:00Z",
                         "words of row " + std::to_string(i) + (i % 2 ? " needle" : " hay")));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  const auto path = sqlite::text_index_path(db.database_path());
  // The searches' connections have the index attached meanwhile.
  BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "needle")).total == 150);
  BOOST_TEST(eventually([&] { return fs::file_size(path) > 4 * 4096; }), "index file " << fs::file_size(path));
  db.stop();
  BOOST_TEST(!fs::exists(path + "-wal"));
  BOOST_TEST(sqlite_file{path}.scalar("SELECT indexed_seq FROM text_index_state") ==
             sqlite_file{db.database_path()}.scalar("SELECT ingest_seq FROM message_totals"));
}

// While the indexer catches up it holds no read snapshot of the messages
// file beyond reading a chunk's texts, so the messages' WAL can start over
// between commits. It used to index each chunk inside the snapshot it read it
// from: catching up back to back, the WAL could never start over, and under
// unique ingest at 1M rows it grew past 130,000 pages. A checkpoint that
// starts the WAL over fails (busy) while any reader holds a snapshot.
BOOST_AUTO_TEST_CASE(the_indexer_catching_up_leaves_the_messages_wal_free_to_start_over) {
  storage_harness db;
  db.start();
  db.store(make_record("first"));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  const std::string padding(240, 'w');
  for (int batch = 0; batch < 6; ++batch) {
    std::vector<message_record> records;
    for (int i = 0; i < 2000; ++i) {
      const int n = batch * 2000 + i;
      records.push_back(make_record("w-" + std::to_string(n), A, "2025-02-01T00:00:00Z",
                                    "row " + std::to_string(n) + " " + padding + std::to_string(n * 7919)));
    }
    db.store_many(std::move(records));
  }
  sqlite_file messages{db.database_path(), sqlite::connection::mode::read_write};
  messages.exec("PRAGMA busy_timeout = 0");
  int attempts = 0, restarted = 0;
  while (!text_index_caught_up(db.database_path()) && attempts < 400) {
    // A commit first, so that the WAL has frames (a snapshot taken of an
    // empty WAL does not hold it), then a checkpoint that starts it over.
    db.store(make_record("x-" + std::to_string(attempts), B));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ++attempts;
    auto result = messages.rows("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!result.empty() && result[0][0] && *result[0][0] == "0") ++restarted;
  }
  BOOST_TEST_MESSAGE("WAL started over " << restarted << " of " << attempts << " times while the index caught up");
  BOOST_TEST(attempts >= 5);
  BOOST_TEST(restarted * 4 >= attempts * 3);  // 4-9 of 20 before
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  BOOST_TEST(db.list(make_query(1, 0, std::nullopt, std::nullopt, "row 11999 w")).total == 1);
}

// The read connections map the database and the text index file (PRAGMA
// mmap_size) rather than copying pages out with pread; nothing else of the
// process maps either file (the writer and the indexer do not), so the
// mappings are theirs.
BOOST_AUTO_TEST_CASE(the_read_connections_map_the_database_and_the_index_file) {
  storage_harness db;
  db.start();
  for (int i = 0; i < 200; ++i)
    db.store(make_record("m-" + std::to_string(i), i % 2 ? A : B, "2025-03-01T00:00:00Z",
                         i % 4 ? "mapped hay" : "mapped needle"));
  BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  auto mapped = [](const std::string& path) {
    std::ifstream maps{"/proc/self/maps"};
    const std::string suffix = " " + fs::canonical(path).string();
    for (std::string line; std::getline(maps, line);)
      if (line.size() >= suffix.size() && line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
    return false;
  };
  BOOST_TEST(!mapped(db.database_path()));
  BOOST_TEST(db.list(make_query(10, 0, A)).total == 100);
  BOOST_TEST(mapped(db.database_path()));
  BOOST_TEST(eventually([&] { return db.list(make_query(1, 0, std::nullopt, std::nullopt, "needle")).total == 50; }));
  BOOST_TEST(eventually([&] {
    db.list(make_query(1, 0, std::nullopt, std::nullopt, "needle"));
    return mapped(sqlite::text_index_path(db.database_path()));
  }));
}

// Each chunk the indexer adds is a segment of its own, and FTS5's automerge
// merges a level only once 8 are there; a search looks its terms up in every
// segment. Once nothing has arrived for a second, the indexer merges them
// (at most one segment per level is left), and the answers stay the same.
BOOST_AUTO_TEST_CASE(an_idle_indexer_merges_the_segments_its_chunks_left) {
  storage_harness db;
  db.start();
  const auto index_path = sqlite::text_index_path(db.database_path());
  auto segments = [&] { return sqlite_file{index_path}.scalar("SELECT COUNT(DISTINCT segid) FROM message_text_idx"); };
  for (int chunk = 0; chunk < 12; ++chunk) {
    std::vector<message_record> records;
    for (int i = 0; i < 20; ++i) {
      const int n = chunk * 20 + i;
      records.push_back(make_record("seg-" + std::to_string(n), n % 2 ? A : B, "2025-04-01T00:00:00Z",
                                    "chunk " + std::to_string(chunk) + (n % 3 == 0 ? " merge needle" : " hay")));
    }
    db.store_many(std::move(records));
    BOOST_REQUIRE(eventually([&] { return text_index_caught_up(db.database_path()); }));
  }
  auto needle_page = [&] { return db.list(make_query(100, 0, std::nullopt, std::nullopt, "MERGE needle")); };
  const auto before = needle_page();
  BOOST_TEST(before.total == 80);
  // Each chunk was caught up within a second of the last, so none was merged.
  const auto segments_before = segments();
  BOOST_TEST_MESSAGE("segments once the 12 chunks were indexed: " << segments_before);
  BOOST_REQUIRE(segments_before > 2);
  BOOST_TEST(eventually([&] { return segments() <= 2; }), "segments " << segments());
  BOOST_TEST(eventually([&] { return db.metrics().text_index_merge_pending().Value() == 0; }));
  const auto after = needle_page();
  BOOST_TEST(after.total == 80);
  BOOST_TEST(ids_of(after) == ids_of(before));
  BOOST_TEST(db.list(make_query(100, 0, std::nullopt, std::nullopt, "chunk 11 h")).total == 14);
}

BOOST_AUTO_TEST_CASE(searches_are_exact_before_the_index_file_exists) {
  storage_harness db;
  {
    sqlite_file file{db.database_path(), true};
    file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
              "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);");
    file.exec("INSERT INTO messages VALUES ('a', '+1', '+2', '2025-01-01T00:00:00Z', 'Alpha', 'x'), "
              "('b', '+1', '+2', '2025-01-01T00:00:01Z', 'beta', 'x')");
  }
  // A query actor alone: no indexer runs, so there is never an index file.
  db.start();
  db.stop();
  fs::remove(sqlite::text_index_path(db.database_path()));
  fs::remove(sqlite::text_index_path(db.database_path()) + "-wal");
  fs::remove(sqlite::text_index_path(db.database_path()) + "-shm");
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  auto& metrics = db.metrics();
  auto query = spawn_query(db.system(), db.database_path(), query_lane::plain, 9, metrics, db.log(), stopping,
                           std::make_shared<count_cache>(16));
  auto ask = [&](const std::string& needle) {
    std::optional<std::int64_t> total;
    auto mq = make_query(10, 0, std::nullopt, std::nullopt, needle);
    db.self()->request(query, reply_timeout, list_atom::value, mq)
      .receive([&](rendered_page p) { total = p.total; }, [&](caf::error&) {});
    return total;
  };
  BOOST_TEST(ask("ALPHA").value_or(-1) == 1);
  BOOST_TEST(ask("a").value_or(-1) == 2);
  BOOST_TEST(ask("zz").value_or(-1) == 0);
  BOOST_TEST(!fs::exists(sqlite::text_index_path(db.database_path())));
  caf::anon_send_exit(query, caf::exit_reason::user_shutdown);
  db.self()->wait_for(query);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reads_and_shutdown)

BOOST_AUTO_TEST_CASE(a_read_that_runs_past_its_deadline_is_stopped_and_the_actor_goes_on) {
  storage_harness db;
  {
    // A table big enough that a search without the index takes a while.
    sqlite_file file{db.database_path(), true};
    file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
              "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);");
    file.exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999) "
              "INSERT INTO messages SELECT 'big-' || i, '+1555' || (i % 1000), '+2', "
              "'2025-01-' || printf('%02d', 1 + i % 28) || 'T10:00:00Z', 'text number ' || i, 'x' FROM n");
  }
  // Migrating 300,000 rows (aggregates backfilled) takes seconds under the
  // sanitizers, longer than start()'s default wait.
  db.start(1, false);
  BOOST_REQUIRE(db.wait_ready(std::chrono::seconds(180)));
  db.stop();  // migrated; the text index is never built below
  fs::remove(sqlite::text_index_path(db.database_path()));
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  auto& metrics = db.metrics();
  auto query = spawn_query(db.system(), db.database_path(), query_lane::plain, 9, metrics, db.log(), stopping,
                           std::make_shared<count_cache>(16));
  // One read first, so that the connection is open and the slow read below
  // starts at once: under the sanitizers, opening it took longer than the
  // deadline, and the read was refused before it ran instead of stopped.
  db.self()->request(query, reply_timeout, list_atom::value, make_query(1, 0))
    .receive([](rendered_page) {}, [](caf::error&) {});
  auto mq = make_query(10, 0, std::nullopt, std::nullopt, "no such words");
  mq.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
  caf::error err;
  bool answered = false;
  const auto started = std::chrono::steady_clock::now();
  db.self()->request(query, reply_timeout, list_atom::value, mq)
    .receive([&](rendered_page) { answered = true; }, [&](caf::error& e) { err = std::move(e); });
  const auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST_MESSAGE("stopped after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  BOOST_TEST(!answered);
  BOOST_TEST(is_error(err, webhookd_errc::query_interrupted), db.system().render(err));
  // It ran until its deadline (a read refused unstarted would be back at once).
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() >= 25);
  const double interrupted = metrics.queries_interrupted().Value();
  BOOST_TEST(interrupted >= 1.0);
  // The same actor answers the next request normally.
  std::optional<std::int64_t> total;
  db.self()->request(query, reply_timeout, list_atom::value, make_query(1, 0))
    .receive([&](rendered_page p) { total = p.total; }, [&](caf::error&) {});
  BOOST_TEST(total.value_or(-1) == 300000);
  // And a read under way when the service stops is stopped at once.
  auto slow = make_query(10, 0, std::nullopt, std::nullopt, "still no such words");
  auto handle = db.self()->request(query, reply_timeout, list_atom::value, slow);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stopping->store(true);
  err = caf::error{};
  handle.receive([&](rendered_page) {}, [&](caf::error& e) { err = std::move(e); });
  BOOST_TEST(is_error(err, webhookd_errc::query_interrupted), db.system().render(err));
  caf::anon_send_exit(query, caf::exit_reason::user_shutdown);
  db.self()->wait_for(query);
}

BOOST_AUTO_TEST_CASE(stores_in_flight_at_shutdown_are_committed_and_answered) {
  storage_harness db;
  db.start();
  constexpr int count = 50;
  constexpr auto short_timeout = std::chrono::seconds(4);
  using handle_t = decltype(db.self()->request(db.storage(), short_timeout, store_atom::value, make_record("x")));
  std::vector<handle_t> handles;
  // Another connection holds the write lock, so the first batch waits in
  // BEGIN IMMEDIATE while the rest and then the exit message queue up.
  sqlite_file blocker{db.database_path(), true};
  blocker.exec("BEGIN IMMEDIATE");
  handles.push_back(db.self()->request(db.storage(), short_timeout, store_atom::value, make_record("inflight-0")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 1; i < count; ++i)
    handles.push_back(db.self()->request(db.storage(), short_timeout, store_atom::value,
                                         make_record("inflight-" + std::to_string(i))));
  const auto storage = db.storage();
  caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  blocker.exec("ROLLBACK");
  int created = 0, unavailable = 0, receiver_down = 0, timed_out = 0, other = 0;
  std::vector<std::string> created_ids;
  for (int i = 0; i < count; ++i)
    handles[static_cast<std::size_t>(i)].receive(
      [&](store_outcome o) {
        if (o == store_outcome::created) {
          ++created;
          created_ids.push_back("inflight-" + std::to_string(i));
        } else {
          ++unavailable;
        }
      },
      [&](caf::error& e) {
        if (e == caf::sec::request_timeout)
          ++timed_out;
        else if (e == caf::sec::request_receiver_down)
          ++receiver_down;
        else
          ++other;
      });
  db.self()->wait_for(storage);
  BOOST_TEST(timed_out == 0);
  BOOST_TEST(other == 0);
  sqlite_file file{db.database_path()};
  for (const auto& id : created_ids)
    BOOST_TEST(file.scalar("SELECT COUNT(*) FROM messages WHERE message_id = ?1", {id}) == 1, id);
  BOOST_TEST(file.scalar("SELECT COUNT(*) FROM messages") == created);
}

BOOST_AUTO_TEST_CASE(the_checkpointer_copies_the_wal_back_while_storage_runs) {
  storage_harness db;
  db.start();
  const auto db_bytes_at_start = fs::file_size(db.database_path());
  const std::string text(4000, 't');
  constexpr int count = 600;
  for (int i = 0; i < count; ++i)
    BOOST_REQUIRE_EQUAL(db.store(make_record("wal-" + std::to_string(i), A, "2025-01-15T10:00:00Z", text)),
                        store_outcome::created);
  BOOST_TEST(eventually([&] { return db.metrics().checkpoint_seconds().Collect().histogram.sample_count >= 1u; }));
  BOOST_TEST(fs::file_size(db.database_path()) > db_bytes_at_start + 2'000'000);
  db.stop();
  BOOST_TEST(!fs::exists(db.database_path() + "-wal"));
  BOOST_TEST(sqlite_file{db.database_path()}.scalar("SELECT COUNT(*) FROM messages") == count);
}

BOOST_AUTO_TEST_SUITE_END()
