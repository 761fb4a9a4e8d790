// Graceful shutdown under load, the strict version of test_process's
// sigterm_with_requests_in_flight: clients on keep-alive connections (so
// every connection is accepted before the signal) post unique signed
// messages back to back; SIGTERM arrives mid-stream. Every request whose
// bytes were all sent before the signal gets an answer, 200 or a clean 503
// with a JSON detail; later ones get an answer or a closed connection, never
// a hang; every 200 is stored; the process exits 0 within 5 s; the log ends
// with "stopped" and holds nothing but JSON lines.
#define BOOST_TEST_MODULE reliability_shutdown
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "support/child_service.hpp"
#include "support/sqlite_file.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* shutdown_secret = "shutdown-secret-41f0";

struct outcome {
  std::string id;
  clock_type::time_point sent;  // when the last byte of the request was handed to the kernel
  int status = 0;               // 0: no answer (connection closed)
  std::string body;
};

bool clean_503(const outcome& o) {
  if (o.status != 503) return false;
  auto body = json::parse(o.body, nullptr, false);
  return body.is_object() && body.contains("detail") && body["detail"].is_string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigterm_under_load_answers_everything_sent_before_it) {
  const auto slow = sanitizer_slowdown();
  for (int round = 0; round < 3; ++round) {
    temp_dir dir;
    auto db = dir.path() + "/app.db";
    auto port = free_port();
    child_service server{{WEBHOOKD_BINARY,
                          {{"WEBHOOK_SECRET", shutdown_secret},
                           {"DATABASE_URL", "sqlite:///" + db},
                           {"HOST", "127.0.0.1"},
                           {"PORT", std::to_string(port)}},
                          std::nullopt,
                          std::nullopt}};
    BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));

    std::mutex mutex;
    std::vector<outcome> outcomes;
    std::atomic<int> connected{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 32; ++c)
      clients.emplace_back([&, c] {
        std::unique_ptr<http_connection> connection;
        try {
          connection = std::make_unique<http_connection>(port, std::chrono::milliseconds{8000 * slow});
        } catch (const std::runtime_error&) {
          return;
        }
        ++connected;
        for (int i = 0;; ++i) {
          outcome o;
          o.id = "s" + std::to_string(round) + "-" + std::to_string(c) + "-" + std::to_string(i);
          auto body = webhook_body(o.id);
          bool sent = true;
          try {
            connection->send_raw(format_request(
              {"POST", "/webhook", body, {{"X-Signature", hmac_sha256_hex(shutdown_secret, body)}}}, true));
          } catch (const std::runtime_error&) {
            sent = false;
          }
          o.sent = sent ? clock_type::now() : clock_type::time_point::max();
          try {
            if (auto r = connection->read_response()) {
              o.status = r->status;
              o.body = r->body;
            }
          } catch (const std::runtime_error&) {
          }
          std::lock_guard<std::mutex> lock{mutex};
          outcomes.push_back(o);
          if (o.status == 0) return;  // the server closed this connection
        }
      });
    while (connected.load() < 32) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(std::chrono::milliseconds{200 + 150 * round});
    auto signalled = clock_type::now();
    server.signal(SIGTERM);
    int code = server.wait_exit(std::chrono::milliseconds{5000 * slow});
    auto exit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - signalled).count();
    for (auto& t : clients) t.join();

    BOOST_TEST(code == 0, "round " << round << ": exit " << code);
    BOOST_TEST(exit_ms < 5000 * slow);
    std::size_t before = 0, after = 0, ok = 0, refused = 0, closed_after = 0;
    std::set<std::string> acknowledged;
    for (const auto& o : outcomes) {
      bool sent_before = o.sent < signalled;
      (sent_before ? before : after)++;
      if (o.status == 200) {
        ++ok;
        acknowledged.insert(o.id);
      } else if (clean_503(o)) {
        ++refused;
      } else if (o.status == 0 && !sent_before) {
        ++closed_after;
      } else {
        BOOST_TEST(false, o.id << (sent_before ? " (sent before SIGTERM)" : " (sent after SIGTERM)")
                                << ": status " << o.status << " " << o.body);
      }
    }
    BOOST_TEST_MESSAGE("round " << round << ": exit " << code << " after " << exit_ms << " ms; " << before
                                << " requests sent before SIGTERM, " << after << " after; " << ok << " x 200, "
                                << refused << " x clean 503, " << closed_after
                                << " closed without answer (all sent after SIGTERM)");
    BOOST_TEST(acknowledged.size() > 50u);
    auto stored = stored_message_ids(db);
    for (const auto& id : acknowledged) BOOST_TEST(stored.count(id) == 1u, id);

    std::istringstream log{server.output()};
    std::string line, last;
    while (std::getline(log, line)) {
      BOOST_TEST(!json::parse(line, nullptr, false).is_discarded(), "not JSON: " << line);
      last = line;
    }
    BOOST_TEST(json::parse(last, nullptr, false).value("msg", "") == "stopped");
    BOOST_TEST(server.output().find(shutdown_secret) == std::string::npos);
  }
}

