// The WhatsApp Cloud API receiver over real HTTP: Meta's subscription
// handshake, signed notifications of 1, 3 and 1,000 messages (one group
// commit each), statuses, other message types, bad signatures, redeliveries,
// rotation, the body limit, and what /messages and /stats show afterwards.
#define BOOST_TEST_MODULE http_whatsapp
#include <boost/test/unit_test.hpp>

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

const std::string app_secret = "wa-app-secret-6b1f";
const std::string old_app_secret = "wa-old-app-secret-0c2e";
const std::string verify_token = "wa-verify-token-93d4";
const std::string business_number = "15550783881";

service_setup whatsapp_setup(std::function<void(config&)> more = {}) {
  service_setup setup;
  setup.tune = [more](service_options& options) {
    options.settings.whatsapp_app_secret = app_secret;
    options.settings.whatsapp_verify_token = verify_token;
    if (more) more(options.settings);
  };
  return setup;
}

json text_message(const std::string& id, const std::string& from, const std::string& text,
                  const std::string& timestamp = "1749416383") {
  return {{"from", from}, {"id", id}, {"timestamp", timestamp}, {"type", "text"}, {"text", {{"body", text}}}};
}

// One change of a notification, shaped as Meta sends it.
json change(const json& messages, const json& statuses = nullptr, const std::string& display = business_number) {
  json value = {{"messaging_product", "whatsapp"},
                {"metadata", {{"display_phone_number", display}, {"phone_number_id", "106540352242922"}}}};
  if (!messages.is_null()) {
    value["contacts"] = json::array({{{"profile", {{"name", "Sheena Nelson"}}}, {"wa_id", "16505551234"}}});
    value["messages"] = messages;
  }
  if (!statuses.is_null()) value["statuses"] = statuses;
  return {{"value", value}, {"field", "messages"}};
}

std::string notification(const json& changes) {
  return json{{"object", "whatsapp_business_account"},
              {"entry", json::array({{{"id", "102290129340398"}, {"changes", changes}}})}}
    .dump();
}

http_response post_signed(std::uint16_t port, const std::string& body, const std::string& secret = app_secret) {
  return post(port, "/webhook/whatsapp", body, {{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(secret, body)}});
}

json counts(int created, int duplicate, int rejected, int statuses) {
  return {{"status", "ok"}, {"created", created}, {"duplicate", duplicate}, {"rejected", rejected},
          {"statuses", statuses}};
}

json listing(std::uint16_t port, const std::string& query = "") {
  auto r = get(port, "/messages" + query);
  BOOST_TEST_REQUIRE(r.status == 200);
  return json::parse(r.body);
}

double series(std::uint16_t port, const std::string& name) { return metric_value(port, name).value_or(-1); }

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_answers_the_challenge_only_to_the_right_token) {
  test_service svc{whatsapp_setup()};
  auto ok = get(svc.port(), "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=" + verify_token +
                              "&hub.challenge=1158201444");
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.body == "1158201444");
  BOOST_TEST(ok.header("content-type").value_or("") == "text/plain; charset=utf-8");

  const std::vector<std::pair<const char*, std::string>> refused = {
    {"wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"},
    {"token differing in its last character", "hub.mode=subscribe&hub.verify_token=" +
                                                verify_token.substr(0, verify_token.size() - 1) + "x&hub.challenge=1"},
    {"wrong mode", "hub.mode=unsubscribe&hub.verify_token=" + verify_token + "&hub.challenge=1"},
    {"no mode", "hub.verify_token=" + verify_token + "&hub.challenge=1"},
    {"missing challenge", "hub.mode=subscribe&hub.verify_token=" + verify_token},
    {"empty challenge", "hub.mode=subscribe&hub.verify_token=" + verify_token + "&hub.challenge="},
    {"markup as challenge", "hub.mode=subscribe&hub.verify_token=" + verify_token + "&hub.challenge=%3Cscript%3E"},
    {"nothing at all", ""},
  };
  for (const auto& [name, query] : refused) {
    auto r = get(svc.port(), "/webhook/whatsapp?" + query);
    BOOST_TEST(r.status == 403, name);
    BOOST_TEST(r.body == R"({"detail":"verification failed"})", name);
    BOOST_TEST(r.body.find(verify_token) == std::string::npos, name);
  }
  BOOST_TEST(series(svc.port(), R"(whatsapp_verifications_total{result="accepted"})") == 1.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_verifications_total{result="rejected"})") == 8.0);
  auto other = send_request(svc.port(), {"PUT", "/webhook/whatsapp", "", {}});
  BOOST_TEST(other.status == 405);
  BOOST_TEST(other.body == R"({"detail":"Method Not Allowed"})");
}

