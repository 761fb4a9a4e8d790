// POST /webhook with Standard Webhooks signatures and with rotating secrets,
// over real HTTP against the real service: status, body, what is stored, the
// metric that says which secret matched, and no secret in any log line or body.
#define BOOST_TEST_MODULE http_signatures
#include <boost/test/unit_test.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "core/standard_webhooks.hpp"
#include "support/openapi_conformance.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

// Every response these tests receive must be as http/openapi.json says.
BOOST_TEST_GLOBAL_FIXTURE(openapi_conformance);

namespace {

// The Standard Webhooks specification's test secret (its libraries' vector).
const std::string whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string whsec_key = decode_standard_webhooks_secret(whsec).value();
const std::string whsec_old = "whsec_b2xkIGtleSBzdGlsbCBhY2NlcHRlZA==";  // "old key still accepted"
const std::string whsec_old_key = decode_standard_webhooks_secret(whsec_old).value();
const std::string invalid_signature_body = R"({"detail":"invalid signature"})";

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

using header_list = std::vector<std::pair<std::string, std::string>>;

header_list standard_headers(const std::string& id, std::int64_t timestamp, const std::string& signature) {
  return {{"webhook-id", id}, {"webhook-timestamp", std::to_string(timestamp)}, {"webhook-signature", signature}};
}

// A Standard Webhooks delivery of `body` signed with `key` at `timestamp`.
http_response post_standard(std::uint16_t port, const std::string& body, const std::string& key,
                            std::int64_t timestamp, const std::string& id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") {
  return post(port, "/webhook", body, standard_headers(id, timestamp, standard_webhooks_sign(key, id, timestamp, body)));
}

json stored_ids(std::uint16_t port) {
  auto r = get(port, "/messages");
  BOOST_TEST_REQUIRE(r.status == 200);
  const auto listing = json::parse(r.body);
  json ids = json::array();
  for (const auto& row : listing["data"]) ids.push_back(row["message_id"]);
  return ids;
}

double matches(std::uint16_t port, const char* scheme, const char* secret) {
  return metric_value(port, std::string{"webhook_signature_matches_total{scheme=\""} + scheme + "\",secret=\"" +
                              secret + "\"}")
    .value_or(-1);
}

service_setup with(std::function<void(config&)> adjust, std::string secret = test_secret) {
  service_setup setup;
  setup.secret = std::move(secret);
  setup.tune = [adjust](service_options& options) { adjust(options.settings); };
  return setup;
}

}  // namespace

BOOST_AUTO_TEST_CASE(standard_webhooks_delivery_is_stored_like_any_other) {
  test_service svc{with([](config& c) { c.standard_webhooks_key = whsec_key; })};
  auto body = webhook_body("sw-1", "+919876543210", "2025-01-15T10:00:00Z", "via Standard Webhooks");
  auto r = post_standard(svc.port(), body, whsec_key, now());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"status":"ok"})");
  auto again = post_standard(svc.port(), body, whsec_key, now(), "msg_retry");
  BOOST_TEST(again.status == 200);
  BOOST_TEST(again.body == R"({"status":"ok"})");
  auto listing = json::parse(get(svc.port(), "/messages").body);
  BOOST_TEST(listing["total"] == 1);
  BOOST_TEST(listing["data"][0] == json({{"message_id", "sw-1"}, {"from", "+919876543210"}, {"to", "+14155550100"},
                                          {"ts", "2025-01-15T10:00:00Z"}, {"text", "via Standard Webhooks"}}));
  BOOST_TEST(matches(svc.port(), "standard_webhooks", "current") == 2.0);
  // X-Signature keeps working beside it.
  BOOST_TEST(svc.post_webhook(webhook_body("xs-1")).status == 200);
  BOOST_TEST(matches(svc.port(), "x_signature", "current") == 1.0);
}

