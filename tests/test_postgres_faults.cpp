// PostgreSQL failing under a running service (issue: PostgreSQL backend,
// acceptance 3): down at start, stopped with `pg_ctl stop -m immediate` under
// load, its connections killed from the server side. Each time nothing is
// answered 200 unless its row is committed, the service answers 503 with
// Retry-After meanwhile, and it recovers by itself.
#define BOOST_TEST_MODULE postgres_faults
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/postgres_server.hpp"
#include "support/webhook_load.hpp"
#include "support/test_service.hpp"

using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;

BOOST_TEST_GLOBAL_FIXTURE(postgres_backend_only);

namespace {

postgres_server& server() { return postgres_server::shared(); }

std::string database_of(const test_service& svc) { return postgres_server::database_name(svc.database_url()); }

// Unique deliveries from 16 clients until stopped; a 503 counts as
// unavailable only with its body and Retry-After.
webhook_load_options load_on(test_service& svc, std::string prefix) {
  webhook_load_options options;
  options.prefix = std::move(prefix);
  options.send = [&svc](const std::string& id, int n) {
    return svc.post_webhook(webhook_body(id, "+1555" + std::to_string(1000 + (n % 37)),
                                         "2025-03-0" + std::to_string(1 + n % 9) + "T10:00:00Z"));
  };
  options.unavailable = [](const http_response& r) {
    return r.status == 503 && r.body == R"({"detail":"storage unavailable"})" && r.header("retry-after").has_value();
  };
  return options;
}

bool ready(const test_service& svc) { return get(svc.port(), "/health/ready").status == 200; }

bool wait_ready(const test_service& svc, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!ready(svc)) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Every acknowledged id is a row, no row is there twice (message_id is the
// key, so: as many rows as distinct ids), and the aggregates the storage
// actor keeps per batch agree with the rows.
void check_database(const test_service& svc, const std::set<std::string>& acknowledged) {
  const auto db = database_of(svc);
  const auto stored = server().column(db, "SELECT message_id FROM messages");
  const std::set<std::string> rows(stored.begin(), stored.end());
  BOOST_TEST(rows.size() == stored.size());
  std::size_t missing = 0;
  for (const auto& id : acknowledged) missing += rows.count(id) == 0 ? 1 : 0;
  BOOST_TEST(missing == 0u, missing << " of " << acknowledged.size() << " acknowledged ids are not stored");
  BOOST_TEST(server().aggregate_differences(db) == "");
  // And the service itself says the same.
  const auto stats = json::parse(get(svc.port(), "/stats").body);
  BOOST_TEST(stats["total_messages"].get<std::size_t>() == stored.size());
}

// The retry cap the service runs with by default, not the tests' 100 ms.
service_setup production_retry() {
  service_setup setup;
  setup.tune = [](webhookd::service_options& options) { options.storage_retry_interval = 1000ms; };
  return setup;
}

}  // namespace

BOOST_AUTO_TEST_CASE(down_at_start_then_ready_within_two_seconds_of_coming_up) {
  const auto url = server().create_database();
  server().stop_immediately();
  auto setup = production_retry();
  setup.database_url = url;
  setup.wait_for_storage = false;
  test_service svc{setup};
  // Several failed attempts, so the backoff has reached its cap.
  std::this_thread::sleep_for(2500ms);
  BOOST_TEST(get(svc.port(), "/health/live").status == 200);
  auto not_ready = get(svc.port(), "/health/ready");
  BOOST_TEST(not_ready.status == 503);
  BOOST_TEST(json::parse(not_ready.body) ==
             json({{"status", "not ready"}, {"reasons", {"database cannot be reached"}}}));
  auto refused = svc.post_webhook(webhook_body("while-down"));
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.body == R"({"detail":"storage unavailable"})");
  BOOST_TEST(refused.header("retry-after").has_value());
  BOOST_TEST(get(svc.port(), "/messages").status == 503);

  server().start();
  const auto up = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(wait_ready(svc, 2s));
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - up;
  BOOST_TEST_MESSAGE("ready " << took.count() << " ms after PostgreSQL started");
  BOOST_TEST(svc.post_webhook(webhook_body("after")).status == 200);
  check_database(svc, {"after"});
}

BOOST_AUTO_TEST_CASE(stopped_immediately_under_load_then_started) {
  test_service svc{production_retry()};
  webhook_load load{load_on(svc, "stop")};
  std::this_thread::sleep_for(700ms);
  const auto before = load.acknowledged().size();
  server().stop_immediately();
  std::this_thread::sleep_for(1500ms);
  const auto during = load.unavailable();
  BOOST_TEST(!ready(svc));
  server().start();
  BOOST_TEST_REQUIRE(wait_ready(svc, 3s));
  // Acknowledged again after the restart, without a restart of webhookd.
  const auto after_up = load.acknowledged().size();
  std::this_thread::sleep_for(700ms);
  load.stop();
  BOOST_TEST_MESSAGE("200 before the stop " << before << ", 503 " << load.unavailable() << ", 200 in all "
                                            << load.acknowledged().size());
  BOOST_TEST(before > 0u);
  BOOST_TEST(during > 0);
  BOOST_TEST(load.acknowledged().size() > after_up);
  BOOST_TEST(load.others().size() == 0u, "first: " << (load.others().empty() ? "" : load.others().front()));
  check_database(svc, load.acknowledged());
  BOOST_TEST(get(svc.port(), "/metrics").body.find("webhookd_storage_recoveries_total 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(connections_killed_by_the_server_mid_batch) {
  test_service svc;
  const auto db = database_of(svc);
  webhook_load load{load_on(svc, "kill")};
  std::this_thread::sleep_for(500ms);
  int killed = 0;
  for (int round = 0; round < 5; ++round) {
    const auto ended = server().column(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                                             db + "' AND pid <> pg_backend_pid()");
    killed += static_cast<int>(ended.size());
    std::this_thread::sleep_for(400ms);
  }
  BOOST_TEST_REQUIRE(wait_ready(svc, 3s));
  const auto after_up = load.acknowledged().size();
  std::this_thread::sleep_for(500ms);
  load.stop();
  BOOST_TEST_MESSAGE("connections killed " << killed << ", 503 " << load.unavailable() << ", 200 "
                                           << load.acknowledged().size());
  BOOST_TEST(killed >= 5);
  BOOST_TEST(load.unavailable() > 0);
  BOOST_TEST(load.acknowledged().size() > after_up);
  BOOST_TEST(load.others().size() == 0u, "first: " << (load.others().empty() ? "" : load.others().front()));
  check_database(svc, load.acknowledged());
  // Reads recover too: the query actors reconnect on their next request.
  auto listing = get(svc.port(), "/messages?limit=1");
  BOOST_TEST(listing.status == 200);
  BOOST_TEST(json::parse(listing.body)["total"].get<std::size_t>() >= load.acknowledged().size());
}