BOOST_AUTO_TEST_CASE(not_configured_is_not_found) {
  test_service svc;
  auto handshake = get(svc.port(), "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1");
  BOOST_TEST(handshake.status == 404);
  BOOST_TEST(handshake.body == R"({"detail":"Not Found"})");
  auto body = notification(json::array({change(json::array({text_message("wamid.n", "16505551234", "hi")}))}));
  auto r = post_signed(svc.port(), body);
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.body == R"({"detail":"Not Found"})");
  BOOST_TEST(listing(svc.port())["total"] == 0);
}

BOOST_AUTO_TEST_CASE(one_message_is_stored_as_a_message) {
  test_service svc{whatsapp_setup()};
  const std::string id = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
  auto body = notification(json::array({change(json::array({text_message(id, "16505551234", "Does it come in another color?")}))}));
  auto r = post_signed(svc.port(), body);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(1, 0, 0, 0));
  auto page = listing(svc.port());
  BOOST_TEST(page["total"] == 1);
  BOOST_TEST(page["data"][0] == json({{"message_id", id}, {"from", "+16505551234"}, {"to", "+15550783881"},
                                       {"ts", "2025-06-08T20:59:43Z"}, {"text", "Does it come in another color?"}}));
  BOOST_TEST(listing(svc.port(), "?from=%2B16505551234")["total"] == 1);
  auto stats = json::parse(get(svc.port(), "/stats").body);
  BOOST_TEST(stats["total_messages"] == 1);
  BOOST_TEST(stats["messages_per_sender"] == json::parse(R"([{"from":"+16505551234","count":1}])"));
  BOOST_TEST(series(svc.port(), R"(webhook_signature_matches_total{scheme="whatsapp",secret="current"})") == 1.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_requests_total{result="created"})") == 1.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_messages_total{result="created"})") == 1.0);
}

BOOST_AUTO_TEST_CASE(three_messages_in_two_changes_share_one_commit) {
  test_service svc{whatsapp_setup()};
  const double commits_before = series(svc.port(), "webhookd_storage_rows_per_commit_count");
  auto body = notification(json::array(
    {change(json::array({text_message("wamid.a", "16505551234", "first", "1700000000"),
                         text_message("wamid.b", "919876543210", "second", "1700000001")})),
     change(json::array({text_message("wamid.c", "16505551234", "third", "1700000002")}), nullptr, "+1 555-010-0199")}));
  auto r = post_signed(svc.port(), body);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(3, 0, 0, 0));
  BOOST_TEST(series(svc.port(), "webhookd_storage_rows_per_commit_count") == commits_before + 1);
  BOOST_TEST(series(svc.port(), "webhookd_storage_rows_per_commit_sum") == 3.0);
  auto page = listing(svc.port());
  BOOST_TEST(page["total"] == 3);
  BOOST_TEST(page["data"][0]["ts"] == "2023-11-14T22:13:20Z");
  BOOST_TEST(page["data"][1]["from"] == "+919876543210");
  BOOST_TEST(page["data"][2]["to"] == "+15550100199");  // display number with separators, in E.164
  BOOST_TEST(json::parse(get(svc.port(), "/stats").body)["senders_count"] == 2);
}