BOOST_AUTO_TEST_CASE(the_specification_vector_over_http_is_too_old_now) {
  test_service svc{with([](config& c) { c.standard_webhooks_key = whsec_key; })};
  // The published vector verifies (test_signature_schemes), but its timestamp
  // is from 2021: far outside the 5-minute tolerance, so a replay of it fails.
  auto r = post(svc.port(), "/webhook", R"({"test": 2432232314})",
                standard_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                 "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == invalid_signature_body);
}

BOOST_AUTO_TEST_CASE(standard_webhooks_timestamps_and_signature_lists) {
  test_service svc{with([](config& c) { c.standard_webhooks_key = whsec_key; })};
  auto body = webhook_body("sw-list");
  const std::string id = "msg_list";
  const auto t = now();
  const auto good = standard_webhooks_sign(whsec_key, id, t, body);
  const std::string wrong = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  struct attempt {
    const char* name;
    header_list headers;
  };
  const std::vector<attempt> refused = {
    {"expired: 6 minutes old", standard_headers(id, t - 360, standard_webhooks_sign(whsec_key, id, t - 360, body))},
    {"from the future: 6 minutes ahead", standard_headers(id, t + 360, standard_webhooks_sign(whsec_key, id, t + 360, body))},
    {"a wrong signature only", standard_headers(id, t, wrong)},
    {"several wrong signatures", standard_headers(id, t, wrong + " v2," + good.substr(3) + " " + wrong)},
    {"signed for another id", standard_headers("msg_other", t, good)},
    {"no webhook-id", {{"webhook-timestamp", std::to_string(t)}, {"webhook-signature", good}}},
    {"no webhook-timestamp", {{"webhook-id", id}, {"webhook-signature", good}}},
    {"signed with X-Signature's secret", standard_headers(id, t, standard_webhooks_sign(test_secret, id, t, body))},
  };
  for (const auto& a : refused) {
    auto r = post(svc.port(), "/webhook", body, a.headers);
    BOOST_TEST(r.status == 401, a.name);
    BOOST_TEST(r.body == invalid_signature_body, a.name);
  }
  BOOST_TEST(stored_ids(svc.port()) == json::array());

  // Several signatures of which one is right.
  auto r = post(svc.port(), "/webhook", body, standard_headers(id, t, wrong + " " + good + " v1a,abc"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"status":"ok"})");
  // Within the tolerance both ways.
  auto body2 = webhook_body("sw-edge");
  BOOST_TEST(post_standard(svc.port(), body2, whsec_key, t - 240).status == 200);
  auto body3 = webhook_body("sw-edge-future");
  BOOST_TEST(post_standard(svc.port(), body3, whsec_key, t + 240).status == 200);
  BOOST_TEST(stored_ids(svc.port()) == json::array({"sw-edge", "sw-edge-future", "sw-list"}));

  svc.stop();
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook" && line["status"] == 401) {
      BOOST_TEST(line["level"] == "ERROR");
      BOOST_TEST(line["result"] == "invalid_signature");
    }
}

BOOST_AUTO_TEST_CASE(standard_webhooks_alone_configures_the_webhook) {
  test_service svc{with([](config& c) { c.standard_webhooks_key = whsec_key; }, "")};
  BOOST_TEST(get(svc.port(), "/health/ready").status == 200);
  auto body = webhook_body("only-sw");
  auto x = post(svc.port(), "/webhook", body, {{"X-Signature", hmac_sha256_hex(test_secret, body)}});
  BOOST_TEST(x.status == 401);
  BOOST_TEST(x.body == invalid_signature_body);
  BOOST_TEST(post_standard(svc.port(), body, whsec_key, now()).status == 200);
  BOOST_TEST(stored_ids(svc.port()) == json::array({"only-sw"}));
}

