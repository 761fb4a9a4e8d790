// The storage actor through its typed interface, on real SQLite files in fresh
// temporary directories. Every write it acknowledges is checked by opening the
// database file independently with the SQLite C API.
#define BOOST_TEST_MODULE test_storage_actor
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "support/actor_testing.hpp"
#include "actors/storage/sqlite/query_actor.hpp"
#include "actors/storage/sqlite/storage_actor.hpp"
#include "actors/storage/sqlite/schema.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"


using namespace webhookd;
using namespace webhookd::test;
namespace fs = std::filesystem;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(15);
constexpr auto fast_retry = std::chrono::milliseconds(100);

// A fresh directory under /tmp, removed with everything in it afterwards.
struct temp_dir {
  std::string path;
  temp_dir() {
    char pattern[] = "/tmp/webhookd-storage-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path = made;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// Where the JSON log goes, so it never reaches the test output.

using row = std::vector<std::optional<std::string>>;

// An independent connection to the database file through the SQLite C API.
class raw_db {
 public:
  explicit raw_db(const std::string& path, bool read_only = true) {
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string text = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + path + ": " + text);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;
  ~raw_db() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error("exec failed: " + text + " in " + sql);
    }
  }

  std::vector<row> rows(const std::string& sql, const std::vector<std::string>& params = {}) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_));
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(),
                        static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
    std::vector<row> out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      row r;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          r.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          r.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      out.push_back(std::move(r));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("step failed: ") + sqlite3_errmsg(db_));
    return out;
  }

  std::int64_t scalar(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto result = rows(sql, params);
    if (result.size() != 1 || result[0].empty() || !result[0][0])
      throw std::runtime_error("not a scalar: " + sql);
    return std::stoll(*result[0][0]);
  }

 private:
  sqlite3* db_ = nullptr;
};

message_record make_record(std::string id, std::string from = "+919876543210",
                           std::string to = "+14155550100",
                           std::string ts = "2025-01-15T10:00:00Z",
                           std::optional<std::string> text = std::string("Hello")) {
  return message_record{std::move(id), std::move(from), std::move(to), std::move(ts), std::move(text)};
}

// YYYY-MM-DDTHH:MM:SS.mmmZ (no std::regex: GCC 12 warns inside it under the
// sanitizer build, and warnings are errors).
bool looks_like_created_at(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    bool ok = shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(s[i])) != 0 : s[i] == shape[i];
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// True when `reason` leaks SQL statements or SQLite's own error texts.
bool contains_sql_text(const std::string& reason) {
  static const char* markers[] = {"select ", "insert ", "create table", "create index", "pragma",
                                  "sqlite", "syntax error", "no such", "not a database",
                                  "begin immediate", "commit", "user_version", "unable to open",
                                  "constraint", "from_msisdn", "message_totals"};
  auto text = lower(reason);
  return std::any_of(std::begin(markers), std::end(markers),
                     [&](const char* m) { return text.find(m) != std::string::npos; });
}

// The Prometheus counter of messages an actor handled, read from the registry
// (-1 when the series does not exist).
double handled_count(service_metrics& metrics, const std::string& actor, const std::string& instance) {
  for (const auto& family : metrics.registry().Collect()) {
    if (family.name != "webhookd_actor_messages_handled_total") continue;
    for (const auto& metric : family.metric) {
      bool actor_matches = false;
      bool instance_matches = false;
      for (const auto& label : metric.label) {
        if (label.name == "actor" && label.value == actor) actor_matches = true;
        if (label.name == "instance" && label.value == instance) instance_matches = true;
      }
      if (actor_matches && instance_matches) return metric.counter.value;
    }
  }
  return -1;
}


struct storage_fixture {
  temp_dir dir;
  log_sink sink;
  json_logger log{sink.file, log_level::debug};
  service_metrics metrics;
  quiet_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::vector<caf::actor> started;  // stopped in reverse order at the end