BOOST_AUTO_TEST_CASE(a_thousand_messages_in_one_post_then_redelivered) {
  test_service svc{whatsapp_setup()};
  json messages = json::array();
  for (int i = 0; i < 1000; ++i)
    messages.push_back(text_message("wamid.k" + std::to_string(i), "1650555" + std::to_string(1000 + i),
                                    "message " + std::to_string(i), std::to_string(1700000000 + i)));
  auto body = notification(json::array({change(messages)}));
  BOOST_TEST_REQUIRE(body.size() < 1024u * 1024u);
  const double commits_before = series(svc.port(), "webhookd_storage_rows_per_commit_count");
  auto r = post_signed(svc.port(), body);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(1000, 0, 0, 0));
  BOOST_TEST(series(svc.port(), "webhookd_storage_rows_per_commit_count") == commits_before + 1);
  BOOST_TEST(listing(svc.port())["total"] == 1000);
  auto last = listing(svc.port(), "?limit=1&offset=999");
  BOOST_TEST(last["data"][0]["message_id"] == "wamid.k999");
  BOOST_TEST(last["data"][0]["text"] == "message 999");
  auto stats = json::parse(get(svc.port(), "/stats").body);
  BOOST_TEST(stats["total_messages"] == 1000);
  BOOST_TEST(stats["senders_count"] == 1000);
  BOOST_TEST(stats["first_message_ts"] == "2023-11-14T22:13:20Z");

  // Meta retries a notification it thinks failed: nothing new is stored.
  auto again = post_signed(svc.port(), body);
  BOOST_TEST(again.status == 200);
  BOOST_TEST(json::parse(again.body) == counts(0, 1000, 0, 0));
  BOOST_TEST(listing(svc.port())["total"] == 1000);
  BOOST_TEST(series(svc.port(), R"(whatsapp_requests_total{result="duplicate"})") == 1.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_messages_total{result="duplicate"})") == 1000.0);
}

BOOST_AUTO_TEST_CASE(statuses_are_counted_and_logged_not_stored) {
  test_service svc{whatsapp_setup()};
  json statuses = json::parse(R"([
    {"id":"wamid.s1","status":"delivered","timestamp":"1749416400","recipient_id":"16505551234",
     "conversation":{"id":"c1","origin":{"type":"service"}},"pricing":{"billable":true,"category":"service"}},
    {"id":"wamid.s2","status":"read","timestamp":"1749416401","recipient_id":"16505551234"},
    {"id":"wamid.s3","status":"read","timestamp":"1749416402","recipient_id":"16505551234"}])");
  auto r = post_signed(svc.port(), notification(json::array({change(nullptr, statuses)})));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(0, 0, 0, 3));
  BOOST_TEST(listing(svc.port())["total"] == 0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_statuses_total{status="delivered"})") == 1.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_statuses_total{status="read"})") == 2.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_statuses_total{status="failed"})") == 0.0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_requests_total{result="no_messages"})") == 1.0);
  // An empty notification has nothing to store either.
  auto empty = post_signed(svc.port(), R"({"object":"whatsapp_business_account","entry":[]})");
  BOOST_TEST(empty.status == 200);
  BOOST_TEST(json::parse(empty.body) == counts(0, 0, 0, 0));
  svc.stop();
  int lines = 0;
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook/whatsapp" && line.contains("statuses")) {
      BOOST_TEST(line["statuses"] == json({{"delivered", 1}, {"read", 2}}));
      BOOST_TEST(line["result"] == "no_messages");
      ++lines;
    }
  BOOST_TEST(lines == 1);
}

