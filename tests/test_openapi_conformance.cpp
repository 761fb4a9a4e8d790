// The checker that keeps http/openapi.json true, checked itself: it must find
// a wrong status, body, media type or header, and accept what the document says.
#define BOOST_TEST_MODULE test_openapi_conformance
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "http/embedded_files.hpp"
#include "support/json_schema_check.hpp"
#include "support/openapi_conformance.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;

namespace {

const json& document() {
  static const json doc = json::parse(embedded::openapi_json());
  return doc;
}

http_response response(int status, std::string body, std::string content_type = "application/json",
                       bool request_id = true) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  if (!content_type.empty()) r.headers["content-type"] = content_type;
  if (request_id) r.headers["x-request-id"] = "0123456789abcdef0123456789abcdef";
  return r;
}

std::size_t problems(const std::string& method, const std::string& target, const http_response& r) {
  return conformance_problems(document(), {method, target, r}).size();
}

const std::string page = R"({"data":[{"message_id":"m1","from":"+1","to":"+2","ts":"2025-01-15T10:00:00Z","text":null}],"total":1,"limit":50,"offset":0})";

}  // namespace

BOOST_AUTO_TEST_CASE(patterns) {
  BOOST_TEST(pattern_matches("^\\+[0-9]{1,15}$", "+919876543210"));
  BOOST_TEST(!pattern_matches("^\\+[0-9]{1,15}$", "+"));
  BOOST_TEST(!pattern_matches("^\\+[0-9]{1,15}$", "+1234567890123456"));
  BOOST_TEST(!pattern_matches("^\\+[0-9]{1,15}$", "919876543210"));
  BOOST_TEST(pattern_matches("^[A-Za-z0-9._:-]{1,128}$", "client-abc.123:x_y"));
  BOOST_TEST(!pattern_matches("^[A-Za-z0-9._:-]{1,128}$", "has space"));
  BOOST_TEST(pattern_matches("^[0-9]+$", "42"));
  BOOST_TEST(!pattern_matches("^[0-9]+$", ""));
  BOOST_TEST(pattern_matches("^a?b*c$", "c"));
  BOOST_TEST(pattern_matches("^a?b*c$", "abbbc"));
  BOOST_TEST(!pattern_matches("^a?b*c$", "aabc"));
  BOOST_CHECK_THROW(pattern_matches("^(a|b)$", "a"), std::invalid_argument);
  BOOST_CHECK_THROW(pattern_matches("a", "a"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(schema_keywords) {
  const json root = json::object();
  const json schema = json::parse(R"({"type":"object","additionalProperties":false,"required":["a"],
    "properties":{"a":{"type":["string","null"],"maxLength":2},"b":{"type":"integer","minimum":1,"maximum":3},
                  "c":{"type":"array","maxItems":1,"items":{"anyOf":[{"type":"string"},{"type":"integer"}]}},
                  "d":{"const":"ok"},"e":{"enum":["x","y"]}}})");
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"\u00e9\u00e9","b":2,"c":[1],"d":"ok","e":"y"})")).empty());
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":null})")).empty());
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"abc"})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":1})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"","b":4})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"","b":1.5})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"","c":[1,2]})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"","c":[true]})")).size() == 1u);
  BOOST_TEST(schema_problems(root, schema, json::parse(R"({"a":"","d":"no","e":"z","zzz":1})")).size() == 3u);
  BOOST_CHECK_THROW(schema_problems(root, json::parse(R"({"uniqueItems":true})"), json::array()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(responses_as_documented_pass) {
  BOOST_TEST(problems("GET", "/messages?limit=1", response(200, page)) == 0u);
  BOOST_TEST(problems("GET", "/messages/", response(200, page)) == 0u);
  BOOST_TEST(problems("POST", "/webhook", response(200, R"({"status":"ok"})")) == 0u);
  BOOST_TEST(problems("POST", "/webhook", response(422, R"({"detail":[{"type":"missing","loc":["body","ts"],"msg":"Field required"}]})")) == 0u);
  BOOST_TEST(problems("GET", "/nope", response(404, R"({"detail":"Not Found"})")) == 0u);
  BOOST_TEST(problems("DELETE", "/stats", response(405, R"({"detail":"Method Not Allowed"})")) == 0u);
  BOOST_TEST(problems("GET", "/metrics", response(200, "# HELP x\n", "text/plain; version=0.0.4; charset=utf-8")) == 0u);
  BOOST_TEST(problems("GET", "/docs/swagger-ui.css", response(200, "body{}", "text/css; charset=utf-8")) == 0u);
  BOOST_TEST(problems("GET", "/health/ready", response(503, R"({"status":"not ready","reasons":["WEBHOOK_SECRET is not set"]})")) == 0u);
}

BOOST_AUTO_TEST_CASE(responses_that_break_the_document_are_found) {
  BOOST_TEST(problems("GET", "/messages", response(201, page)) == 1u);                          // undeclared status
  BOOST_TEST(problems("GET", "/messages", response(200, R"({"data":[],"total":-1,"limit":50,"offset":0})")) == 1u);
  BOOST_TEST(problems("GET", "/messages", response(200, R"({"data":[],"total":0,"limit":50})")) == 1u);
  BOOST_TEST(problems("GET", "/messages", response(200, page, "text/html")) == 1u);            // media type
  BOOST_TEST(problems("GET", "/messages", response(200, "not json")) == 1u);
  BOOST_TEST(problems("GET", "/messages", response(200, page, "application/json", false)) == 1u);  // X-Request-ID
  BOOST_TEST(problems("POST", "/webhook", response(200, R"({"status":"created"})")) == 1u);
  BOOST_TEST(problems("POST", "/webhook", response(401, R"({"error":"invalid signature"})")) == 2u);
  BOOST_TEST(problems("GET", "/nope", response(200, "{}")) == 1u);                               // unknown path
  BOOST_TEST(problems("PUT", "/webhook", response(200, R"({"status":"ok"})")) == 1u);          // unknown method
  BOOST_TEST(problems("GET", "/stats", response(200, R"({"total_messages":0,"senders_count":0,"messages_per_sender":[],"first_message_ts":"2025-01-15","last_message_ts":null})")) == 1u);
}
