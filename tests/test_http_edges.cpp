// HTTP edge cases of issue 16 against the real service on loopback, raw
// bytes on the socket: Expect: 100-continue, refusals with their status, log
// line and metric, the header value limit, absolute-form targets.
// (Connection slots and the drain at shutdown need the real process:
// test_reliability_http.cpp, test_reliability_shutdown.cpp.)
#define BOOST_TEST_MODULE http_edges
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json body_of(const http_response& r) { return json::parse(r.body); }

std::string signed_head(const std::string& body, const std::string& extra) {
  return "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Signature: " +
         hmac_sha256_hex(test_secret, body) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra + "\r\n";
}

// The request log lines (msg "request") of `svc`.
std::vector<json> request_lines(test_service& svc) {
  std::vector<json> out;
  for (auto& line : svc.log_lines())
    if (line.value("msg", "") == "request") out.push_back(line);
  return out;
}

// The value of one http_requests_total series, 0 when absent.
double requests_counted(std::uint16_t port, const std::string& labels) {
  auto text = get(port, "/metrics").body;
  auto at = text.find("http_requests_total{" + labels + "}");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(text.find(' ', at) + 1));
}

}  // namespace

BOOST_AUTO_TEST_CASE(expect_100_continue_before_the_body_and_413_at_once_when_too_large) {
  test_service svc;
  // The client waits (here at most 2 s) for 100 Continue before it sends the body.
  {
    auto body = webhook_body("continued", "+919876543210", "2025-01-15T10:00:00Z", std::string(2500, 'c'));
    http_connection connection{svc.port(), 2s};
    connection.send_raw(signed_head(body, "Expect: 100-continue\r\n"));
    auto interim = connection.read_response();
    BOOST_TEST_REQUIRE(interim.has_value());
    BOOST_TEST(interim->status == 100);
    connection.send_raw(body);
    auto final_answer = connection.read_response();
    BOOST_TEST_REQUIRE(final_answer.has_value());
    BOOST_TEST(final_answer->status == 200);
    // The connection is still good for the next request.
    connection.send_raw(format_request({"GET", "/health/live", "", {}}, true));
    BOOST_TEST(connection.read_response()->status == 200);
  }
  // Over the webhook's 64 KiB: 413 before any of the body is sent, then closed.
  {
    http_connection connection{svc.port(), 2s};
    connection.send_raw("POST /webhook HTTP/1.1\r\nHost: x\r\nX-Signature: 00\r\nContent-Length: 500000\r\n"
                        "Expect: 100-continue\r\n\r\n");
    auto r = connection.read_response();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->status == 413);
    BOOST_TEST(body_of(*r) == json({{"detail", "request body too large"}}));
    BOOST_TEST(r->header("connection").value_or("") == "close");
    BOOST_TEST(connection.closed_by_peer());
  }
  BOOST_TEST(requests_counted(svc.port(), R"(method="POST",path="/webhook",status="413")") == 1);
  BOOST_TEST(get(svc.port(), "/metrics").body.find(R"(webhook_requests_total{result="body_too_large"} 1)") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_a_status_a_detail_a_log_line_and_a_count) {
  test_service svc;
  struct refused_case {
    std::string bytes;
    int status;
    std::string detail;
    std::string method_label;
  };
  std::string many_fields = "GET /stats HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many_fields += "X-F" + std::to_string(i) + ": v\r\n";
  auto gzip_body = webhook_body("gzip-chunked");
  const std::vector<refused_case> cases = {
    {"FOO /stats HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method not implemented", "other"},
    {"get /stats HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method not implemented", "other"},
    {"GET /stats HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "malformed header field", "GET"},
    {std::string{"GET /stats HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 34}, 400, "malformed header field", "GET"},
    {many_fields + "\r\n", 431, "too many header fields", "GET"},
    {"POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400,
     "malformed chunked body", "POST"},
    {"POST /webhook HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nX-Signature: " +
       hmac_sha256_hex(test_secret, gzip_body) + "\r\n\r\n" + [&] {
         char size[16];
         std::snprintf(size, sizeof size, "%zx", gzip_body.size());
         return std::string{size} + "\r\n" + gzip_body + "\r\n0\r\n\r\n";
       }(),
     501, "transfer coding not implemented", "POST"},
    {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 501, "method not implemented", "other"},
  };
  for (const auto& c : cases) {
    http_connection connection{svc.port(), 3s};
    connection.send_raw(c.bytes);
    auto r = connection.read_response();
    BOOST_TEST_REQUIRE(r.has_value(), c.bytes.substr(0, 40));
    BOOST_TEST(r->status == c.status, c.bytes.substr(0, 40));
    BOOST_TEST(body_of(*r) == json({{"detail", c.detail}}), c.bytes.substr(0, 40));
    BOOST_TEST(r->header("x-request-id").has_value());
    BOOST_TEST(connection.closed_by_peer());
  }
  // Nothing of the gzip-chunked delivery was stored.
  BOOST_TEST(body_of(get(svc.port(), "/messages"))["total"] == 0);

  BOOST_TEST(requests_counted(svc.port(), R"(method="other",path="malformed",status="501")") == 3);
  BOOST_TEST(requests_counted(svc.port(), R"(method="GET",path="malformed",status="400")") == 2);
  BOOST_TEST(requests_counted(svc.port(), R"(method="GET",path="malformed",status="431")") == 1);
  BOOST_TEST(requests_counted(svc.port(), R"(method="POST",path="malformed",status="400")") == 1);
  BOOST_TEST(requests_counted(svc.port(), R"(method="POST",path="malformed",status="501")") == 1);

  svc.stop();
  // One log line per refused request, naming what was sent.
  std::vector<json> refused;
  for (auto& line : request_lines(svc))
    if (line["status"].get<int>() >= 400) refused.push_back(line);
  BOOST_TEST_REQUIRE(refused.size() == cases.size());
  BOOST_TEST(refused[0]["method"] == "FOO");
  BOOST_TEST(refused[0]["path"] == "/stats");
  BOOST_TEST(refused[1]["method"] == "get");
  BOOST_TEST(refused[6]["path"] == "/webhook");
  BOOST_TEST(refused[7]["method"] == "PRI");
  BOOST_TEST(refused[7]["path"] == "*");
  for (const auto& line : refused) BOOST_TEST(line.contains("latency_ms"));
}

BOOST_AUTO_TEST_CASE(a_header_value_of_8_kib_is_accepted_and_one_byte_more_is_431) {
  test_service svc;
  auto with_value = [&](std::size_t n) {
    http_connection connection{svc.port(), 3s};
    connection.send_raw("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(n, 'v') + "\r\n\r\n");
    return connection.read_response();
  };
  auto at_limit = with_value(8192);
  BOOST_TEST_REQUIRE(at_limit.has_value());
  BOOST_TEST(at_limit->status == 200);
  auto over = with_value(8193);
  BOOST_TEST_REQUIRE(over.has_value());
  BOOST_TEST(over->status == 431);
  BOOST_TEST(body_of(*over) == json({{"detail", "header field too large"}}));
}

BOOST_AUTO_TEST_CASE(absolute_form_targets_are_served) {
  test_service svc;
  for (const auto& target : {std::string{"http://127.0.0.1:"} + std::to_string(svc.port()) + "/health/live",
                             std::string{"HTTP://example.com/health/live/"}}) {
    http_connection connection{svc.port(), 3s};
    connection.send_raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto r = connection.read_response();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->status == 200, target);
    BOOST_TEST(body_of(*r) == json({{"status", "alive"}}));
  }
  BOOST_TEST(svc.post_webhook(webhook_body("abs")).status == 200);
  http_connection connection{svc.port(), 3s};
  connection.send_raw("GET http://localhost/messages?limit=1 HTTP/1.1\r\n\r\n");
  auto page = connection.read_response();
  BOOST_TEST_REQUIRE(page.has_value());
  BOOST_TEST(body_of(*page)["total"] == 1);
  BOOST_TEST(body_of(*page)["limit"] == 1);
}


// Pipelined requests followed by the client shutting its side down: all are
// answered before the server closes.
BOOST_AUTO_TEST_CASE(requests_before_a_half_close_are_all_answered) {
  test_service svc;
  int fd = connect_loopback(svc.port());
  auto bytes = format_request({"GET", "/health/live", "", {}}, true) + format_request({"GET", "/stats", "", {}}, true) +
               format_request({"GET", "/nope", "", {}}, true);
  BOOST_TEST_REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  ::shutdown(fd, SHUT_WR);
  timeval limit{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string received;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) received.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  std::size_t answers = 0;
  for (auto at = received.find("HTTP/1.1 "); at != std::string::npos; at = received.find("HTTP/1.1 ", at + 1)) ++answers;
  BOOST_TEST(answers == 3u);
  BOOST_TEST(received.find("HTTP/1.1 404") != std::string::npos);
}