  ~storage_fixture() {
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
      caf::anon_send_exit(*it, caf::exit_reason::user_shutdown);
      self->wait_for(*it);
    }
  }

  std::string db_path() const { return dir.file("app.db"); }

  storage_actor start_storage(const std::string& path,
                              std::chrono::milliseconds retry = fast_retry) {
    auto handle = spawn_storage(sys, storage_settings{path, retry}, metrics, log);
    started.push_back(caf::actor_cast<caf::actor>(handle));
    return handle;
  }

  query_actor start_query(const std::string& path) {
    auto handle = spawn_query(sys, path, static_cast<int>(started.size()), metrics, log);
    started.push_back(caf::actor_cast<caf::actor>(handle));
    return handle;
  }

  void stop(const caf::actor& handle) {
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
    self->wait_for(handle);
    started.erase(std::remove(started.begin(), started.end(), handle), started.end());
  }

  store_outcome store(const storage_actor& storage, message_record record) {
    std::optional<store_outcome> answer;
    std::string failure;
    self->request(storage, reply_timeout, store_atom::value, std::move(record))
      .receive([&](store_outcome o) { answer = o; },
               [&](caf::error& err) { failure = sys.render(err); });
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "store answered an error: " << failure);
    return *answer;
  }

  storage_health health(const storage_actor& storage) {
    std::optional<storage_health> answer;
    std::string failure;
    self->request(storage, reply_timeout, health_atom::value)
      .receive([&](storage_health h) { answer = std::move(h); },
               [&](caf::error& err) { failure = sys.render(err); });
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "health answered an error: " << failure);
    return *answer;
  }

  // Polls health until ready or the deadline passes; returns the last answer.
  storage_health wait_ready(const storage_actor& storage,
                            std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto h = health(storage);
    while (!h.ready && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      h = health(storage);
    }
    return h;
  }

  stats_snapshot stats(const query_actor& query) {
    std::optional<stats_snapshot> answer;
    std::string failure;
    self->request(query, reply_timeout, stats_atom::value)
      .receive([&](stats_snapshot s) { answer = std::move(s); },
               [&](caf::error& err) { failure = sys.render(err); });
    BOOST_REQUIRE_MESSAGE(answer.has_value(), "stats answered an error: " << failure);
    return *answer;
  }
};

const std::string select_row =
  "SELECT message_id, from_msisdn, to_msisdn, ts, text, created_at, typeof(text) "
  "FROM messages WHERE message_id = ?1";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(storage_actor_tests, storage_fixture)

BOOST_AUTO_TEST_CASE(insert_is_created_and_committed) {
  auto storage = start_storage(db_path());
  auto record = make_record("m-1", "+919876543210", "+14155550100", "2025-01-15T10:00:00Z", "Hello");
  BOOST_TEST(store(storage, record) == store_outcome::created);

  // A separate connection opened after the answer must already see the row.
  raw_db db{db_path()};
  auto rows = db.rows(select_row, {"m-1"});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_TEST(*rows[0][0] == "m-1");
  BOOST_TEST(*rows[0][1] == "+919876543210");
  BOOST_TEST(*rows[0][2] == "+14155550100");
  BOOST_TEST(*rows[0][3] == "2025-01-15T10:00:00Z");
  BOOST_REQUIRE(rows[0][4].has_value());
  BOOST_TEST(*rows[0][4] == "Hello");
  BOOST_REQUIRE(rows[0][5].has_value());
  BOOST_TEST(looks_like_created_at(*rows[0][5]), "created_at = " << *rows[0][5]);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 1);
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == 1);
  BOOST_TEST(db.scalar("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1",
                       {"+919876543210"}) == 1);
}

BOOST_AUTO_TEST_CASE(every_acknowledged_store_is_visible_at_once) {
  // Alternate stores and independent reads: each "created" must already be on disk.
  auto storage = start_storage(db_path());
  for (int i = 0; i < 20; ++i) {
    auto id = "seq-" + std::to_string(i);
    BOOST_TEST(store(storage, make_record(id)) == store_outcome::created);
    raw_db db{db_path()};
    BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages WHERE message_id = ?1", {id}) == 1);
    BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == i + 1);
  }
}

