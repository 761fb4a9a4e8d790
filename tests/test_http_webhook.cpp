// POST /webhook over real HTTP on loopback, against the real service and a
// real SQLite file: every rule of SPEC.md "POST /webhook", status and body.
#define BOOST_TEST_MODULE http_webhook
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "support/openapi_conformance.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

// Every response these tests receive must be as http/openapi.json says.
BOOST_TEST_GLOBAL_FIXTURE(openapi_conformance);

namespace {

json body_of(const http_response& r) { return json::parse(r.body); }

json list_all(std::uint16_t port, const std::string& query = "") {
  auto r = get(port, "/messages" + query);
  BOOST_TEST_REQUIRE(r.status == 200);
  return body_of(r);
}

// The validation error entries as (type, loc) pairs, for compact assertions.
std::vector<std::pair<std::string, json>> error_summary(const json& body) {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& e : body.at("detail")) {
    BOOST_TEST(e.at("msg").is_string());
    out.emplace_back(e.at("type").get<std::string>(), e.at("loc"));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(created_then_duplicate_keeps_first_version) {
  test_service svc;
  auto first = svc.post_webhook(webhook_body("m1", "+919876543210", "2025-01-15T10:00:00Z", "Hello"));
  BOOST_TEST(first.status == 200);
  BOOST_TEST(body_of(first) == json({{"status", "ok"}}));
  BOOST_TEST(first.header("content-type").value_or("") == "application/json");

  auto again = svc.post_webhook(webhook_body("m1", "+14155550199", "2025-01-16T10:00:00Z", "Changed"));
  BOOST_TEST(again.status == 200);
  BOOST_TEST(body_of(again) == json({{"status", "ok"}}));

  auto listing = list_all(svc.port());
  BOOST_TEST(listing["total"] == 1);
  BOOST_TEST(listing["data"][0] == json({{"message_id", "m1"},
                                          {"from", "+919876543210"},
                                          {"to", "+14155550100"},
                                          {"ts", "2025-01-15T10:00:00Z"},
                                          {"text", "Hello"}}));
}

BOOST_AUTO_TEST_CASE(text_absent_or_null_is_stored_as_null) {
  test_service svc;
  BOOST_TEST(svc.post_webhook(webhook_body("absent", "+1", "2025-01-15T10:00:00Z", std::nullopt)).status == 200);
  auto with_null = R"({"message_id":"null","from":"+1","to":"+2","ts":"2025-01-15T10:00:01Z","text":null})";
  BOOST_TEST(svc.post_webhook(with_null).status == 200);
  auto listing = list_all(svc.port());
  BOOST_TEST_REQUIRE(listing["data"].size() == 2u);
  BOOST_TEST(listing["data"][0]["text"].is_null());
  BOOST_TEST(listing["data"][1]["text"].is_null());
}

BOOST_AUTO_TEST_CASE(secret_unset_answers_503_before_anything_else) {
  service_setup setup;
  setup.secret.clear();
  test_service svc{setup};
  // Even an oversized, unsigned body: the secret check comes first.
  auto r = post(svc.port(), "/webhook", std::string(70000, 'x'));
  BOOST_TEST(r.status == 503);
  BOOST_TEST(body_of(r) == json({{"detail", "webhook secret not configured"}}));
  BOOST_TEST(list_all(svc.port())["total"] == 0);
}

BOOST_AUTO_TEST_CASE(body_limit_is_64_kib_inclusive) {
  test_service svc;
  // Unknown fields are ignored, so padding makes an exactly-sized valid body.
  auto sized_body = [](const std::string& id, std::size_t size) {
    std::string prefix = R"({"message_id":")" + id + R"(","from":"+1","to":"+2","ts":"2025-01-15T10:00:00Z","pad":")";
    std::string suffix = R"("})";
    return prefix + std::string(size - prefix.size() - suffix.size(), 'p') + suffix;
  };
  auto at_limit = sized_body("big", 65536);
  BOOST_TEST_REQUIRE(at_limit.size() == 65536u);
  auto ok = svc.post_webhook(at_limit);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(body_of(ok) == json({{"status", "ok"}}));

  auto over = sized_body("bigger", 65537);
  auto rejected = svc.post_webhook(over);
  BOOST_TEST(rejected.status == 413);
  BOOST_TEST(body_of(rejected) == json({{"detail", "request body too large"}}));
  // Size is checked before the signature.
  auto unsigned_over = post(svc.port(), "/webhook", over, {{"X-Signature", "123"}});
  BOOST_TEST(unsigned_over.status == 413);
  BOOST_TEST(list_all(svc.port())["total"] == 1);
}

