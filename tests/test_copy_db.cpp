// `webhookd copy-db`: a SQLite database (here one the FastAPI service wrote,
// with only `messages`) copied into PostgreSQL, stopped half-way and resumed,
// run again without changing anything, and then answering every query as the
// SQLite database does.
#define BOOST_TEST_MODULE copy_db
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/storage/copy_db.hpp"
#include "support/postgres_server.hpp"
#include "support/sqlite_file.hpp"
#include "support/storage_harness.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

namespace {

postgres_server& server() { return postgres_server::shared(); }

// A harness of the given backend (the harness reads WEBHOOKD_TEST_BACKEND
// when it is made).
std::unique_ptr<storage_harness> harness_on(const char* backend, const std::string& postgres_url = {}) {
  ::setenv("WEBHOOKD_TEST_BACKEND", backend, 1);
  return std::make_unique<storage_harness>("app.db", postgres_url);
}

const std::vector<std::string> words = {"hello", "invoice", "refund", "Stop", "order 42", "100%", "a_b", "ünï"};

std::vector<message_record> random_messages(int n, std::mt19937& rng) {
  std::vector<message_record> rows;
  for (int i = 0; i < n; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-%02d-%02dT%02d:%02d:00Z", 1 + static_cast<int>(rng() % 12),
                  1 + static_cast<int>(rng() % 28), static_cast<int>(rng() % 24), static_cast<int>(rng() % 60));
    std::optional<std::string> text;
    if (rng() % 10 != 0) text = "msg " + words[rng() % words.size()] + " " + std::to_string(rng() % 1000);
    rows.push_back(record("wamid." + std::to_string(rng()) + "." + std::to_string(i),
                          "+1555" + std::to_string(rng() % 300), ts, text));
  }
  return rows;
}

// The FastAPI service's schema and rows, written straight into the file.
void write_fastapi_database(const std::string& path, const std::vector<message_record>& rows) {
  sqlite_file file{path, true};
  file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
            "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL)");
  file.exec("BEGIN");
  auto insert = file.connection().prepare("INSERT INTO messages VALUES (?1, ?2, ?3, ?4, ?5, '2025-12-01T00:00:00Z')");
  for (const auto& r : rows) {
    insert.bind(1, std::string_view{r.message_id});
    insert.bind(2, std::string_view{r.from});
    insert.bind(3, std::string_view{r.to});
    insert.bind(4, std::string_view{r.ts});
    insert.bind(5, r.text);
    insert.step();
    insert.reset();
  }
  file.exec("COMMIT");
}