BOOST_AUTO_TEST_CASE(duplicate_keeps_the_first_version) {
  auto storage = start_storage(db_path());
  BOOST_TEST(store(storage, make_record("dup-1", "+919876543210", "+14155550100",
                                        "2025-01-15T10:00:00Z", "first")) == store_outcome::created);
  std::string first_created_at;
  {
    raw_db db{db_path()};
    auto rows = db.rows(select_row, {"dup-1"});
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    first_created_at = rows[0][5].value_or("");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later created_at if rewritten
  BOOST_TEST(store(storage, make_record("dup-1", "+447700900123", "+12025550199",
                                        "2026-06-30T23:59:59Z", "second")) == store_outcome::duplicate);
  BOOST_TEST(store(storage, make_record("dup-1", "+447700900123", "+12025550199",
                                        "2026-06-30T23:59:59Z", std::nullopt)) == store_outcome::duplicate);

  raw_db db{db_path()};
  auto rows = db.rows(select_row, {"dup-1"});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_TEST(*rows[0][1] == "+919876543210");
  BOOST_TEST(*rows[0][2] == "+14155550100");
  BOOST_TEST(*rows[0][3] == "2025-01-15T10:00:00Z");
  BOOST_REQUIRE(rows[0][4].has_value());
  BOOST_TEST(*rows[0][4] == "first");
  BOOST_TEST(rows[0][5].value_or("") == first_created_at);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 1);
  // The counters count the row once, and the duplicate's sender not at all.
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == 1);
  BOOST_TEST(db.scalar("SELECT senders FROM message_totals WHERE id = 1") == 1);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM sender_counts WHERE from_msisdn = ?1",
                       {"+447700900123"}) == 0);
}

BOOST_AUTO_TEST_CASE(missing_text_is_sql_null_and_empty_text_is_not) {
  auto storage = start_storage(db_path());
  BOOST_TEST(store(storage, make_record("no-text", "+919876543210", "+14155550100",
                                        "2025-01-15T10:00:00Z", std::nullopt)) == store_outcome::created);
  BOOST_TEST(store(storage, make_record("empty-text", "+919876543210", "+14155550100",
                                        "2025-01-15T10:00:01Z", std::string{})) == store_outcome::created);
  raw_db db{db_path()};
  auto none = db.rows(select_row, {"no-text"});
  BOOST_REQUIRE_EQUAL(none.size(), 1u);
  BOOST_TEST(!none[0][4].has_value());
  BOOST_TEST(*none[0][6] == "null");
  auto empty = db.rows(select_row, {"empty-text"});
  BOOST_REQUIRE_EQUAL(empty.size(), 1u);
  BOOST_REQUIRE(empty[0][4].has_value());
  BOOST_TEST(empty[0][4]->empty());
  BOOST_TEST(*empty[0][6] == "text");
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages WHERE text IS NULL") == 1);
}

