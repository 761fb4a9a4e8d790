// What only the PostgreSQL backend has to hold, beyond the contract suites it
// shares with SQLite: replicas migrating one database at once, a schema newer
// than the release, searches through the trigram index, several writers
// keeping the aggregates exact, and a password in DATABASE_URL that never
// shows.
#define BOOST_TEST_MODULE postgres_backend
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/storage/postgres/list_reader.hpp"
#include "support/postgres_server.hpp"
#include "support/storage_harness.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;

BOOST_TEST_GLOBAL_FIXTURE(postgres_backend_only);

BOOST_AUTO_TEST_CASE(four_replicas_migrating_one_database_at_once_all_become_ready) {
  const auto url = postgres_server::shared().create_database();
  std::vector<std::unique_ptr<storage_harness>> replicas;
  for (int i = 0; i < 4; ++i) replicas.push_back(std::make_unique<storage_harness>("app.db", url));
  // Not waiting in start(): all four connect and migrate at the same time.
  for (auto& r : replicas) r->start(1, false);
  for (auto& r : replicas) BOOST_TEST_REQUIRE(r->wait_ready(10s), r->health().reason);
  BOOST_TEST(postgres_server::shared().column(postgres_server::database_name(url), "SELECT count(*) FROM webhookd_schema") == std::vector<std::string>{"1"});
  BOOST_TEST(replicas[0]->store(record("m1", "+1", "2025-01-15T10:00:00Z", "x")) == store_outcome::created);
  BOOST_TEST(replicas[3]->store(record("m1", "+1", "2025-01-15T10:00:00Z", "x")) == store_outcome::duplicate);
  BOOST_TEST(replicas[2]->list(make_query()).total == 1);
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_not_ready_with_that_reason_and_untouched) {
  const auto url = postgres_server::shared().create_database();
  {
    storage_harness first("app.db", url);
    first.start();
    first.store_all({record("kept", "+1", "2025-01-15T10:00:00Z", "x")});
  }
  postgres_server::shared().execute(postgres_server::database_name(url), "UPDATE webhookd_schema SET version = 99");
  storage_harness older("app.db", url);
  older.start(1, false);
  std::this_thread::sleep_for(300ms);
  const auto health = older.health();
  BOOST_TEST(!health.ready);
  BOOST_TEST(health.reason == "database schema is newer than this release");
  BOOST_TEST(older.store(record("new", "+1", "2025-01-15T10:00:00Z", "x")) == store_outcome::unavailable);
  BOOST_TEST(postgres_server::shared().column(postgres_server::database_name(url), "SELECT message_id FROM messages") == std::vector<std::string>{"kept"});
  BOOST_TEST(postgres_server::shared().column(postgres_server::database_name(url), "SELECT version FROM webhookd_schema") == std::vector<std::string>{"99"});
}

// Schema 3 adds hour_counts: a database left at version 2 by an older
// release (rows, no hour counts) gets them backfilled from its rows at the
// next start, and offsets reached through them land on the right rows.
BOOST_AUTO_TEST_CASE(a_version_2_database_gets_its_hour_counts_from_its_rows) {
  const auto url = postgres_server::shared().create_database();
  const auto name = postgres_server::database_name(url);
  std::vector<message_record> rows;
  for (int i = 0; i < 600; ++i) {
    const int day = 10 + i % 3, hour = (i * 7) % 24, minute = i % 60;
    char ts[32];
    std::snprintf(ts, sizeof ts, "2025-03-%02dT%02d:%02d:00Z", day, hour, minute);
    rows.push_back(record("v" + std::to_string(i), "+1", ts, "t"));
  }
  {
    storage_harness first("app.db", url);
    first.start();
    first.store_all(rows);
  }
  auto& server = postgres_server::shared();
  server.execute(name, "DROP TABLE hour_counts");
  server.execute(name, "UPDATE webhookd_schema SET version = 2");
  storage_harness upgraded("app.db", url);
  upgraded.start();
  BOOST_TEST(server.column(name, "SELECT version FROM webhookd_schema") == std::vector<std::string>{"3"});
  BOOST_TEST(server.column(name, "SELECT count(*) FROM hour_counts") ==
             server.column(name, "SELECT count(DISTINCT left(ts, 13)) FROM messages"));
  BOOST_TEST(server.aggregate_differences(name) == "");
  std::vector<std::string> order = server.column(name, "SELECT message_id FROM messages ORDER BY ts, message_id");
  for (const std::int64_t offset : {0, 1, 37, 199, 200, 201, 450, 599}) {
    const auto page = upgraded.list(make_query(3, offset));
    BOOST_TEST_CONTEXT("offset " << offset) {
      BOOST_TEST(page.total == 600);
      BOOST_TEST_REQUIRE(!page.data.empty());
      BOOST_TEST(page.data.front().message_id == order.at(static_cast<std::size_t>(offset)));
    }
  }
}