std::string run_binary(const std::string& args, int& exit_code) {
  std::FILE* out = ::popen((std::string(WEBHOOKD_BINARY) + " copy-db " + args + " 2>&1").c_str(), "r");
  if (out == nullptr) throw std::runtime_error("popen failed");
  std::string printed;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
  exit_code = WEXITSTATUS(::pclose(out));
  return printed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(stopped_resumed_repeated_then_answers_like_the_source) {
  std::mt19937 rng(20261203);
  constexpr int rows = 12000;
  const auto messages = random_messages(rows, rng);
  auto lite = harness_on("sqlite");
  write_fastapi_database(lite->database_path(), messages);
  lite->start();  // migrates the FastAPI file, as the service would
  const auto url = server().create_database();
  const auto target = *postgres_target_from_url(url);
  const auto db = postgres_server::database_name(url);

  // Stopped after three chunks of 1,000: those three are committed.
  int chunks = 0;
  BOOST_CHECK_THROW(copy_sqlite_to_postgres(
                      lite->database_path(), target,
                      [&](const copy_progress&) {
                        if (++chunks == 3) throw std::runtime_error("stopped");
                      },
                      false, 1000),
                    std::runtime_error);
  BOOST_TEST(server().column(db, "SELECT count(*) FROM messages") == std::vector<std::string>{"3000"});

  std::vector<std::int64_t> seen;
  const auto resumed = copy_sqlite_to_postgres(
    lite->database_path(), target, [&](const copy_progress& p) { seen.push_back(p.copied); }, false, 1000);
  BOOST_TEST(resumed.resumed);
  BOOST_TEST(resumed.source_rows == rows);
  BOOST_TEST(resumed.copied == rows);
  BOOST_TEST(resumed.created == rows - 3000);
  BOOST_TEST(seen.front() == 4000);  // it went on after the third chunk
  // Everything again: nothing new, nothing counted twice.
  const auto again = copy_sqlite_to_postgres(lite->database_path(), target, [](const copy_progress&) {}, true, 1000);
  BOOST_TEST(!again.resumed);
  BOOST_TEST(again.copied == rows);
  BOOST_TEST(again.created == 0);

  auto pg = harness_on("postgres", url);
  pg->start();
  const auto a = lite->stats();
  const auto b = pg->stats();
  BOOST_TEST(a.total_messages == rows);
  BOOST_TEST(b.total_messages == a.total_messages);
  BOOST_TEST(b.senders_count == a.senders_count);
  BOOST_TEST(b.first_message_ts.value_or("none") == a.first_message_ts.value_or("none"));
  BOOST_TEST(b.last_message_ts.value_or("none") == a.last_message_ts.value_or("none"));
  BOOST_TEST_REQUIRE(b.messages_per_sender.size() == a.messages_per_sender.size());
  for (std::size_t i = 0; i < a.messages_per_sender.size(); ++i) {
    BOOST_TEST(b.messages_per_sender[i].from == a.messages_per_sender[i].from);
    BOOST_TEST(b.messages_per_sender[i].count == a.messages_per_sender[i].count);
  }
  // 1,000 random queries answer the same, rows and totals.
  for (int i = 0; i < 1000; ++i) {
    std::optional<std::string> from, since, q;
    if (rng() % 3 == 0) from = "+1555" + std::to_string(rng() % 300);
    if (rng() % 3 == 0) since = messages[rng() % messages.size()].ts;
    if (rng() % 3 == 0) q = words[rng() % words.size()];
    const int limit = 1 + static_cast<int>(rng() % 100);
    const auto offset = static_cast<std::int64_t>(rng() % (rng() % 4 == 0 ? 12000 : 200));
    const auto query = make_query(limit, offset, from, since, q);
    const auto left = lite->list(query);
    const auto right = pg->list(query);
    BOOST_TEST(right.total == left.total);
    BOOST_TEST(ids_of(right) == ids_of(left), "query " << i);
  }
}

BOOST_AUTO_TEST_CASE(the_command_prints_progress_and_a_summary_and_refuses_what_postgres_cannot_hold) {
  std::mt19937 rng(7);
  auto messages = random_messages(2500, rng);
  messages.push_back(record("holds-nul", "+15550001", "2025-01-01T00:00:00Z", std::string("a\0b", 3)));
  auto lite = harness_on("sqlite");
  write_fastapi_database(lite->database_path(), messages);
  const auto url = server().create_database();
  int code = -1;
  const auto printed = run_binary("sqlite:///" + lite->database_path() + " " + url, code);
  BOOST_TEST(code == 0, printed);
  BOOST_TEST(printed.find("copy-db: 2501 of 2501 rows (100.0 %), 2500 new") != std::string::npos, printed);
  const auto summary = json::parse(printed.substr(printed.rfind('{')));
  BOOST_TEST(summary["created"] == 2500);
  BOOST_TEST(summary["refused_nul"] == 1);
  BOOST_TEST(summary["copied"] == 2501);
  const auto db = postgres_server::database_name(url);
  BOOST_TEST(server().column(db, "SELECT messages FROM message_totals") == std::vector<std::string>{"2500"});
  BOOST_TEST(server().column(db, "SELECT count(*) FROM messages WHERE message_id = 'holds-nul'") ==
             std::vector<std::string>{"0"});

  // Wrong arguments: exit 2 and a one-line reason.
  BOOST_TEST(run_binary("postgresql://x@h/db " + url, code).find("the source must be a sqlite:/// URL") !=
             std::string::npos);
  BOOST_TEST(code == 2);
  BOOST_TEST(run_binary("sqlite:///" + lite->database_path() + " sqlite:///other.db", code)
               .find("the target must be a postgresql:// URL") != std::string::npos);
  BOOST_TEST(code == 2);
  // A target that cannot be reached: exit 1, resumable.
  const auto down = run_binary("sqlite:///" + lite->database_path() + " postgresql://u:sekrit@127.0.0.1:1/db", code);
  BOOST_TEST(code == 1);
  BOOST_TEST(down.find("run it again to resume") != std::string::npos, down);
  BOOST_TEST(down.find("sekrit") == std::string::npos, down);
}