BOOST_AUTO_TEST_CASE(other_message_types_keep_their_text_or_none) {
  test_service svc{whatsapp_setup()};
  auto messages = json::parse(R"([
    {"from":"16505551234","id":"wamid.t1","timestamp":"1700000001","type":"image",
     "image":{"caption":"look at this","mime_type":"image/jpeg","sha256":"abc","id":"media1"}},
    {"from":"16505551234","id":"wamid.t2","timestamp":"1700000002","type":"audio",
     "audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"def","id":"media2","voice":true}},
    {"from":"16505551234","id":"wamid.t3","timestamp":"1700000003","type":"reaction",
     "reaction":{"message_id":"wamid.t1","emoji":"\ud83d\udc4d"}},
    {"from":"16505551234","id":"wamid.t4","timestamp":"1700000004","type":"interactive",
     "interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes please"}}},
    {"from":"16505551234","id":"wamid.t5","timestamp":"1700000005","type":"location",
     "location":{"latitude":52.52,"longitude":13.40,"name":"Berlin"}},
    {"from":"16505551234","id":"wamid.t6","timestamp":"1700000006","type":"unsupported",
     "errors":[{"code":131051,"title":"Message type unknown"}]}])");
  auto r = post_signed(svc.port(), notification(json::array({change(messages)})));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(6, 0, 0, 0));
  auto data = listing(svc.port())["data"];
  BOOST_TEST_REQUIRE(data.size() == 6u);
  BOOST_TEST(data[0]["text"] == "look at this");
  BOOST_TEST(data[1]["text"].is_null());
  BOOST_TEST(data[2]["text"] == "\xF0\x9F\x91\x8D");
  BOOST_TEST(data[3]["text"] == "Yes please");
  BOOST_TEST(data[4]["text"].is_null());
  BOOST_TEST(data[5]["text"].is_null());
  BOOST_TEST(listing(svc.port(), "?q=please")["total"] == 1);
}

BOOST_AUTO_TEST_CASE(items_that_cannot_be_stored_are_rejected_alone) {
  test_service svc{whatsapp_setup()};
  auto messages = json::array({text_message("wamid.good", "16505551234", "fine"),
                               text_message("wamid.bad-from", "+1 650 555", "not digits"),
                               text_message("wamid.bad-ts", "16505551234", "when?", "yesterday"),
                               text_message("", "16505551234", "no id"),
                               text_message("wamid.long", "16505551234", std::string(4097, 'x'))});
  auto r = post_signed(svc.port(), notification(json::array({change(messages)})));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(json::parse(r.body) == counts(1, 0, 4, 0));
  BOOST_TEST(listing(svc.port())["total"] == 1);
  BOOST_TEST(series(svc.port(), R"(whatsapp_messages_total{result="rejected"})") == 4.0);
  svc.stop();
  bool logged = false;
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook/whatsapp") {
      BOOST_TEST(line["level"] == "WARNING");
      BOOST_TEST(line["rejected_ids"] == json({"wamid.bad-from", "wamid.bad-ts", "", "wamid.long"}));
      logged = true;
    }
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_CASE(bad_signatures_answer_401_and_store_nothing) {
  test_service svc{whatsapp_setup()};
  auto body = notification(json::array({change(json::array({text_message("wamid.sig", "16505551234", "hi")}))}));
  const auto hex = hmac_sha256_hex(app_secret, body);
  const std::vector<std::vector<std::pair<std::string, std::string>>> bad = {
    {},
    {{"X-Hub-Signature-256", hex}},
    {{"X-Hub-Signature-256", "sha1=" + hex}},
    {{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex("another-secret", body)}},
    {{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(app_secret, body + " ")}},
    {{"X-Signature", hmac_sha256_hex(test_secret, body)}},
  };
  for (const auto& headers : bad) {
    auto r = post(svc.port(), "/webhook/whatsapp", body, headers);
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.body == R"({"detail":"invalid signature"})");
  }
  BOOST_TEST(listing(svc.port())["total"] == 0);
  BOOST_TEST(series(svc.port(), R"(whatsapp_requests_total{result="invalid_signature"})") == 6.0);
  svc.stop();
  for (const auto& line : svc.log_lines())
    if (line.value("path", "") == "/webhook/whatsapp") BOOST_TEST(line["level"] == "ERROR");
}