BOOST_AUTO_TEST_CASE(hundred_concurrent_stores_of_one_id_make_one_row) {
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  // 100 independent actors each deliver the same message_id (with distinct
  // text) at once and report what the storage actor answered them.
  constexpr int senders = 100;
  auto collector = caf::actor_cast<caf::actor>(self);
  for (int i = 0; i < senders; ++i) {
    auto record = make_record("same-id", "+919876543210", "+14155550100", "2025-01-15T10:00:00Z",
                              "version " + std::to_string(i));
    sys.spawn([storage, collector, record, i](caf::event_based_actor* a) {
      a->request(storage, reply_timeout, store_atom::value, record)
        .then([a, collector, i](store_outcome o) { a->send(collector, i, static_cast<int>(o)); },
              [a, collector, i](caf::error&) { a->send(collector, i, -1); });
    });
  }
  std::map<int, int> outcome_by_sender;
  bool timed_out = false;
  for (int n = 0; n < senders && !timed_out; ++n) {
    self->receive([&](int sender, int code) { outcome_by_sender[sender] = code; },
                  caf::after(reply_timeout) >> [&] { timed_out = true; });
  }
  BOOST_REQUIRE(!timed_out);
  BOOST_REQUIRE_EQUAL(outcome_by_sender.size(), static_cast<std::size_t>(senders));
  int created = 0;
  int duplicate = 0;
  int other = 0;
  int created_sender = -1;
  for (auto& [sender, code] : outcome_by_sender) {
    if (code == static_cast<int>(store_outcome::created)) {
      ++created;
      created_sender = sender;
    } else if (code == static_cast<int>(store_outcome::duplicate)) {
      ++duplicate;
    } else {
      ++other;
    }
  }
  BOOST_TEST(created == 1);
  BOOST_TEST(duplicate == 99);
  BOOST_TEST(other == 0);

  raw_db db{db_path()};
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 1);
  auto rows = db.rows(select_row, {"same-id"});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  // The row holds exactly the version whose sender was told "created".
  BOOST_TEST(rows[0][4].value_or("") == "version " + std::to_string(created_sender));
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == 1);
  BOOST_TEST(db.scalar("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1",
                       {"+919876543210"}) == 1);
}

BOOST_AUTO_TEST_CASE(five_hundred_concurrent_ids_are_batched) {
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  constexpr int count = 500;
  auto first = make_record("x");
  using handle_t = decltype(self->request(storage, reply_timeout, store_atom::value, first));
  std::vector<handle_t> handles;
  handles.reserve(count);
  for (int i = 0; i < count; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "bulk-%03d", i);
    // 7 senders so the sender counters get exercised by batches too.
    auto from = "+9100000000" + std::to_string(i % 7);
    handles.push_back(self->request(storage, reply_timeout, store_atom::value,
                                    make_record(id, from, "+14155550100", "2025-01-15T10:00:00Z",
                                                "bulk " + std::to_string(i))));
  }
  int created = 0;
  int other = 0;
  int errors = 0;
  for (auto& h : handles)
    h.receive([&](store_outcome o) { (o == store_outcome::created ? created : other)++; },
              [&](caf::error&) { ++errors; });
  BOOST_TEST(created == count);
  BOOST_TEST(other == 0);
  BOOST_TEST(errors == 0);

  raw_db db{db_path()};
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == count);
  BOOST_TEST(db.scalar("SELECT COUNT(DISTINCT message_id) FROM messages") == count);
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == count);
  BOOST_TEST(db.scalar("SELECT senders FROM message_totals WHERE id = 1") == 7);
  BOOST_TEST(db.scalar("SELECT SUM(message_count) FROM sender_counts") == count);

  auto rows_per_commit = metrics.rows_per_commit().Collect().histogram;
  auto commits = metrics.commit_seconds().Collect().histogram;
  BOOST_TEST_MESSAGE("500 stores went into " << rows_per_commit.sample_count << " commits");
  BOOST_TEST(rows_per_commit.sample_sum == static_cast<double>(count));
  BOOST_TEST(rows_per_commit.sample_count >= 1u);
  BOOST_TEST(rows_per_commit.sample_count < static_cast<std::uint64_t>(count));
  BOOST_TEST(commits.sample_count == rows_per_commit.sample_count);
}