// The trigram index is lossy (pg_trgm keeps letters and digits of the
// database's notion only, and folds them itself); PostgreSQL checks LIKE on
// every candidate it yields. So a search made to go through the index must
// find exactly what a scan finds, with the pattern the query actors send:
// ASCII case folded and nothing else, LIKE's own characters literal, strings
// shorter than a trigram, and characters pg_trgm ignores.
BOOST_AUTO_TEST_CASE(a_search_through_the_trigram_index_finds_exactly_what_a_scan_finds) {
  const auto url = postgres_server::shared().create_database();
  const auto name = postgres_server::database_name(url);
  const std::vector<std::string> texts{
    "Hello WORLD", "hello world again", "naïve café", "CAFÉ Ünïcode", "100% sure", "snake_case words",
    "back\\slash here", "日本語のテキスト", "ab", "x", "\u2705 done", "ÄÖÜ äöü", "it's 'quoted'", "tab\there"};
  {
    storage_harness db("app.db", url);
    db.start();
    std::vector<message_record> rows;
    for (int i = 0; i < 1400; ++i)
      rows.push_back(record("m" + std::to_string(i), "+1", "2025-01-15T10:00:00Z",
                            texts[static_cast<std::size_t>(i) % texts.size()] + " n" + std::to_string(i)));
    db.store_all(rows);
  }
  auto& server = postgres_server::shared();
  BOOST_TEST_REQUIRE(server.column(name, "SELECT indexname FROM pg_indexes WHERE indexname = 'messages_text_trigrams'") ==
                     std::vector<std::string>{"messages_text_trigrams"});
  int matched = 0;
  for (const std::string needle : {"hello", "HELLO", "lo wo", "world", "café", "CAFÉ", "ünï", "Ünï", "100%", "% s",
                                   "e_c", "_", "k\\s", "\\", "日本", "テキ", "ab", "x", "\u2705", "ä", "Ä", "'quoted'",
                                   "t's", "n13", "n1399", "zzz", "absentword"}) {
    std::string literal;  // the pattern as an SQL string literal
    for (char c : postgres::contains_pattern(needle)) literal += c == '\'' ? std::string("''") : std::string(1, c);
    const std::string sql =
      "SELECT message_id FROM messages WHERE lower(text COLLATE \"C\") LIKE '" + literal + "'";
    const std::vector<std::string> through_index{"SET enable_seqscan = off", "SET enable_indexscan = off"};
    auto scanned = server.column(name, sql, {"SET enable_indexscan = off", "SET enable_bitmapscan = off"});
    auto indexed = server.column(name, sql, through_index);
    std::sort(scanned.begin(), scanned.end());
    std::sort(indexed.begin(), indexed.end());
    std::string plan;
    for (const auto& line : server.column(name, "EXPLAIN " + sql, through_index)) plan += line + "\n";
    BOOST_TEST_CONTEXT("q=" << needle) {
      BOOST_TEST(plan.find("messages_text_trigrams") != std::string::npos, plan);
      BOOST_TEST(indexed == scanned);
    }
    if (!scanned.empty()) ++matched;
  }
  BOOST_TEST(matched >= 20);  // the comparison is not one of empty answers
}