BOOST_AUTO_TEST_CASE(invalid_signatures_answer_401_and_store_nothing) {
  test_service svc;
  auto body = webhook_body("sig");
  auto good = hmac_sha256_hex(test_secret, body);
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  const std::vector<std::vector<std::pair<std::string, std::string>>> bad_headers = {
    {},                                               // missing
    {{"X-Signature", "123"}},                         // too short
    {{"X-Signature", ""}},                            // empty
    {{"X-Signature", flipped}},                       // wrong digest
    {{"X-Signature", good.substr(0, 63)}},            // odd length
    {{"X-Signature", std::string(64, 'z')}},          // not hex
    {{"X-Signature", "sha256=" + good}},              // prefixed
    {{"X-Signature", hmac_sha256_hex("other", body)}},  // other secret
  };
  for (const auto& headers : bad_headers) {
    auto r = post(svc.port(), "/webhook", body, headers);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(body_of(r) == json({{"detail", "invalid signature"}}));
  }
  // Signature over a re-serialised body does not match the bytes sent.
  auto spaced = R"({ "message_id": "sig", "from": "+919876543210", "to": "+14155550100", "ts": "2025-01-15T10:00:00Z", "text": "Hello" })";
  BOOST_TEST(post(svc.port(), "/webhook", spaced, {{"X-Signature", good}}).status == 401);
  // Signature checks come before validation: an invalid body with a bad signature is 401.
  BOOST_TEST(post(svc.port(), "/webhook", "not json", {{"X-Signature", "00"}}).status == 401);
  BOOST_TEST(list_all(svc.port())["total"] == 0);

  // Upper-case hex is the same signature.
  BOOST_TEST(post(svc.port(), "/webhook", body, {{"X-Signature", upper}}).status == 200);
  BOOST_TEST(list_all(svc.port())["total"] == 1);
}

// X-Signature is read as RFC 9110 reads a field value: optional whitespace
// (SP, HTAB) on either side is not part of it. Several X-Signature fields are
// accepted only when every one carries the same valid value.
BOOST_AUTO_TEST_CASE(signature_whitespace_and_repeated_fields) {
  test_service svc;
  int n = 0;
  auto post_with = [&](const std::vector<std::string>& values) {
    auto id = "ws-" + std::to_string(n++);
    auto body = webhook_body(id);
    auto good = hmac_sha256_hex(test_secret, body);
    std::vector<std::pair<std::string, std::string>> headers;
    for (auto value : values) {
      auto at = value.find("GOOD");
      if (at != std::string::npos) value.replace(at, 4, good);
      headers.emplace_back("X-Signature", value);
    }
    return post(svc.port(), "/webhook", body, headers).status;
  };
  // Whitespace around the hex, as raw bytes on the wire.
  for (const std::string value : {"GOOD ", "GOOD\t", "  GOOD", "\tGOOD \t", "GOOD   "})
    BOOST_TEST(post_with({value}) == 200, "'" << value << "'");
  // Whitespace inside is still wrong.
  BOOST_TEST(post_with({"GOOD x"}) == 401);
  // Repeated fields: all the same valid value (either case) is fine ...
  BOOST_TEST(post_with({"GOOD", "GOOD"}) == 200);
  BOOST_TEST(post_with({"GOOD", " GOOD\t"}) == 200);
  // ... any other value beside it, first or last, is not.
  BOOST_TEST(post_with({"GOOD", "123"}) == 401);
  BOOST_TEST(post_with({"123", "GOOD"}) == 401);
  BOOST_TEST(post_with({"GOOD", ""}) == 401);
  BOOST_TEST(post_with({"GOOD", "GOOD", "00"}) == 401);
  // Only the seven accepted deliveries were stored.
  BOOST_TEST(list_all(svc.port(), "?limit=100")["total"] == 7);
}