BOOST_AUTO_TEST_CASE(schema_is_created_and_versioned) {
  auto storage = start_storage(db_path());
  auto h = wait_ready(storage);
  BOOST_REQUIRE(h.ready);
  BOOST_TEST(h.reason.empty());

  raw_db db{db_path()};
  BOOST_TEST(db.scalar("PRAGMA user_version") == current_schema_version);
  BOOST_TEST(current_schema_version >= 1);
  std::set<std::string> tables;
  for (auto& r : db.rows("SELECT name FROM sqlite_master WHERE type = 'table'")) tables.insert(*r[0]);
  BOOST_TEST(tables.count("messages") == 1u);
  BOOST_TEST(tables.count("sender_counts") == 1u);
  BOOST_TEST(tables.count("message_totals") == 1u);

  // SPEC.md "Database": messages(message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL,
  // to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL).
  struct column {
    std::string name, type, notnull, pk;
  };
  const std::vector<column> expected = {
    {"message_id", "TEXT", "0", "1"}, {"from_msisdn", "TEXT", "1", "0"},
    {"to_msisdn", "TEXT", "1", "0"},  {"ts", "TEXT", "1", "0"},
    {"text", "TEXT", "0", "0"},       {"created_at", "TEXT", "1", "0"},
  };
  auto info = db.rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('messages') ORDER BY cid");
  BOOST_REQUIRE_EQUAL(info.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_CONTEXT("column " << i) {
      BOOST_TEST(*info[i][0] == expected[i].name);
      BOOST_TEST(*info[i][1] == expected[i].type);
      BOOST_TEST(*info[i][2] == expected[i].notnull);
      BOOST_TEST(*info[i][3] == expected[i].pk);
    }
  }
  // The primary key really rejects a second row with the same id.
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM pragma_index_list('messages') WHERE origin = 'pk' AND \"unique\" = 1") == 1);
  // Empty database: the totals row exists and is zero.
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == 0);
  BOOST_TEST(db.scalar("SELECT senders FROM message_totals WHERE id = 1") == 0);
  // Durable settings: WAL journal.
  auto mode = db.rows("PRAGMA journal_mode");
  BOOST_REQUIRE_EQUAL(mode.size(), 1u);
  BOOST_TEST(lower(mode[0][0].value_or("")) == "wal");
}

BOOST_AUTO_TEST_CASE(restart_on_the_same_file_keeps_rows_and_duplicates) {
  {
    auto storage = start_storage(db_path());
    BOOST_TEST(store(storage, make_record("keep-1", "+919876543210", "+14155550100",
                                          "2025-01-15T10:00:00Z", "one")) == store_outcome::created);
    stop(caf::actor_cast<caf::actor>(storage));
  }
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  BOOST_TEST(store(storage, make_record("keep-1", "+447700900123", "+14155550100",
                                        "2025-01-16T10:00:00Z", "two")) == store_outcome::duplicate);
  BOOST_TEST(store(storage, make_record("keep-2")) == store_outcome::created);
  raw_db db{db_path()};
  BOOST_TEST(db.scalar("PRAGMA user_version") == current_schema_version);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 2);
  BOOST_TEST(db.rows(select_row, {"keep-1"}).at(0)[4].value_or("") == "one");
  BOOST_TEST(db.scalar("SELECT messages FROM message_totals WHERE id = 1") == 2);
}

BOOST_AUTO_TEST_CASE(missing_database_directories_are_created) {
  const auto path = dir.file("a/b/c/app.db");
  BOOST_REQUIRE(!fs::exists(dir.file("a")));
  auto storage = start_storage(path);
  auto h = wait_ready(storage);
  BOOST_TEST(h.ready);
  BOOST_TEST(fs::is_directory(dir.file("a/b/c")));
  BOOST_TEST(fs::is_regular_file(path));
  BOOST_TEST(store(storage, make_record("deep-1")) == store_outcome::created);
  raw_db db{path};
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 1);
}

BOOST_AUTO_TEST_CASE(health_is_ready_on_a_good_file) {
  auto storage = start_storage(db_path());
  auto h = wait_ready(storage);
  BOOST_TEST(h.ready);
  BOOST_TEST(h.reason == "");
  BOOST_TEST(fs::is_regular_file(db_path()));
}

