// The WhatsApp notification parser and the Unix-seconds conversion it relies
// on, without HTTP: mapping, rejections, and what counts as a notification.
#define BOOST_TEST_MODULE test_whatsapp_notification
#include <boost/test/unit_test.hpp>

#include "core/timestamp.hpp"
#include "core/whatsapp_notification.hpp"

using namespace webhookd;

BOOST_AUTO_TEST_CASE(unix_seconds_to_canonical_utc) {
  BOOST_TEST(canonical_utc_from_unix(0).value() == "1970-01-01T00:00:00Z");
  BOOST_TEST(canonical_utc_from_unix(951782400).value() == "2000-02-29T00:00:00Z");
  BOOST_TEST(canonical_utc_from_unix(951868799).value() == "2000-02-29T23:59:59Z");
  BOOST_TEST(canonical_utc_from_unix(1749416383).value() == "2025-06-08T20:59:43Z");
  BOOST_TEST(canonical_utc_from_unix(4107542400).value() == "2100-03-01T00:00:00Z");  // 2100 is no leap year
  BOOST_TEST(canonical_utc_from_unix(253402300799).value() == "9999-12-31T23:59:59Z");
  BOOST_TEST(!canonical_utc_from_unix(253402300800).has_value());
  BOOST_TEST(!canonical_utc_from_unix(-1).has_value());
  // Every day of a leap cycle round-trips through the strict validator.
  for (std::int64_t day = 0; day < 4 * 366; ++day)
    BOOST_TEST(is_canonical_utc_timestamp(canonical_utc_from_unix(946684800 + day * 86400 + 86399).value()));
}

BOOST_AUTO_TEST_CASE(messages_statuses_and_rejections_of_a_notification) {
  auto parsed = parse_whatsapp_notification(R"({"object":"whatsapp_business_account","entry":[
    {"id":"1","changes":[{"field":"messages","value":{"metadata":{"display_phone_number":"+44 (20) 7946-0000"},
      "messages":[{"from":"447700900123","id":"wamid.1","timestamp":"1700000000","type":"text","text":{"body":"hi"}},
                  {"from":"447700900123","id":"wamid.2","timestamp":"1700000001","type":"document",
                   "document":{"caption":"invoice.pdf","filename":"i.pdf"}},
                  {"from":"447700900123","id":"wamid.3","timestamp":"1700000002","type":"interactive",
                   "interactive":{"type":"list_reply","list_reply":{"id":"r","title":"Row one"}}},
                  {"from":"447700900123","id":"wamid.4","timestamp":"1700000003","type":"button",
                   "button":{"payload":"p","text":"Stop promotions"}},
                  {"from":"0123456789012345","id":"wamid.toolong","timestamp":"1700000004","type":"text","text":{"body":"x"}},
                  {"from":"447700900123","id":"wamid.nul","timestamp":"1700000004","type":"text","text":{"body":"a\u0000"}},
                  "not an object"],
      "statuses":[{"id":"wamid.0","status":"failed"},{"status":"sent"}]}}]},
    {"id":"2","changes":[{"field":"messages","value":{"messages":[
      {"from":"447700900123","id":"wamid.nometa","timestamp":"1700000005","type":"text","text":{"body":"x"}}]}}]},
    {"id":"3","changes":"not a list"}]})");
  BOOST_TEST_REQUIRE(parsed.errors.empty());
  const auto& n = *parsed.notification;
  BOOST_TEST_REQUIRE(n.messages.size() == 4u);
  BOOST_TEST(n.messages[0].message_id == "wamid.1");
  BOOST_TEST(n.messages[0].from == "+447700900123");
  BOOST_TEST(n.messages[0].to == "+442079460000");
  BOOST_TEST(n.messages[0].ts == "2023-11-14T22:13:20Z");
  BOOST_TEST(n.messages[0].text.value() == "hi");
  BOOST_TEST(n.messages[1].text.value() == "invoice.pdf");
  BOOST_TEST(n.messages[2].text.value() == "Row one");
  BOOST_TEST(n.messages[3].text.value() == "Stop promotions");
  // 16 digits is not E.164; U+0000 in a text is not stored; a non-object item
  // has no id; no metadata, no `to`.
  BOOST_TEST(n.rejected == (std::vector<std::string>{"wamid.toolong", "wamid.nul", "", "wamid.nometa"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(n.statuses.size() == 2u);
  BOOST_TEST(n.statuses[0].status == "failed");
  BOOST_TEST(n.statuses[1].id == "");
}

BOOST_AUTO_TEST_CASE(what_is_not_a_notification) {
  BOOST_TEST(parse_whatsapp_notification("").errors.at(0).type == "missing");
  BOOST_TEST(parse_whatsapp_notification("{\"object\":\"whatsapp_business_account\",\"entry\":[\xff]}").errors.at(0).type ==
             "json_invalid");
  BOOST_TEST(parse_whatsapp_notification("\"text\"").errors.at(0).type == "model_attributes_type");
  auto wrong = parse_whatsapp_notification(R"({"object":7,"entry":"x"})");
  BOOST_TEST_REQUIRE(wrong.errors.size() == 2u);
  BOOST_TEST(wrong.errors[0].type == "literal_error");
  BOOST_TEST(wrong.errors[1].type == "list_type");
  BOOST_TEST(!wrong.notification.has_value());
}
