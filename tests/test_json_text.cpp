// The JSON text writer behind GET /messages and GET /stats, checked against
// nlohmann's serializer (the reference) and its parser.
#define BOOST_TEST_MODULE test_json_text
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "core/message_page_json.hpp"
#include "core/utf8.hpp"
#include "http/json_bodies.hpp"

using namespace webhookd;
using nlohmann::json;

namespace {

std::string written(std::string_view value) {
  std::string out;
  append_json_string(out, value);
  return out;
}

std::string reference(const std::string& value) {
  return json(value).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

BOOST_AUTO_TEST_CASE(well_formed_text_is_written_as_nlohmann_writes_it) {
  std::vector<std::string> samples = {
    "", "plain", "quote \" and backslash \\", "tab\tnew\nline\rcr\bbs\fff",
    std::string("nul\0byte", 8), "\x01\x1f\x7f", "</script>", "100% _a_ \\%",
    "\xC3\xA9t\xC3\xA9", "\xE4\xBD\xA0\xE5\xA5\xBD", "\xF0\x9F\x98\x80", "e\xCC\x81",
    "\xEF\xBB\xBF bom", "\xF4\x8F\xBF\xBF max"};
  for (int c = 0; c < 0x80; ++c) samples.push_back(std::string(1, static_cast<char>(c)));
  for (const auto& s : samples) BOOST_TEST(written(s) == reference(s), "for " << json(s).dump());
}

// Plain runs are passed over 8 bytes at a time: every byte that needs care
// is found wherever it sits in such a block, and in the tail after it.
BOOST_AUTO_TEST_CASE(each_byte_is_found_at_every_position_of_a_longer_text) {
  for (int c = 0; c < 0x100; ++c) {
    for (std::size_t at = 0; at < 19; ++at) {
      std::string text(19, 'a');
      text[at] = static_cast<char>(c);
      if (c < 0x80) {
        BOOST_TEST(written(text) == reference(text), "byte " << c << " at " << at);
      } else {
        std::string expected = text;
        expected.replace(at, 1, "\xEF\xBF\xBD");
        BOOST_TEST(json::parse(written(text)).get<std::string>() == expected, "byte " << c << " at " << at);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_always_give_valid_json_and_keep_what_is_well_formed) {
  std::mt19937 random{7};
  for (int round = 0; round < 5000; ++round) {
    std::string bytes(random() % 40, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() % 256);
    const std::string out = written(bytes);
    json parsed;
    BOOST_REQUIRE_NO_THROW(parsed = json::parse(out));
    BOOST_REQUIRE(parsed.is_string());
    if (utf8_code_points(bytes)) {
      BOOST_TEST(parsed.get<std::string>() == bytes);
      BOOST_TEST(out == reference(bytes));
    } else {
      BOOST_TEST(parsed.get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_bytes_become_one_replacement_each) {
  BOOST_TEST(written("a\xFF" "b") == "\"a\xEF\xBF\xBD" "b\"");
  BOOST_TEST(written("\xC3") == "\"\xEF\xBF\xBD\"");                       // cut off
  BOOST_TEST(written("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");       // overlong
  BOOST_TEST(written("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

BOOST_AUTO_TEST_CASE(optional_and_integers) {
  std::string out;
  append_json_string_or_null(out, std::optional<std::string>{});
  out += ',';
  append_json_string_or_null(out, std::optional<std::string>{"x"});
  out += ',';
  append_json_int(out, -9007199254740993);
  BOOST_TEST(out == "null,\"x\",-9007199254740993");
}

BOOST_AUTO_TEST_CASE(message_page_json_has_the_spec_shape_and_order) {
  const auto expected = nlohmann::ordered_json::parse(
    R"({"data":[{"message_id":"m1","from":"+919876543210","to":"+14155550100","ts":"2025-01-15T10:00:00Z","text":"Hi \"there\"\n😀"},)"
    R"({"message_id":"m2","from":"+1","to":"+2","ts":"2025-01-15T10:00:01Z","text":null}],"total":1234567890123,"limit":2,"offset":7})");
  message_page_json page;
  page.add_row("m1", "+919876543210", "+14155550100", "2025-01-15T10:00:00Z",
               std::string_view("Hi \"there\"\n\xF0\x9F\x98\x80"));
  page.add_row("m2", "+1", "+2", "2025-01-15T10:00:01Z", std::nullopt);
  BOOST_TEST(page.rows() == 2u);
  const std::string body = page.finish(1234567890123, 2, 7);
  BOOST_TEST(body == expected.dump());
  // A writer given a used buffer (from the page pool) starts afresh.
  message_page_json again{std::string(5000, 'x')};
  again.add_row("m1", "+919876543210", "+14155550100", "2025-01-15T10:00:00Z",
                std::string_view("Hi \"there\"\n\xF0\x9F\x98\x80"));
  again.add_row("m2", "+1", "+2", "2025-01-15T10:00:01Z", std::nullopt);
  BOOST_TEST(again.finish(1234567890123, 2, 7) == body);
  BOOST_TEST(message_page_json{}.finish(0, 50, 0) == R"({"data":[],"total":0,"limit":50,"offset":0})");
}

BOOST_AUTO_TEST_CASE(stats_body_has_the_spec_shape_and_order) {
  stats_snapshot stats;
  BOOST_TEST(stats_body(stats) ==
             R"({"total_messages":0,"senders_count":0,"messages_per_sender":[],"first_message_ts":null,"last_message_ts":null})");
  stats.total_messages = 3;
  stats.senders_count = 2;
  stats.messages_per_sender = {{"+1", 2}, {"+2", 1}};
  stats.first_message_ts = "2025-01-15T10:00:00Z";
  stats.last_message_ts = "2025-01-16T10:00:00Z";
  BOOST_TEST(stats_body(stats) ==
             R"({"total_messages":3,"senders_count":2,"messages_per_sender":[{"from":"+1","count":2},{"from":"+2","count":1}],"first_message_ts":"2025-01-15T10:00:00Z","last_message_ts":"2025-01-16T10:00:00Z"})");
}