BOOST_AUTO_TEST_CASE(uncreatable_directory_makes_it_unavailable) {
  const auto blocker = dir.file("file.txt");
  std::ofstream(blocker) << "not a directory\n";
  const auto path = blocker + "/app.db";
  auto storage = start_storage(path);

  BOOST_TEST(store(storage, make_record("blocked-1")) == store_outcome::unavailable);
  auto h = health(storage);
  BOOST_TEST(!h.ready);
  BOOST_TEST(!h.reason.empty());
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  // Still unavailable a few retries later, and nothing was written anywhere.
  std::this_thread::sleep_for(fast_retry * 4);
  BOOST_TEST(!health(storage).ready);
  BOOST_TEST(store(storage, make_record("blocked-2")) == store_outcome::unavailable);
  BOOST_TEST(fs::is_regular_file(blocker));
}

BOOST_AUTO_TEST_CASE(recovers_by_itself_when_the_obstacle_disappears) {
  const auto blocker = dir.file("file.txt");
  std::ofstream(blocker) << "not a directory\n";
  const auto path = blocker + "/app.db";
  auto storage = start_storage(path);
  BOOST_REQUIRE(!health(storage).ready);
  BOOST_TEST(store(storage, make_record("early")) == store_outcome::unavailable);

  fs::remove(blocker);
  auto started = std::chrono::steady_clock::now();
  auto h = wait_ready(storage, std::chrono::seconds(5));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  BOOST_TEST_MESSAGE("ready " << took.count() << " ms after the blocking file was removed");
  BOOST_REQUIRE_MESSAGE(h.ready, "still not ready: " << h.reason);
  BOOST_TEST(h.reason.empty());
  BOOST_TEST(store(storage, make_record("after-recovery")) == store_outcome::created);

  raw_db db{path};
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 1);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages WHERE message_id = 'after-recovery'") == 1);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages WHERE message_id = 'early'") == 0);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_reported_without_sql_text) {
  {
    std::ofstream out(db_path(), std::ios::binary);
    for (int i = 0; i < 64; ++i) out << "this is certainly not an SQLite database file\n";
  }
  auto storage = start_storage(db_path());
  auto h = health(storage);
  BOOST_TEST(!h.ready);
  BOOST_TEST(!h.reason.empty());
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  BOOST_TEST(store(storage, make_record("garbage-1")) == store_outcome::unavailable);
}

BOOST_AUTO_TEST_CASE(a_schema_from_a_newer_release_is_not_touched) {
  {
    raw_db db{db_path(), false};
    db.exec("CREATE TABLE future (x INTEGER); PRAGMA user_version = 99;");
  }
  auto storage = start_storage(db_path());
  auto h = health(storage);
  BOOST_TEST(!h.ready);
  BOOST_TEST(!h.reason.empty());
  BOOST_TEST(!contains_sql_text(h.reason), "reason: " << h.reason);
  BOOST_TEST(store(storage, make_record("future-1")) == store_outcome::unavailable);
  raw_db db{db_path()};
  BOOST_TEST(db.scalar("PRAGMA user_version") == 99);
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages'") == 0);
}