BOOST_AUTO_TEST_CASE(three_writers_on_one_database_keep_every_aggregate_exact) {
  const auto url = postgres_server::shared().create_database();
  std::vector<std::unique_ptr<storage_harness>> writers;
  for (int i = 0; i < 3; ++i) {
    writers.push_back(std::make_unique<storage_harness>("app.db", url));
    writers.back()->start();
  }
  // Each writer sends batches of ids that the others send too (in another
  // order), over the same 40 senders and days: the same keys are upserted by
  // concurrent transactions all the time.
  constexpr int ids = 3000;
  auto record_of = [](int n) {
    return record("id-" + std::to_string(n), "+1555" + std::to_string(n % 40),
                  "2025-0" + std::to_string(1 + n % 9) + "-1" + std::to_string(n % 10) + "T10:00:00Z", "t");
  };
  std::vector<std::thread> threads;
  std::vector<std::map<store_outcome, int>> outcomes(writers.size());
  std::vector<int> unanswered(writers.size(), 0);
  // Each thread asks through its own scoped actor and records what it got:
  // Boost.Test's assertions (the harness's store_many) are not thread-safe.
  for (std::size_t w = 0; w < writers.size(); ++w)
    threads.emplace_back([&, w] {
      caf::scoped_actor self{writers[w]->system()};
      for (int start = 0; start < ids; start += 50) {
        std::vector<message_record> batch;
        for (int k = 0; k < 50; ++k) batch.push_back(record_of(w % 2 == 0 ? start + k : ids - 1 - start - k));
        self->request(writers[w]->storage(), reply_timeout, store_atom::value, std::move(batch))
          .receive(
            [&](const std::vector<store_outcome>& got) {
              for (auto o : got) ++outcomes[w][o];
            },
            [&](caf::error&) { ++unanswered[w]; });
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(unanswered == std::vector<int>(writers.size(), 0), boost::test_tools::per_element());
  int created = 0;
  for (auto& per_writer : outcomes) {
    BOOST_TEST(per_writer[store_outcome::unavailable] == 0);  // no deadlock, no failed batch
    created += per_writer[store_outcome::created];
  }
  BOOST_TEST(created == ids);
  const auto db = postgres_server::database_name(url);
  BOOST_TEST(postgres_server::shared().column(db, "SELECT messages::text || ' ' || senders FROM message_totals") ==
             std::vector<std::string>{std::to_string(ids) + " 40"});
  BOOST_TEST(postgres_server::shared().aggregate_differences(db) == "");
  const auto stats = writers[1]->stats();
  BOOST_TEST(stats.total_messages == ids);
  BOOST_TEST(stats.senders_count == 40);
}

BOOST_AUTO_TEST_CASE(the_password_never_shows_in_logs_metrics_bodies_or_debug_actors) {
  const std::string password = "pw-9c1e-not-for-eyes";
  // The cluster trusts loopback, so the password is sent and ignored; what
  // matters is where the service writes it. First a database that is not
  // there, so libpq's error texts are logged too, then the real one.
  const auto good = postgres_server::shared().create_database();
  const auto with_password = [&](const std::string& db) {
    return "postgresql://webhookd:" + password + "@127.0.0.1:" + std::to_string(postgres_server::shared().port()) + "/" + db;
  };
  service_setup setup;
  setup.database_url = with_password("not_yet_" + postgres_server::database_name(good));
  setup.wait_for_storage = false;
  setup.tune = [](service_options& options) { options.settings.debug_endpoints = true; };
  test_service svc{setup};
  std::vector<std::string> bodies;
  auto collect = [&](const http_response& r) {
    bodies.push_back(r.body);
    for (const auto& [name, value] : r.headers) bodies.push_back(name + ": " + value);
  };
  std::this_thread::sleep_for(300ms);
  collect(get(svc.port(), "/health/ready"));
  collect(svc.post_webhook(webhook_body("refused")));
  collect(get(svc.port(), "/messages"));
  collect(get(svc.port(), "/stats"));
  postgres_server::shared().execute("postgres", "CREATE DATABASE not_yet_" + postgres_server::database_name(good));
  svc.wait_for_storage();
  collect(svc.post_webhook(webhook_body("stored")));
  collect(get(svc.port(), "/messages"));
  collect(get(svc.port(), "/metrics"));
  collect(get(svc.port(), "/debug/actors"));
  svc.stop();
  const auto log = svc.raw_log();
  BOOST_TEST(log.find("storage unavailable") != std::string::npos);  // the failure was logged
  BOOST_TEST(log.find("webhookd:***@127.0.0.1") != std::string::npos);  // with the masked URL
  BOOST_TEST(log.find(password) == std::string::npos);
  for (const auto& text : bodies) BOOST_TEST(text.find(password) == std::string::npos, text);

  // A malformed URL: the one-line error at start names the problem, not the password.
  const std::string command = "DATABASE_URL='postgresql://webhookd:" + password + "@127.0.0.1:99999/x' " +
                              WEBHOOKD_BINARY + " 2>&1";
  std::FILE* out = ::popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(out != nullptr);
  std::string printed;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
  const int status = ::pclose(out);
  BOOST_TEST(WEXITSTATUS(status) == 2);
  const auto line = json::parse(printed);
  BOOST_TEST(line["msg"] == "invalid configuration", printed);
  BOOST_TEST(line["variable"] == "DATABASE_URL", printed);
  BOOST_TEST(printed.find(password) == std::string::npos, printed);
}