BOOST_AUTO_TEST_CASE(x_signature_rotation_accepts_both_then_only_the_new) {
  const std::string old_secret = "old-secret-9d2c";
  {
    test_service svc{with([&](config& c) { c.webhook_secret_previous = old_secret; })};
    auto a = webhook_body("rot-new");
    auto b = webhook_body("rot-old");
    BOOST_TEST(svc.post_webhook(a).status == 200);
    auto r = post(svc.port(), "/webhook", b, {{"X-Signature", hmac_sha256_hex(old_secret, b)}});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == R"({"status":"ok"})");
    BOOST_TEST(matches(svc.port(), "x_signature", "current") == 1.0);
    BOOST_TEST(matches(svc.port(), "x_signature", "previous") == 1.0);
    BOOST_TEST(stored_ids(svc.port()) == json::array({"rot-new", "rot-old"}));
  }
  // The old secret removed: only the new one is accepted.
  test_service svc;
  auto c = webhook_body("rot-after");
  auto old = post(svc.port(), "/webhook", c, {{"X-Signature", hmac_sha256_hex(old_secret, c)}});
  BOOST_TEST(old.status == 401);
  BOOST_TEST(old.body == invalid_signature_body);
  BOOST_TEST(svc.post_webhook(c).status == 200);
  BOOST_TEST(matches(svc.port(), "x_signature", "previous") == 0.0);
  BOOST_TEST(matches(svc.port(), "x_signature", "current") == 1.0);
}

BOOST_AUTO_TEST_CASE(standard_webhooks_rotation_accepts_both_then_only_the_new) {
  {
    test_service svc{with([](config& c) {
      c.standard_webhooks_key = whsec_key;
      c.standard_webhooks_key_previous = whsec_old_key;
    })};
    BOOST_TEST(post_standard(svc.port(), webhook_body("swr-new"), whsec_key, now()).status == 200);
    BOOST_TEST(post_standard(svc.port(), webhook_body("swr-old"), whsec_old_key, now()).status == 200);
    BOOST_TEST(matches(svc.port(), "standard_webhooks", "current") == 1.0);
    BOOST_TEST(matches(svc.port(), "standard_webhooks", "previous") == 1.0);
  }
  test_service svc{with([](config& c) { c.standard_webhooks_key = whsec_key; })};
  auto r = post_standard(svc.port(), webhook_body("swr-after"), whsec_old_key, now());
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == invalid_signature_body);
  BOOST_TEST(post_standard(svc.port(), webhook_body("swr-after"), whsec_key, now()).status == 200);
  BOOST_TEST(matches(svc.port(), "standard_webhooks", "previous") == 0.0);
}

BOOST_AUTO_TEST_CASE(no_secret_in_any_log_line_or_answer) {
  const std::string old_secret = "old-secret-never-shown-51a7";
  test_service svc{with([&](config& c) {
    c.webhook_secret_previous = old_secret;
    c.standard_webhooks_key = whsec_key;
    c.standard_webhooks_key_previous = whsec_old_key;
  })};
  std::vector<http_response> answers;
  auto body = webhook_body("leak-check");
  answers.push_back(post(svc.port(), "/webhook", body, {{"X-Signature", "123"}}));
  answers.push_back(post(svc.port(), "/webhook", body, {{"X-Signature", hmac_sha256_hex(old_secret, body)}}));
  answers.push_back(post(svc.port(), "/webhook", body, standard_headers("msg_x", now() - 999, "v1,AAAA")));
  answers.push_back(post_standard(svc.port(), "not json", whsec_key, now()));
  answers.push_back(post_standard(svc.port(), webhook_body("leak-2"), whsec_old_key, now()));
  answers.push_back(get(svc.port(), "/health/ready"));
  answers.push_back(get(svc.port(), "/metrics"));
  answers.push_back(get(svc.port(), "/openapi.json"));
  svc.stop();
  const std::vector<std::string> secrets = {test_secret, old_secret, whsec, whsec_old, whsec_key, whsec_old_key,
                                            whsec.substr(6), whsec_old.substr(6)};
  const auto log = svc.raw_log();
  for (const auto& secret : secrets) {
    BOOST_TEST(log.find(secret) == std::string::npos, "a log line holds a secret");
    for (const auto& a : answers) {
      BOOST_TEST(a.body.find(secret) == std::string::npos, "an answer holds a secret");
      for (const auto& [name, value] : a.headers) BOOST_TEST(value.find(secret) == std::string::npos);
    }
  }
  BOOST_TEST(answers[3].status == 422);  // signed, but not a valid payload
}