BOOST_AUTO_TEST_CASE(old_fastapi_database_is_migrated_in_place) {
  {
    raw_db db{db_path(), false};
    db.exec(
      "CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
      "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);"
      "INSERT INTO messages VALUES "
      "('old-1', '+919876543210', '+14155550100', '2025-01-15T09:00:00Z', 'Hello', '2025-01-15T09:00:01Z'),"
      "('old-2', '+919876543210', '+14155550100', '2025-01-15T11:00:00Z', NULL, '2025-01-15T11:00:01Z'),"
      "('old-3', '+447700900123', '+14155550100', '2025-01-14T08:00:00Z', 'Earlier', '2025-01-14T08:00:01Z');"
      "PRAGMA user_version = 0;");
    BOOST_REQUIRE(db.scalar("PRAGMA user_version") == 0);
  }
  auto storage = start_storage(db_path());
  auto h = wait_ready(storage);
  BOOST_REQUIRE_MESSAGE(h.ready, "not ready after migration: " << h.reason);

  {
    raw_db db{db_path()};
    BOOST_TEST(db.scalar("PRAGMA user_version") == current_schema_version);
    BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == 3);
    auto old2 = db.rows(select_row, {"old-2"});
    BOOST_REQUIRE_EQUAL(old2.size(), 1u);
    BOOST_TEST(*old2[0][1] == "+919876543210");
    BOOST_TEST(*old2[0][3] == "2025-01-15T11:00:00Z");
    BOOST_TEST(!old2[0][4].has_value());
    BOOST_TEST(*old2[0][5] == "2025-01-15T11:00:01Z");
    BOOST_TEST(db.scalar("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1",
                         {"+919876543210"}) == 2);
    BOOST_TEST(db.scalar("SELECT message_count FROM sender_counts WHERE from_msisdn = ?1",
                         {"+447700900123"}) == 1);
  }

  auto query = start_query(db_path());
  auto s = stats(query);
  BOOST_TEST(s.total_messages == 3);
  BOOST_TEST(s.senders_count == 2);
  BOOST_REQUIRE_EQUAL(s.messages_per_sender.size(), 2u);
  BOOST_TEST(s.messages_per_sender[0].from == "+919876543210");
  BOOST_TEST(s.messages_per_sender[0].count == 2);
  BOOST_TEST(s.messages_per_sender[1].from == "+447700900123");
  BOOST_TEST(s.messages_per_sender[1].count == 1);
  BOOST_TEST(s.first_message_ts.value_or("") == "2025-01-14T08:00:00Z");
  BOOST_TEST(s.last_message_ts.value_or("") == "2025-01-15T11:00:00Z");

  // Old ids still deduplicate, and new rows keep the backfilled counters going.
  BOOST_TEST(store(storage, make_record("old-1", "+12025550199")) == store_outcome::duplicate);
  BOOST_TEST(store(storage, make_record("new-1", "+447700900123", "+14155550100",
                                        "2025-01-16T10:00:00Z", "new")) == store_outcome::created);
  s = stats(query);
  BOOST_TEST(s.total_messages == 4);
  BOOST_TEST(s.senders_count == 2);
  BOOST_REQUIRE_EQUAL(s.messages_per_sender.size(), 2u);
  BOOST_TEST(s.messages_per_sender[0].from == "+447700900123");
  BOOST_TEST(s.messages_per_sender[0].count == 2);
  BOOST_TEST(s.messages_per_sender[1].from == "+919876543210");
  BOOST_TEST(s.messages_per_sender[1].count == 2);
  BOOST_TEST(s.last_message_ts.value_or("") == "2025-01-16T10:00:00Z");
}