BOOST_AUTO_TEST_CASE(signed_bodies_that_are_not_notifications_are_422) {
  test_service svc{whatsapp_setup()};
  auto check = [&](const std::string& body, const json& detail) {
    auto r = post_signed(svc.port(), body);
    BOOST_TEST(r.status == 422, body);
    auto answer = json::parse(r.body);
    json summary = json::array();
    for (const auto& e : answer["detail"]) summary.push_back({e["type"], e["loc"]});
    BOOST_TEST(summary == detail, body << " -> " << r.body);
  };
  check("not json", json::parse(R"([["json_invalid",["body"]]])"));
  check("[1,2]", json::parse(R"([["model_attributes_type",["body"]]])"));
  check(R"({"object":"page","entry":[]})", json::parse(R"([["literal_error",["body","object"]]])"));
  check(R"({"entry":{}})", json::parse(R"([["missing",["body","object"]],["list_type",["body","entry"]]])"));
  BOOST_TEST(listing(svc.port())["total"] == 0);
}

BOOST_AUTO_TEST_CASE(its_own_body_limit) {
  test_service svc{whatsapp_setup([](config& c) { c.whatsapp_max_body = 4096; })};
  auto sized = [](const std::string& id, std::size_t size) {
    std::string head = notification(json::array({change(json::array({text_message(id, "16505551234", "")}))}));
    // Pad the text body: the notification stays valid at any size.
    auto at = head.find(R"("body":"")") + 8;
    return head.insert(at, std::string(size - head.size(), 'p'));
  };
  auto at_limit = sized("wamid.limit", 4096);
  BOOST_TEST_REQUIRE(at_limit.size() == 4096u);
  auto ok = post_signed(svc.port(), at_limit);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(json::parse(ok.body) == counts(1, 0, 0, 0));
  auto over = post_signed(svc.port(), sized("wamid.over", 4097));
  BOOST_TEST(over.status == 413);
  BOOST_TEST(over.body == R"({"detail":"request body too large"})");
  BOOST_TEST(listing(svc.port())["total"] == 1);
  // /webhook keeps its own 64 KiB limit whatever WhatsApp's is.
  BOOST_TEST(svc.post_webhook(std::string(70000, ' ')).status == 413);
}

BOOST_AUTO_TEST_CASE(app_secret_rotation_and_no_secret_anywhere) {
  auto body_a = notification(json::array({change(json::array({text_message("wamid.r1", "16505551234", "new")}))}));
  auto body_b = notification(json::array({change(json::array({text_message("wamid.r2", "16505551234", "old")}))}));
  {
    test_service svc{whatsapp_setup([](config& c) { c.whatsapp_app_secret_previous = old_app_secret; })};
    BOOST_TEST(post_signed(svc.port(), body_a).status == 200);
    auto r = post_signed(svc.port(), body_b, old_app_secret);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(json::parse(r.body) == counts(1, 0, 0, 0));
    BOOST_TEST(series(svc.port(), R"(webhook_signature_matches_total{scheme="whatsapp",secret="current"})") == 1.0);
    BOOST_TEST(series(svc.port(), R"(webhook_signature_matches_total{scheme="whatsapp",secret="previous"})") == 1.0);
    svc.stop();
    auto log = svc.raw_log();
    for (const auto& secret : {app_secret, old_app_secret, verify_token})
      BOOST_TEST(log.find(secret) == std::string::npos);
  }
  test_service svc{whatsapp_setup()};
  auto r = post_signed(svc.port(), body_b, old_app_secret);
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.body == R"({"detail":"invalid signature"})");
  auto handshake = get(svc.port(), "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=" + verify_token +
                                     "&hub.challenge=42");
  BOOST_TEST(handshake.body == "42");
  svc.stop();
  auto log = svc.raw_log();
  for (const auto& secret : {app_secret, old_app_secret, verify_token})
    BOOST_TEST(log.find(secret) == std::string::npos);
}