BOOST_AUTO_TEST_CASE(validation_errors_use_the_pydantic_shape) {
  test_service svc;
  auto check = [&](const std::string& body, std::vector<std::pair<std::string, json>> expected) {
    auto r = svc.post_webhook(body);
    BOOST_TEST(r.status == 422, "body: " << body);
    auto summary = error_summary(body_of(r));
    BOOST_TEST(summary == expected, "body: " << body << " answer: " << r.body);
  };
  using L = json;
  check("", {{"missing", L{"body"}}});
  check("not json", {{"json_invalid", L{"body"}}});
  check("[1,2]", {{"model_attributes_type", L{"body"}}});
  check(R"("a string")", {{"model_attributes_type", L{"body"}}});
  check("{}", {{"missing", L{"body", "message_id"}},
               {"missing", L{"body", "from"}},
               {"missing", L{"body", "to"}},
               {"missing", L{"body", "ts"}}});
  check(webhook_body("", "+1"), {{"string_too_short", L{"body", "message_id"}}});
  check(webhook_body(std::string(257, 'x')), {{"string_too_long", L{"body", "message_id"}}});
  check(webhook_body("e164", "919876543210"), {{"string_pattern_mismatch", L{"body", "from"}}});
  check(webhook_body("e164", "+1234567890123456"), {{"string_pattern_mismatch", L{"body", "from"}}});
  check(webhook_body("e164", "+1", "2025-01-15T10:00:00Z", "x", "+"), {{"string_pattern_mismatch", L{"body", "to"}}});
  check(webhook_body("ts", "+1", "2025-02-30T10:00:00Z"), {{"datetime_format", L{"body", "ts"}}});
  check(webhook_body("ts", "+1", "2025-01-15T24:00:00Z"), {{"datetime_format", L{"body", "ts"}}});
  check(webhook_body("ts", "+1", "2025-01-15 10:00:00Z"), {{"datetime_format", L{"body", "ts"}}});
  check(webhook_body("long", "+1", "2025-01-15T10:00:00Z", std::string(4097, 'a')),
        {{"string_too_long", L{"body", "text"}}});
  check(R"({"message_id":5,"from":"+1","to":"+2","ts":"2025-01-15T10:00:00Z","text":7})",
        {{"string_type", L{"body", "message_id"}}, {"string_type", L{"body", "text"}}});
  check(R"({"message_id":"bad","from":"x","to":"y","ts":"z"})",
        {{"string_pattern_mismatch", L{"body", "from"}},
         {"string_pattern_mismatch", L{"body", "to"}},
         {"datetime_format", L{"body", "ts"}}});
  // U+0000 spelled as a JSON escape: no backend can store it as sent.
  // (dump() writes the NUL as \u0000.)
  check(webhook_body(std::string("nul\0id", 6)), {{"value_error", L{"body", "message_id"}}});
  check(webhook_body("nul", "+1", "2025-01-15T10:00:00Z", std::string("a\0b", 3)), {{"value_error", L{"body", "text"}}});
  BOOST_TEST(svc.post_webhook(webhook_body(std::string("nul\0id", 6))).body.find("must not contain a NUL") != std::string::npos);
  // Invalid UTF-8 inside a string.
  check("{\"message_id\":\"\xff\xfe\",\"from\":\"+1\",\"to\":\"+2\",\"ts\":\"2025-01-15T10:00:00Z\"}",
        {{"json_invalid", L{"body"}}});
  BOOST_TEST(list_all(svc.port())["total"] == 0);

  // 4096 code points of a 4-byte character is within the limit (code points, not bytes).
  std::string emoji;
  for (int i = 0; i < 4096; ++i) emoji += "\xF0\x9F\x98\x80";
  auto ok = svc.post_webhook(webhook_body("emoji", "+1", "2025-01-15T10:00:00Z", emoji));
  BOOST_TEST(ok.status == 200);
  auto listing = list_all(svc.port());
  BOOST_TEST(listing["data"][0]["text"] == emoji);
  // Unknown fields are ignored.
  BOOST_TEST(svc.post_webhook(R"({"message_id":"extra","from":"+1","to":"+2","ts":"2025-01-15T10:00:00Z","zzz":[1,{"a":2}]})").status == 200);
}

BOOST_AUTO_TEST_CASE(concurrent_deliveries_of_one_id_store_one_row) {
  test_service svc;
  constexpr int clients = 32;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      auto r = svc.post_webhook(webhook_body("same", "+1", "2025-01-15T10:00:00Z", "copy " + std::to_string(i)));
      if (r.status == 200 && r.body == R"({"status":"ok"})") ++ok;
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == clients);
  auto listing = list_all(svc.port());
  BOOST_TEST(listing["total"] == 1);
  BOOST_TEST(listing["data"].size() == 1u);

  svc.stop();
  int created = 0, duplicate = 0;
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook") {
      if (line["result"] == "created") ++created;
      if (line["result"] == "duplicate") ++duplicate;
    }
  BOOST_TEST(created == 1);
  BOOST_TEST(duplicate == clients - 1);
}