// At SIGTERM the service stops taking new work at once: clients looping on
// kept-alive connections get 503 with Connection: close on their next
// request (readiness says "shutting down"), the connection closes, and the
// process exits well inside 5 s instead of serving them for the whole drain.
BOOST_AUTO_TEST_CASE(sigterm_turns_new_requests_on_kept_alive_connections_away) {
  const auto slow = sanitizer_slowdown();
  temp_dir dir;
  auto port = free_port();
  child_service server{{WEBHOOKD_BINARY,
                        {{"WEBHOOK_SECRET", shutdown_secret},
                         {"DATABASE_URL", "sqlite:///" + dir.path() + "/app.db"},
                         {"HOST", "127.0.0.1"},
                         {"PORT", std::to_string(port)},
                         {"LOG_LEVEL", "WARNING"}},
                        std::nullopt,
                        std::nullopt}};
  BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));
  for (int i = 0; i < 20; ++i) {
    auto body = webhook_body("seed-" + std::to_string(i));
    post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex(shutdown_secret, body)}});
  }

  constexpr int client_count = 16;
  struct client_end {
    int answers_200 = 0;
    std::optional<http_response> last;  // the answer that was not a 200
    bool closed_after = false;
  };
  std::vector<client_end> ends(client_count);
  std::atomic<int> running{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < client_count; ++c)
    clients.emplace_back([&, c] {
      http_connection connection{port, std::chrono::milliseconds{8000 * slow}};
      // One client watches readiness, the others read pages.
      const std::string target = c == 0 ? "/health/ready" : "/messages?limit=50&q=Hello";
      ++running;
      for (;;) {
        std::optional<http_response> r;
        try {
          connection.send_raw(format_request({"GET", target, "", {}}, true));
          r = connection.read_response();
        } catch (const std::runtime_error&) {
        }
        if (r && r->status == 200) {
          ++ends[c].answers_200;
          continue;
        }
        ends[c].last = r;
        ends[c].closed_after = connection.closed_by_peer();
        return;
      }
    });
  while (running.load() < client_count) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(300ms);
  auto signalled = clock_type::now();
  server.signal(SIGTERM);
  int code = server.wait_exit(std::chrono::milliseconds{5000 * slow});
  auto exit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - signalled).count();
  for (auto& t : clients) t.join();

  BOOST_TEST_MESSAGE("16 looping keep-alive clients: exit " << code << " " << exit_ms << " ms after SIGTERM");
  BOOST_TEST(code == 0);
  BOOST_TEST(exit_ms < 2000 * slow, "exit took " << exit_ms << " ms");
  for (int c = 0; c < client_count; ++c) {
    BOOST_TEST_CONTEXT("client " << c) {
      BOOST_TEST(ends[c].answers_200 > 0);
      BOOST_TEST_REQUIRE(ends[c].last.has_value(), "closed without an answer");
      const auto& r = *ends[c].last;
      BOOST_TEST(r.status == 503);
      BOOST_TEST(r.header("connection").value_or("") == "close");
      auto body = json::parse(r.body, nullptr, false);
      if (c == 0)
        BOOST_TEST(body == json::parse(R"({"status":"not ready","reasons":["shutting down"]})"));
      else
        BOOST_TEST(body == json({{"detail", "shutting down"}}));
      BOOST_TEST(ends[c].closed_after);
    }
  }
}