BOOST_AUTO_TEST_CASE(stores_in_flight_at_shutdown_are_committed_and_answered) {
  // The actor interface promises an answer only after the commit (or failure),
  // and SPEC.md wants in-flight work answered and committed on shutdown. So a
  // store request queued *before* the exit message must be answered: with an
  // outcome, or (if the actor never took it out of its mailbox) with CAF's
  // "receiver down" bounce -- never left to time out.
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  constexpr int count = 50;
  constexpr auto short_timeout = std::chrono::seconds(4);
  auto first = make_record("x");
  using handle_t = decltype(self->request(storage, short_timeout, store_atom::value, first));
  std::vector<handle_t> handles;

  // A slow commit, made deterministic: another connection holds the write lock,
  // so the actor's first batch waits in BEGIN IMMEDIATE (busy_timeout) while the
  // remaining requests and then the exit message queue up behind it.
  raw_db blocker{db_path(), false};
  blocker.exec("BEGIN IMMEDIATE");
  handles.push_back(self->request(storage, short_timeout, store_atom::value, make_record("inflight-0")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 1; i < count; ++i)
    handles.push_back(self->request(storage, short_timeout, store_atom::value,
                                    make_record("inflight-" + std::to_string(i))));
  caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  blocker.exec("ROLLBACK");

  int created = 0;
  int unavailable = 0;
  int receiver_down = 0;
  int timed_out = 0;
  int other_errors = 0;
  std::vector<std::string> created_ids;
  for (int i = 0; i < count; ++i) {
    handles[static_cast<std::size_t>(i)].receive(
      [&](store_outcome o) {
        if (o == store_outcome::created) {
          ++created;
          created_ids.push_back("inflight-" + std::to_string(i));
        } else {
          ++unavailable;
        }
      },
      [&](caf::error& err) {
        if (err == caf::sec::request_timeout)
          ++timed_out;
        else if (err == caf::sec::request_receiver_down)
          ++receiver_down;
        else
          ++other_errors;
      });
  }
  self->wait_for(storage);
  BOOST_TEST_MESSAGE("shutdown with " << count << " stores queued: created=" << created
                     << " unavailable=" << unavailable << " receiver_down=" << receiver_down
                     << " timed_out=" << timed_out << " other=" << other_errors);
  BOOST_TEST(timed_out == 0);
  BOOST_TEST(other_errors == 0);
  BOOST_TEST(created + unavailable + receiver_down + timed_out + other_errors == count);

  // Everything acknowledged as created is in the file.
  raw_db db{db_path()};
  for (const auto& id : created_ids)
    BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages WHERE message_id = ?1", {id}) == 1, id);
  // Nothing is committed that its sender was not told about.
  BOOST_TEST(db.scalar("SELECT COUNT(*) FROM messages") == created);
}

// Commits do not checkpoint; the checkpointer copies the WAL into the
// database file while the storage actor keeps its connection open, and at
// the end the storage connection is the last one: no WAL file remains.
BOOST_AUTO_TEST_CASE(the_checkpointer_copies_the_wal_back_while_storage_runs) {
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  const auto db_bytes_at_start = fs::file_size(db_path());
  // One store at a time, so that each commit adds a few WAL pages and the
  // WAL passes the checkpointer's 250-page steps before the 1,000 pages at
  // which a commit checkpoints inline (one huge batch would jump straight
  // there, as it may in a slow sanitizer build with concurrent stores).
  const std::string text(4000, 't');
  constexpr int count = 600;
  for (int i = 0; i < count; ++i)
    BOOST_REQUIRE_EQUAL(store(storage, make_record("wal-" + std::to_string(i), "+919876543210", "+14155550100",
                                                   "2025-01-15T10:00:00Z", text)),
                        store_outcome::created);
  // Checkpoints run beside the commits; wait (bounded) until one finished.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metrics.checkpoint_seconds().Collect().histogram.sample_count == 0 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST(metrics.checkpoint_seconds().Collect().histogram.sample_count >= 1u);
  // Pages reached the database file itself, not only the WAL.
  BOOST_TEST(fs::file_size(db_path()) > db_bytes_at_start + 2'000'000);
  BOOST_TEST(raw_db{db_path()}.scalar("SELECT COUNT(*) FROM messages") == count);
  stop(caf::actor_cast<caf::actor>(storage));
  BOOST_TEST(!fs::exists(db_path() + "-wal"));
  BOOST_TEST(raw_db{db_path()}.scalar("SELECT COUNT(*) FROM messages") == count);
}

BOOST_AUTO_TEST_CASE(store_and_health_are_counted_in_actor_metrics) {
  auto storage = start_storage(db_path());
  BOOST_REQUIRE(wait_ready(storage).ready);
  const double before = handled_count(metrics, "storage", "0");
  BOOST_TEST(before >= 1.0);  // at least the health requests of wait_ready
  BOOST_TEST(store(storage, make_record("metric-1")) == store_outcome::created);
  // A message is counted when its handler returns, just after it answered: a
  // later health round trip guarantees the store and its flush are both done.
  BOOST_TEST(health(storage).ready);
  BOOST_TEST(handled_count(metrics, "storage", "0") >= before + 2);
}

BOOST_AUTO_TEST_SUITE_END()