BOOST_AUTO_TEST_CASE(webhook_log_lines_and_metrics) {
  test_service svc;
  auto body = webhook_body("logged", "+1", "2025-01-15T10:00:00Z", "secret text never logged");
  BOOST_TEST(svc.post_webhook(body).status == 200);
  BOOST_TEST(svc.post_webhook(body).status == 200);
  BOOST_TEST(post(svc.port(), "/webhook", body, {{"X-Signature", "123"}}).status == 401);
  BOOST_TEST(svc.post_webhook(R"({"message_id":"bad"})").status == 422);

  auto metrics = get(svc.port(), "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("webhook_requests_total{result=\"created\"} 1") != std::string::npos);
  BOOST_TEST(metrics.body.find("webhook_requests_total{result=\"duplicate\"} 1") != std::string::npos);
  BOOST_TEST(metrics.body.find("webhook_requests_total{result=\"invalid_signature\"} 1") != std::string::npos);
  BOOST_TEST(metrics.body.find("webhook_requests_total{result=\"validation_error\"} 1") != std::string::npos);
  BOOST_TEST(metrics.body.find(R"(http_requests_total{method="POST",path="/webhook",status="200"} 2)") != std::string::npos);

  svc.stop();
  auto raw = svc.raw_log();
  BOOST_TEST(raw.find(test_secret) == std::string::npos);
  BOOST_TEST(raw.find("secret text never logged") == std::string::npos);
  std::vector<json> webhook_lines;
  for (auto& line : svc.log_lines()) {
    BOOST_TEST(line.contains("ts"));
    BOOST_TEST(line.contains("level"));
    if (line.value("path", "") == "/webhook") webhook_lines.push_back(line);
  }
  BOOST_TEST_REQUIRE(webhook_lines.size() == 4u);
  auto expect = [](const json& line, int status, const char* result, bool dup, const char* level) {
    BOOST_TEST(line["status"] == status);
    BOOST_TEST(line["result"] == result);
    BOOST_TEST(line["dup"] == dup);
    BOOST_TEST(line["level"] == level);
    BOOST_TEST(line["method"] == "POST");
    BOOST_TEST(line["latency_ms"].is_number());
    BOOST_TEST(line["request_id"].get<std::string>().size() == 32u);
    auto ts = line["ts"].get<std::string>();
    BOOST_TEST(ts.size() == 24u);
    BOOST_TEST(ts.back() == 'Z');
  };
  expect(webhook_lines[0], 200, "created", false, "INFO");
  expect(webhook_lines[1], 200, "duplicate", true, "INFO");
  expect(webhook_lines[2], 401, "invalid_signature", false, "ERROR");
  expect(webhook_lines[3], 422, "validation_error", false, "INFO");
  BOOST_TEST(webhook_lines[0]["message_id"] == "logged");
  BOOST_TEST(webhook_lines[1]["message_id"] == "logged");
  BOOST_TEST(webhook_lines[3]["message_id"] == "bad");
}

BOOST_AUTO_TEST_CASE(over_capacity_answers_503_with_retry_after) {
  service_setup setup;
  // No request may be in flight besides the one being answered: every work
  // route is over capacity, health and metrics are not.
  setup.tune = [](service_options& options) { options.http.max_in_flight = 0; };
  setup.wait_for_storage = false;
  test_service svc{setup};
  for (const auto& target : {"/messages", "/stats"}) {
    auto r = get(svc.port(), target);
    BOOST_TEST(r.status == 503, target);
    BOOST_TEST(r.header("retry-after").value_or("") == "1", target);
    BOOST_TEST(body_of(r) == json({{"detail", "server overloaded"}}), target);
  }
  auto r = svc.post_webhook(webhook_body("overload"));
  BOOST_TEST(r.status == 503);
  BOOST_TEST(r.header("retry-after").value_or("") == "1");
  BOOST_TEST(body_of(r) == json({{"detail", "server overloaded"}}));
  BOOST_TEST(get(svc.port(), "/health/live").status == 200);
  auto metrics = get(svc.port(), "/metrics");
  BOOST_TEST(metrics.status == 200);
  BOOST_TEST(metrics.body.find("webhook_requests_total{result=\"overloaded\"} 1") != std::string::npos);
  svc.stop();
  bool logged = false;
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook") {
      BOOST_TEST(line["result"] == "overloaded");
      BOOST_TEST(line["dup"] == false);
      BOOST_TEST(!line.contains("message_id"));  // the body was never parsed
      logged = true;
    }
  BOOST_TEST(logged);
}
