// GET /messages, /stats, health, metrics and general HTTP behaviour over real
// HTTP on loopback against the real service and a real SQLite file.
#define BOOST_TEST_MODULE http_read
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "messages/string_pool.hpp"
#include "support/openapi_conformance.hpp"
#include "support/postgres_server.hpp"
#include "support/storage_harness.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

// Every response these tests receive must be as http/openapi.json says.
BOOST_TEST_GLOBAL_FIXTURE(openapi_conformance);

namespace {

json body_of(const http_response& r) { return json::parse(r.body); }

// The evaluation script's data set: two senders, spread timestamps.
void seed(test_service& svc) {
  struct row { const char* id; const char* from; const char* ts; const char* text; };
  const row rows[] = {
    {"m1", "+919876543210", "2025-01-15T10:00:00Z", "Hello"},
    {"m2", "+919876543210", "2025-01-15T09:00:00Z", "Earlier hello"},
    {"m3", "+14155550100", "2025-01-15T11:00:00Z", "Other sender"},
    {"m4", "+919876543210", "2025-01-15T09:30:00Z", "HELLO again"},
    {"m0", "+14155550100", "2025-01-15T10:00:00Z", "Same ts as m1"},
  };
  for (const auto& r : rows)
    BOOST_TEST_REQUIRE(svc.post_webhook(webhook_body(r.id, r.from, r.ts, std::string{r.text})).status == 200);
}

std::vector<std::string> ids(const json& body) {
  std::vector<std::string> out;
  for (const auto& item : body.at("data")) out.push_back(item.at("message_id"));
  return out;
}

json get_json(test_service& svc, const std::string& target, int expected_status = 200) {
  auto r = get(svc.port(), target);
  BOOST_TEST(r.status == expected_status, target << " -> " << r.status << " " << r.body);
  BOOST_TEST(r.header("content-type").value_or("") == "application/json");
  return body_of(r);
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_CASE(messages_order_pagination_and_filters) {
  test_service svc;
  seed(svc);
  auto all = get_json(svc, "/messages");
  BOOST_TEST(ids(all) == (strings{"m2", "m4", "m0", "m1", "m3"}));  // ts, then message_id on ties
  BOOST_TEST(all["total"] == 5);
  BOOST_TEST(all["limit"] == 50);
  BOOST_TEST(all["offset"] == 0);
  BOOST_TEST(all["data"][0] == json({{"message_id", "m2"}, {"from", "+919876543210"}, {"to", "+14155550100"},
                                     {"ts", "2025-01-15T09:00:00Z"}, {"text", "Earlier hello"}}));

  auto page = get_json(svc, "/messages?limit=2&offset=0");
  BOOST_TEST(ids(page) == (strings{"m2", "m4"}));
  BOOST_TEST(page["total"] == 5);
  BOOST_TEST(page["limit"] == 2);
  BOOST_TEST(page["offset"] == 0);
  auto page2 = get_json(svc, "/messages?limit=2&offset=4");
  BOOST_TEST(ids(page2) == (strings{"m3"}));
  auto past = get_json(svc, "/messages?offset=50");
  BOOST_TEST(past["data"].empty());
  BOOST_TEST(past["total"] == 5);

  // A raw '+' decodes to a space; it must mean the same as %2B.
  auto raw_from = get_json(svc, "/messages?from=+919876543210");
  auto encoded_from = get_json(svc, "/messages?from=%2B919876543210");
  BOOST_TEST(ids(raw_from) == (strings{"m2", "m4", "m1"}));
  BOOST_TEST(raw_from == encoded_from);
  BOOST_TEST(raw_from["total"] == 3);

  // Raw ':' in since, inclusive bound, several accepted forms.
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T09:30:00Z")) == (strings{"m4", "m0", "m1", "m3"}));
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T09:30:00.000Z")) == (strings{"m4", "m0", "m1", "m3"}));
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T09:30:00.5Z")) == (strings{"m0", "m1", "m3"}));
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T09:30:00+00:00")) == (strings{"m4", "m0", "m1", "m3"}));
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T09:30:00%2B00:00")) == (strings{"m4", "m0", "m1", "m3"}));
  BOOST_TEST(ids(get_json(svc, "/messages?since=2025-01-15T15:00:00%2B05:00")) == (strings{"m0", "m1", "m3"}));

  // q: case-insensitive substring.
  auto hello = get_json(svc, "/messages?q=Hello");
  BOOST_TEST(ids(hello) == (strings{"m2", "m4", "m1"}));
  BOOST_TEST(hello["total"] == 3);

  // Filters combine with AND; total ignores limit.
  auto combined = get_json(svc, "/messages?from=%2B919876543210&since=2025-01-15T09:30:00Z&q=hello&limit=1");
  BOOST_TEST(ids(combined) == (strings{"m4"}));
  BOOST_TEST(combined["total"] == 2);
  BOOST_TEST(combined["limit"] == 1);
}

// Page bodies are pooled buffers (messages/string_pool.hpp) that RESTinio hands
// back once written: a short page written into the buffer of a long one must
// carry nothing of it, and the buffers must really come back.
BOOST_AUTO_TEST_CASE(pages_reuse_their_buffers_and_only_their_own_bytes_are_sent) {
  test_service svc;
  seed(svc);
  const std::string long_page = get(svc.port(), "/messages").body;
  for (int round = 0; round < 20; ++round) {
    BOOST_TEST(get(svc.port(), "/messages").body == long_page);
    auto r = get(svc.port(), "/messages?limit=1&offset=4");
    BOOST_TEST(r.body == R"({"data":[{"message_id":"m3","from":"+14155550100","to":"+14155550100",)"
                         R"("ts":"2025-01-15T11:00:00Z","text":"Other sender"}],"total":5,"limit":1,"offset":4})");
  }
  // Given back on RESTinio's thread after the write, which can finish just
  // after the client has read the response.
  for (int i = 0; i < 100 && page_buffers().kept() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST(page_buffers().kept() >= 1u);
  BOOST_TEST(page_buffers().kept() <= 256u);
}

BOOST_AUTO_TEST_CASE(q_is_matched_literally) {
  test_service svc;
  const std::pair<const char*, const char*> rows[] = {
    {"p1", "100% sure"}, {"p2", "1000 sure"}, {"u1", "a_b"}, {"u2", "axb"}, {"b1", "back\\slash"}, {"b2", "backslash"},
  };
  int second = 0;
  for (const auto& [id, text] : rows) {
    auto ts = "2025-01-15T10:00:0" + std::to_string(second++) + "Z";
    BOOST_TEST_REQUIRE(svc.post_webhook(webhook_body(id, "+1", ts, std::string{text})).status == 200);
  }
  BOOST_TEST(ids(get_json(svc, "/messages?q=100%25")) == (strings{"p1"}));
  BOOST_TEST(ids(get_json(svc, "/messages?q=a_b")) == (strings{"u1"}));
  BOOST_TEST(ids(get_json(svc, "/messages?q=k%5Cs")) == (strings{"b1"}));
  BOOST_TEST(ids(get_json(svc, "/messages?q=%25")) == (strings{"p1"}));
  BOOST_TEST(get_json(svc, "/messages?q=zzz")["total"] == 0);
}

BOOST_AUTO_TEST_CASE(bad_query_parameters_answer_422) {
  test_service svc;
  auto check = [&](const std::string& target, const std::string& type, const json& loc) {
    auto body = get_json(svc, target, 422);
    BOOST_TEST_REQUIRE(body["detail"].size() == 1u, target << " -> " << body.dump());
    BOOST_TEST(body["detail"][0]["type"] == type, target << " -> " << body.dump());
    BOOST_TEST(body["detail"][0]["loc"] == loc, target);
    BOOST_TEST(body["detail"][0]["msg"].is_string());
  };
  check("/messages?limit=0", "greater_than_equal", json{"query", "limit"});
  check("/messages?limit=101", "less_than_equal", json{"query", "limit"});
  check("/messages?limit=abc", "int_parsing", json{"query", "limit"});
  check("/messages?offset=-1", "greater_than_equal", json{"query", "offset"});
  check("/messages?offset=1.5", "int_parsing", json{"query", "offset"});
  check("/messages?since=yesterday", "datetime_from_date_parsing", json{"query", "since"});
  check("/messages?since=2025-02-30T00:00:00Z", "datetime_from_date_parsing", json{"query", "since"});
  // Boundaries that are fine.
  BOOST_TEST(get_json(svc, "/messages?limit=1")["limit"] == 1);
  BOOST_TEST(get_json(svc, "/messages?limit=100")["limit"] == 100);
  // A NUL byte would end the text SQLite sees ("He%00x" searched for "He"):
  // refused in every string filter, alone or among others.
  for (const char* name : {"q", "from", "since"}) {
    for (const char* value : {"He%00x", "lo%00x", "%00", "x%00"})
      check(std::string{"/messages?"} + name + "=" + value, "value_error", json{"query", name});
  }
  auto nul_body = get_json(svc, "/messages?limit=2&q=%00", 422);
  BOOST_TEST(nul_body["detail"][0]["msg"] == "Value error, must not contain a NUL character");
  // A broken percent-escape is a client error, not a crash.
  auto broken = get(svc.port(), "/messages?q=%zz");
  BOOST_TEST(broken.status == 400);
  BOOST_TEST(body_of(broken).contains("detail"));
}

BOOST_AUTO_TEST_CASE(stats_counts_top_senders_and_range) {
  test_service svc;
  auto empty = get_json(svc, "/stats");
  BOOST_TEST(empty == json::parse(R"({"total_messages":0,"senders_count":0,"messages_per_sender":[],
                                      "first_message_ts":null,"last_message_ts":null})"));
  seed(svc);
  auto stats = get_json(svc, "/stats");
  BOOST_TEST(stats["total_messages"] == 5);
  BOOST_TEST(stats["senders_count"] == 2);
  BOOST_TEST(stats["messages_per_sender"] == json::parse(R"([{"from":"+919876543210","count":3},
                                                              {"from":"+14155550100","count":2}])"));
  BOOST_TEST(stats["first_message_ts"] == "2025-01-15T09:00:00Z");
  BOOST_TEST(stats["last_message_ts"] == "2025-01-15T11:00:00Z");

  // Top 10 only, count desc, ties by sender asc; duplicates do not count.
  for (int sender = 0; sender < 12; ++sender)
    for (int n = 0; n <= sender % 3; ++n) {
      auto from = "+1000" + std::to_string(10 + sender);
      auto body = webhook_body("s" + std::to_string(sender) + "-" + std::to_string(n), from);
      BOOST_TEST_REQUIRE(svc.post_webhook(body).status == 200);
      BOOST_TEST_REQUIRE(svc.post_webhook(body).status == 200);
    }
  stats = get_json(svc, "/stats");
  BOOST_TEST(stats["total_messages"] == 5 + 4 * (1 + 2 + 3));
  BOOST_TEST(stats["senders_count"] == 14);
  const auto& top = stats["messages_per_sender"];
  BOOST_TEST_REQUIRE(top.size() == 10u);
  // Senders +100010..+100021 have 1, 2, 3, 1, 2, 3, ... messages.
  BOOST_TEST(top[0] == json({{"from", "+100012"}, {"count", 3}}));
  BOOST_TEST(top[1] == json({{"from", "+100015"}, {"count", 3}}));
  BOOST_TEST(top[3] == json({{"from", "+100021"}, {"count", 3}}));
  BOOST_TEST(top[4] == json({{"from", "+919876543210"}, {"count", 3}}));
  BOOST_TEST(top[5] == json({{"from", "+100011"}, {"count", 2}}));
  BOOST_TEST(top[9] == json({{"from", "+14155550100"}, {"count", 2}}));
  long sum = 0;
  for (const auto& s : top) sum += s["count"].get<long>();
  BOOST_TEST(sum == 3 * 5 + 2 * 5);
}

BOOST_AUTO_TEST_CASE(health_endpoints) {
  {
    test_service svc;
    BOOST_TEST(get_json(svc, "/health/live") == json({{"status", "alive"}}));
    BOOST_TEST(get_json(svc, "/health/ready") == json({{"status", "ready"}}));
  }
  {
    service_setup setup;
    setup.secret.clear();
    test_service svc{setup};
    BOOST_TEST(get_json(svc, "/health/live") == json({{"status", "alive"}}));
    auto ready = get_json(svc, "/health/ready", 503);
    BOOST_TEST(ready == json({{"status", "not ready"}, {"reasons", {"WEBHOOK_SECRET is not set"}}}));
  }
}

BOOST_AUTO_TEST_CASE(database_that_cannot_be_opened_is_not_ready_and_recovers) {
  const bool on_postgres = backend_under_test() == "postgres";
  service_setup setup;
  setup.wait_for_storage = false;
  // SQLite: a regular file where the database directory should be, so
  // mkdir -p fails. PostgreSQL: a database that does not exist yet.
  setup.database_relative = "blocked/app.db";
  setup.before_start = [](const std::string& dir) {
    std::ofstream file{dir + "/blocked"};
    file << "not a directory";
  };
  if (on_postgres) setup.database_url = postgres_server::shared().url("created_later");
  test_service svc{setup};
  auto ready = get(svc.port(), "/health/ready");
  BOOST_TEST(ready.status == 503);
  auto body = body_of(ready);
  BOOST_TEST(body["status"] == "not ready");
  BOOST_TEST_REQUIRE(body["reasons"].size() == 1u);
  auto reason = body["reasons"][0].get<std::string>();
  BOOST_TEST(reason == (on_postgres ? "database cannot be reached" : "database directory cannot be created"));
  auto stored = svc.post_webhook(webhook_body("while-down"));
  BOOST_TEST(stored.status == 503);
  BOOST_TEST(body_of(stored) == json({{"detail", "storage unavailable"}}));
  BOOST_TEST(stored.header("retry-after").value_or("") == "1");
  auto listing = get(svc.port(), "/messages");
  BOOST_TEST(listing.status == 503);
  BOOST_TEST(body_of(listing) == json({{"detail", "storage unavailable"}}));
  BOOST_TEST(listing.header("retry-after").value_or("") == "1");

  // The obstacle goes away: the service recovers by itself, no restart.
  if (on_postgres)
    postgres_server::shared().execute("postgres", "CREATE DATABASE created_later");
  else
    std::filesystem::remove(svc.dir() + "/blocked");
  svc.wait_for_storage();
  BOOST_TEST(svc.post_webhook(webhook_body("after")).status == 200);
  // The first open failed, so the later success is not a recovery; but it is ready.
  BOOST_TEST(get(svc.port(), "/metrics").body.find("webhookd_storage_recoveries_total 0") != std::string::npos);
  auto after = get_json(svc, "/messages");
  BOOST_TEST(ids(after) == (strings{"after"}));
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_wrong_methods) {
  test_service svc;
  for (const auto* path : {"/", "/nope", "/webhook/extra", "/messages/1", "/health", "/metricsx"}) {
    auto r = get(svc.port(), path);
    BOOST_TEST(r.status == 404, path);
    BOOST_TEST(body_of(r) == json({{"detail", "Not Found"}}), path);
  }
  const std::pair<const char*, const char*> wrong[] = {
    {"GET", "/webhook"}, {"PUT", "/webhook"}, {"POST", "/messages"}, {"DELETE", "/stats"},
    {"POST", "/health/live"}, {"POST", "/health/ready"}, {"POST", "/metrics"},
  };
  for (const auto& [method, path] : wrong) {
    auto r = send_request(svc.port(), {method, path, "", {}});
    BOOST_TEST(r.status == 405, method << " " << path);
    BOOST_TEST(body_of(r) == json({{"detail", "Method Not Allowed"}}), method << " " << path);
  }
  // Unknown paths share one metrics label.
  auto metrics = get(svc.port(), "/metrics").body;
  BOOST_TEST(metrics.find(R"(http_requests_total{method="GET",path="unmatched",status="404"} 6)") != std::string::npos);
  BOOST_TEST(metrics.find("/nope") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(metrics_exposition) {
  test_service svc;
  BOOST_TEST(svc.post_webhook(webhook_body("m")).status == 200);
  auto r = get(svc.port(), "/metrics");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header("content-type").value_or("").find("text/plain") == 0u);
  const auto& text = r.body;
  for (const auto* result : {"created", "duplicate", "invalid_signature", "validation_error"})
    BOOST_TEST(text.find(std::string{"webhook_requests_total{result=\""} + result + "\"}") != std::string::npos, result);
  BOOST_TEST(text.find("# TYPE http_request_duration_seconds histogram") != std::string::npos);
  BOOST_TEST(text.find(R"(http_request_duration_seconds_bucket{method="POST",path="/webhook",le="0.001"})") != std::string::npos);
  BOOST_TEST(text.find(R"(http_request_duration_seconds_bucket{method="POST",path="/webhook",le="0.01"})") != std::string::npos);
  for (const auto* actor : {"storage", "verifier", "query", "search", "bridge", "metrics"}) {
    auto label = std::string{"actor=\""} + actor + "\"";
    BOOST_TEST(text.find("webhookd_actor_messages_handled_total{" + label) != std::string::npos, actor);
    BOOST_TEST(text.find("webhookd_actor_mailbox_depth{" + label) != std::string::npos, actor);
    BOOST_TEST(text.find("webhookd_actor_handling_seconds_bucket{" + label) != std::string::npos, actor);
  }
}

// Messages handled by every actor of one name, summed over instances, from /metrics.
double handled_by(test_service& svc, const std::string& actor) {
  const auto text = get(svc.port(), "/metrics").body;
  const std::string prefix = "webhookd_actor_messages_handled_total{actor=\"" + actor + "\"";
  double sum = 0;
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const auto end = text.find('\n', at);
    const auto line = text.substr(at, end - at);
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

BOOST_AUTO_TEST_CASE(searches_go_to_their_own_actors_and_plain_reads_to_theirs) {
  test_service svc;
  seed(svc);
  const double queries = handled_by(svc, "query"), searches = handled_by(svc, "search");
  for (int i = 0; i < 6; ++i) BOOST_TEST(body_of(get(svc.port(), "/messages?q=zzzz-none")).at("total") == 0);
  BOOST_TEST(handled_by(svc, "search") == searches + 6);
  BOOST_TEST(handled_by(svc, "query") == queries);
  for (int i = 0; i < 4; ++i) BOOST_TEST(body_of(get(svc.port(), "/messages?limit=1")).at("data").size() == 1u);
  BOOST_TEST(body_of(get(svc.port(), "/stats")).at("total_messages").get<int>() > 0);
  BOOST_TEST(handled_by(svc, "query") == queries + 5);
  BOOST_TEST(handled_by(svc, "search") == searches + 6);
}

BOOST_AUTO_TEST_CASE(request_ids_keep_alive_and_pipelining) {
  test_service svc;
  auto generated = get(svc.port(), "/health/live");
  auto id = generated.header("x-request-id").value_or("");
  BOOST_TEST(id.size() == 32u);
  BOOST_TEST(get(svc.port(), "/health/live").header("x-request-id").value_or("") != id);
  auto reused = send_request(svc.port(), {"GET", "/health/live", "", {{"X-Request-ID", "client-abc.123"}}});
  BOOST_TEST(reused.header("x-request-id").value_or("") == "client-abc.123");
  auto insane = send_request(svc.port(), {"GET", "/health/live", "", {{"X-Request-ID", "has space\"quote"}}});
  BOOST_TEST(insane.header("x-request-id").value_or("").size() == 32u);

  // Two requests on one keep-alive connection, then two pipelined ones.
  http_connection connection{svc.port()};
  connection.send_raw(format_request({"GET", "/health/live", "", {}}, true));
  auto first = connection.read_response();
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->status == 200);
  connection.send_raw(format_request({"GET", "/stats", "", {}}, true));
  auto second = connection.read_response();
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(body_of(*second)["total_messages"] == 0);
  connection.send_raw(format_request({"GET", "/health/live", "", {}}, true) +
                      format_request({"GET", "/nope", "", {}}, true));
  auto third = connection.read_response();
  auto fourth = connection.read_response();
  BOOST_TEST_REQUIRE((third && fourth));
  BOOST_TEST(third->status == 200);
  BOOST_TEST(fourth->status == 404);

  svc.stop();
  std::set<std::string> seen;
  for (const auto& line : svc.log_lines())
    if (line.contains("request_id")) {
      BOOST_TEST(line.contains("latency_ms"));
      BOOST_TEST(line.contains("status"));
      BOOST_TEST(line.contains("method"));
      BOOST_TEST(line.contains("path"));
      if (line["request_id"] != "client-abc.123") BOOST_TEST(seen.insert(line["request_id"]).second);
    }
  BOOST_TEST(seen.size() >= 6u);
}

BOOST_AUTO_TEST_CASE(hostile_requests_get_clean_answers) {
  test_service svc;
  // Malformed request line: 400 with a detail, then the connection is
  // closed; the server keeps serving.
  {
    http_connection connection{svc.port()};
    connection.send_raw("NOT A REQUEST\r\n\r\n");
    auto r = connection.read_response();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->status == 400);
    BOOST_TEST(body_of(*r) == json({{"detail", "malformed request line"}}));
    BOOST_TEST(connection.closed_by_peer());
  }
  // Oversized header value: refused, not crashed.
  {
    http_connection connection{svc.port()};
    connection.send_raw("GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    auto r = connection.read_response();
    BOOST_TEST((!r.has_value() || r->status >= 400));
  }
  // Absurd Content-Length with a short body: closed or timed out, never a 200.
  {
    http_connection connection{svc.port(), std::chrono::seconds{3}};
    connection.send_raw("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nabc");
    try {
      auto r = connection.read_response();
      BOOST_TEST((!r.has_value() || r->status >= 400));
    } catch (const std::runtime_error&) {
      // read timed out: the server is waiting for a body that never comes, as it may.
    }
  }
  BOOST_TEST(get(svc.port(), "/health/live").status == 200);
}

BOOST_AUTO_TEST_CASE(debug_actors_is_off_by_default_and_leaks_nothing) {
  {
    test_service svc;
    BOOST_TEST(get(svc.port(), "/debug/actors").status == 404);
  }
  service_setup setup;
  setup.tune = [](service_options& options) { options.settings.debug_endpoints = true; };
  test_service svc{setup};
  const std::string text = "private message text 7f3e";
  BOOST_TEST(svc.post_webhook(webhook_body("dbg", "+1", "2025-01-15T10:00:00Z", text)).status == 200);
  BOOST_TEST(post(svc.port(), "/webhook", webhook_body("dbg2"), {{"X-Signature", "123"}}).status == 401);
  BOOST_TEST(get(svc.port(), "/messages?q=private").status == 200);
  auto r = get(svc.port(), "/debug/actors");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.find(test_secret) == std::string::npos);
  BOOST_TEST(r.body.find(text) == std::string::npos);
  const auto& location = svc.database_path().empty() ? svc.database_url() : svc.database_path();
  BOOST_TEST(r.body.find(location) == std::string::npos);
  auto body = body_of(r);
  BOOST_TEST(body["in_flight"] == 0);
  std::set<std::string> names;
  for (const auto& actor : body["actors"]) {
    names.insert(actor["name"].get<std::string>() + "/" + actor["instance"].get<std::string>());
    BOOST_TEST(actor["handled"].is_number_unsigned());
    BOOST_TEST(actor["mailbox_depth"].is_number_unsigned());
    BOOST_TEST(actor["p99_ms"].get<double>() >= actor["p50_ms"].get<double>());
    BOOST_TEST((actor["kind"] == "scheduled" || actor["kind"] == "detached"));
  }
  std::set<std::string> expected{"verifier/0", "verifier/1", "storage/0", "query/0", "query/1",
                                 "search/0",   "search/1",   "bridge/0",  "bridge/1", "metrics/0"};
  // SQLite's helpers; PostgreSQL checkpoints and indexes by itself.
  if (backend_under_test() == "sqlite") expected.insert({"checkpoint/0", "text_indexer/0"});
  BOOST_TEST(names == expected);
  for (const auto& actor : body["actors"])
    if (actor["name"] == "storage") {
      BOOST_TEST(actor["kind"] == "detached");
      BOOST_TEST(actor["handled"].get<int>() >= 2);  // the store and the flush that committed it
      BOOST_TEST(actor["handled_last_minute"].get<int>() >= 2);
      BOOST_TEST(actor["p99_ms"].get<double>() > 0.0);
    }
}