// Searches in flight at SIGTERM are stopped, not waited for: with every q
// search a scan of 300,000 rows (a directory stands where the text index
// file would go, so there is no index) and one search actor, 8 clients keep
// a queue of searches that the drain used to serve to the end before the
// process could exit. Now each is answered 503 "shutting down" at once and
// counted as interrupted.
BOOST_AUTO_TEST_CASE(sigterm_stops_searches_in_flight_instead_of_draining_them) {
  const auto slow = sanitizer_slowdown();
  service_setup setup;
  setup.level = log_level::warning;
  setup.before_start = [](const std::string& dir) {
    std::filesystem::create_directories(dir + "/db");
    sqlite_file file{dir + "/db/app.db", true};
    file.exec("CREATE TABLE messages (message_id TEXT PRIMARY KEY, from_msisdn TEXT NOT NULL, "
              "to_msisdn TEXT NOT NULL, ts TEXT NOT NULL, text TEXT, created_at TEXT NOT NULL);");
    file.exec("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999) "
              "INSERT INTO messages SELECT 'big-' || i, '+1555' || (i % 1000), '+2', "
              "'2025-01-' || printf('%02d', 1 + i % 28) || 'T10:00:00Z', 'text number ' || i, 'x' FROM n");
    std::filesystem::create_directories(sqlite::text_index_path(dir + "/db/app.db"));
  };
  setup.tune = [](service_options& options) { options.searches = 1; };
  setup.wait_for_storage = false;
  test_service svc{setup};
  svc.wait_for_storage(std::chrono::seconds{30 * slow});  // migrates the 300,000 rows first

  constexpr int client_count = 8;
  struct client_end {
    int answers = 0;
    std::optional<http_response> last;
  };
  std::vector<client_end> ends(client_count);
  std::atomic<int> running{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < client_count; ++c)
    clients.emplace_back([&, c] {
      http_connection connection{svc.port(), std::chrono::milliseconds{20000 * slow}};
      ++running;
      for (int i = 0;; ++i) {
        std::optional<http_response> r;
        try {
          const auto target = "/messages?q=no-such-words-" + std::to_string(c) + "-" + std::to_string(i);
          connection.send_raw(format_request({"GET", target, "", {}}, true));
          r = connection.read_response();
        } catch (const std::runtime_error&) {
        }
        ends[c].last = r;
        if (!r) return;
        if (r->status == 200) {
          ++ends[c].answers;
          continue;
        }
        // A search past the read limit in a slow minute ("query took too
        // long", kept alive) is not the shutdown's answer: go on asking.
        if (r->status == 503 && r->header("connection").value_or("") != "close") continue;
        return;
      }
    });
  while (running.load() < client_count) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(300ms);  // the search actor's queue is full by now
  const auto started = clock_type::now();
  svc.running().shutdown(std::chrono::seconds{4});
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count();
  for (auto& t : clients) t.join();
  const double interrupted = svc.running().metrics().queries_interrupted().Value();
  BOOST_TEST_MESSAGE("shutdown took " << took_ms << " ms; " << interrupted << " searches stopped");
  BOOST_TEST(interrupted >= 1.0);
  BOOST_TEST(took_ms < 4000, "the drain waited out its grace");
  for (int c = 0; c < client_count; ++c) {
    BOOST_TEST_CONTEXT("client " << c) {
      BOOST_TEST_REQUIRE(ends[c].last.has_value(), "closed without an answer");
      BOOST_TEST(ends[c].last->status == 503);
      BOOST_TEST(ends[c].last->header("connection").value_or("") == "close");
      BOOST_TEST(json::parse(ends[c].last->body, nullptr, false) == json({{"detail", "shutting down"}}));
    }
  }
}
