// Unit tests for the pure validation logic in core/: UTF-8, timestamps,
// E.164 numbers, the webhook body and the GET /messages query.
#define BOOST_TEST_MODULE test_validation
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/field_error.hpp"
#include "core/list_query.hpp"
#include "core/msisdn.hpp"
#include "core/timestamp.hpp"
#include "core/utf8.hpp"
#include "core/webhook_payload.hpp"

using namespace webhookd;
using nlohmann::json;

namespace {

std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

json valid_body() {
  return json{{"message_id", "m1"},
              {"from", "+919876543210"},
              {"to", "+14155550100"},
              {"ts", "2025-01-15T10:00:00Z"},
              {"text", "Hello"}};
}

webhook_parse_result parse(const json& body) { return parse_webhook_payload(body.dump()); }

// Checks that `r` holds exactly one error with this type and loc.
void expect_single_error(const webhook_parse_result& r, const std::string& type,
                         const std::vector<std::string>& loc) {
  BOOST_TEST(!r.record.has_value());
  BOOST_TEST_REQUIRE(r.errors.size() == 1U);
  BOOST_TEST(r.errors[0].type == type);
  BOOST_TEST(r.errors[0].loc == loc, boost::test_tools::per_element());
  BOOST_TEST(!r.errors[0].msg.empty());
}

using params_t = std::vector<std::pair<std::string, std::string>>;

void expect_query_error(const list_query_result& r, const std::string& name,
                        const std::string& type) {
  BOOST_TEST(!r.query.has_value());
  BOOST_TEST_REQUIRE(r.errors.size() == 1U);
  BOOST_TEST(r.errors[0].type == type);
  const std::vector<std::string> loc{"query", name};
  BOOST_TEST(r.errors[0].loc == loc, boost::test_tools::per_element());
}

}  // namespace

// ---------------------------------------------------------------- utf8

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(counts_code_points_not_bytes) {
  BOOST_TEST(utf8_code_points("").value() == 0U);
  BOOST_TEST(utf8_code_points("abc").value() == 3U);
  BOOST_TEST(utf8_code_points("\xC3\xA9").value() == 1U);                 // é
  BOOST_TEST(utf8_code_points("\xE2\x82\xAC").value() == 1U);             // €
  BOOST_TEST(utf8_code_points("\xF0\x9F\x98\x80").value() == 1U);         // 😀
  BOOST_TEST(utf8_code_points("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z").value() == 5U);
  BOOST_TEST(utf8_code_points("\xF4\x8F\xBF\xBF").value() == 1U);         // U+10FFFF
  BOOST_TEST(utf8_code_points("\xEF\xBF\xBF").value() == 1U);             // U+FFFF
  BOOST_TEST(utf8_code_points(std::string_view("a\0b", 3)).value() == 3U);
}

BOOST_AUTO_TEST_CASE(rejects_overlong_forms) {
  BOOST_TEST(!utf8_code_points("\xC0\xAF").has_value());          // '/' in 2 bytes
  BOOST_TEST(!utf8_code_points("\xC1\xBF").has_value());
  BOOST_TEST(!utf8_code_points("\xE0\x80\xAF").has_value());      // '/' in 3 bytes
  BOOST_TEST(!utf8_code_points("\xE0\x9F\xBF").has_value());      // U+07FF in 3 bytes
  BOOST_TEST(!utf8_code_points("\xF0\x8F\xBF\xBF").has_value());  // U+FFFF in 4 bytes
  BOOST_TEST(utf8_code_points("\xE0\xA0\x80").value() == 1U);     // U+0800, shortest
}

BOOST_AUTO_TEST_CASE(rejects_surrogates_and_out_of_range) {
  BOOST_TEST(!utf8_code_points("\xED\xA0\x80").has_value());  // U+D800
  BOOST_TEST(!utf8_code_points("\xED\xBF\xBF").has_value());  // U+DFFF
  BOOST_TEST(utf8_code_points("\xED\x9F\xBF").value() == 1U);  // U+D7FF is fine
  BOOST_TEST(!utf8_code_points("\xF4\x90\x80\x80").has_value());  // U+110000
  BOOST_TEST(!utf8_code_points("\xF5\x80\x80\x80").has_value());
  BOOST_TEST(!utf8_code_points("\xF8\x88\x80\x80\x80").has_value());
  BOOST_TEST(!utf8_code_points("\xFF").has_value());
}

BOOST_AUTO_TEST_CASE(rejects_truncated_and_stray_bytes) {
  BOOST_TEST(!utf8_code_points("\xC3").has_value());
  BOOST_TEST(!utf8_code_points("ab\xE2\x82").has_value());
  BOOST_TEST(!utf8_code_points("\xF0\x9F\x98").has_value());
  BOOST_TEST(!utf8_code_points("\xE2\x82z").has_value());  // continuation expected
  BOOST_TEST(!utf8_code_points("\x80").has_value());        // lone continuation
  BOOST_TEST(!utf8_code_points("a\xBF" "b").has_value());
  // Views that stop mid-sequence while the buffer goes on with valid
  // continuation bytes: the end of the view, not the data, must decide.
  const char buffer[] = "\xF0\x9F\x98\x80";
  BOOST_TEST(!utf8_code_points(std::string_view(buffer, 1)).has_value());
  BOOST_TEST(!utf8_code_points(std::string_view(buffer, 2)).has_value());
  BOOST_TEST(!utf8_code_points(std::string_view(buffer, 3)).has_value());
  BOOST_TEST(utf8_code_points(std::string_view(buffer, 4)).value() == 1U);
  const char two_byte[] = "x\xC3\xA9";
  BOOST_TEST(!utf8_code_points(std::string_view(two_byte, 2)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- timestamps

BOOST_AUTO_TEST_SUITE(canonical_timestamp)

BOOST_AUTO_TEST_CASE(accepts_real_instants) {
  BOOST_TEST(is_canonical_utc_timestamp("2025-01-15T10:00:00Z"));
  BOOST_TEST(is_canonical_utc_timestamp("2024-02-29T12:00:00Z"));  // leap day
  BOOST_TEST(is_canonical_utc_timestamp("2000-02-29T00:00:00Z"));  // 400-year leap
  BOOST_TEST(is_canonical_utc_timestamp("2025-12-31T23:59:59Z"));
  BOOST_TEST(is_canonical_utc_timestamp("2025-01-01T00:00:00Z"));
  BOOST_TEST(is_canonical_utc_timestamp("0001-01-01T00:00:00Z"));
  BOOST_TEST(is_canonical_utc_timestamp("9999-12-31T23:59:59Z"));
}

BOOST_AUTO_TEST_CASE(rejects_impossible_dates_and_times) {
  BOOST_TEST(!is_canonical_utc_timestamp("2025-02-29T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-02-30T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("1900-02-29T10:00:00Z"));  // century, not leap
  BOOST_TEST(!is_canonical_utc_timestamp("2025-04-31T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-13-01T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-00-01T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-00T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T24:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:60:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:60Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("0000-01-01T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(rejects_other_spellings) {
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15t10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15 10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:00z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:00"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:00+00:00"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:00.000Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T10:00:00Z "));
  BOOST_TEST(!is_canonical_utc_timestamp(" 2025-01-15T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-1-15T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15T1:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("+025-01-15T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp("2025/01/15T10:00:00Z"));
  BOOST_TEST(!is_canonical_utc_timestamp(""));
  BOOST_TEST(!is_canonical_utc_timestamp("2025-01-15"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(since)

BOOST_AUTO_TEST_CASE(canonical_input_is_returned_unchanged) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00Z").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00z").value() == "2025-01-15T09:30:00Z");
}

BOOST_AUTO_TEST_CASE(separators) {
  BOOST_TEST(since_lower_bound("2025-01-15t09:30:00Z").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15 09:30:00Z").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(!since_lower_bound("2025-01-15_09:30:00Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15  09:30:00Z").has_value());
}

BOOST_AUTO_TEST_CASE(missing_zone_means_utc) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00").value() == "2025-01-15T09:30:00Z");
}

BOOST_AUTO_TEST_CASE(date_only_means_midnight_utc) {
  BOOST_TEST(since_lower_bound("2025-01-15").value() == "2025-01-15T00:00:00Z");
  BOOST_TEST(!since_lower_bound("2025-02-30").has_value());
}

BOOST_AUTO_TEST_CASE(fraction_rounds_up_to_next_second) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00.5Z").value() == "2025-01-15T09:30:01Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00.000000001Z").value() ==
             "2025-01-15T09:30:01Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:59.9Z").value() == "2025-01-15T09:31:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:59:59.1Z").value() == "2025-01-15T10:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T23:59:59.1Z").value() == "2025-01-16T00:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-31T23:59:59.1Z").value() == "2025-02-01T00:00:00Z");
  BOOST_TEST(since_lower_bound("2024-02-28T23:59:59.1Z").value() == "2024-02-29T00:00:00Z");
  BOOST_TEST(since_lower_bound("2025-12-31T23:59:59.5Z").value() == "2026-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(zero_fraction_is_not_rounded) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00.000Z").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00.0").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00.000000000+00:00").value() ==
             "2025-01-15T09:30:00Z");
}

BOOST_AUTO_TEST_CASE(fraction_shape) {
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00.Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00.0000000001Z").has_value());  // 10 digits
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00,5Z").has_value());
}

BOOST_AUTO_TEST_CASE(offsets) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00+00:00").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00-00:00").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00+05:30").value() == "2025-01-15T04:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00+0530").value() == "2025-01-15T04:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00-08:00").value() == "2025-01-15T17:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T20:00:00-05:00").value() == "2025-01-16T01:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-01T01:00:00+02:00").value() == "2024-12-31T23:00:00Z");
  BOOST_TEST(since_lower_bound("2024-03-01T00:30:00+01:00").value() == "2024-02-29T23:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T00:00:00+23:59").value() == "2025-01-14T00:01:00Z");
  // Rounding and offset together: 04:59:59.2+05:00 is 23:59:59.2 the day before.
  BOOST_TEST(since_lower_bound("2025-01-01T04:59:59.2+05:00").value() ==
             "2025-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(space_where_the_plus_was) {
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00 00:00").value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15T09:30:00 05:30").value() == "2025-01-15T04:00:00Z");
  BOOST_TEST(since_lower_bound("2025-01-15 09:30:00.25 0100").value() ==
             "2025-01-15T08:30:01Z");
}

BOOST_AUTO_TEST_CASE(bad_offsets) {
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+24:00").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+05:60").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+5:30").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+05").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+05:3").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00+05:300").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00Z+00:00").has_value());
}

BOOST_AUTO_TEST_CASE(junk_and_invalid_values) {
  BOOST_TEST(!since_lower_bound("").has_value());
  BOOST_TEST(!since_lower_bound("yesterday").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00Zjunk").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30:00Z ").has_value());
  BOOST_TEST(!since_lower_bound(" 2025-01-15T09:30:00Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T09:30Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T").has_value());
  BOOST_TEST(!since_lower_bound("2025-02-30T10:00:00Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T24:00:00Z").has_value());
  BOOST_TEST(!since_lower_bound("2025-01-15T10:00:60Z").has_value());
  BOOST_TEST(!since_lower_bound("1736933400").has_value());
}

BOOST_AUTO_TEST_CASE(year_range_after_conversion) {
  BOOST_TEST(since_lower_bound("0001-01-01T00:30:00+01:00").value() == "0000-12-31T23:30:00Z");
  BOOST_TEST(since_lower_bound("9999-12-31T23:59:59Z").value() == "9999-12-31T23:59:59Z");
  BOOST_TEST(!since_lower_bound("9999-12-31T23:59:59.5Z").has_value());
  BOOST_TEST(!since_lower_bound("9999-12-31T23:00:00-01:00").has_value());
}

BOOST_AUTO_TEST_CASE(bound_orders_like_the_instant) {
  // ts >= bound must hold exactly for stored values at or after the instant.
  const std::string bound = since_lower_bound("2025-01-15T09:30:00.4+00:00").value();
  BOOST_TEST(!(std::string("2025-01-15T09:30:00Z") >= bound));
  BOOST_TEST(std::string("2025-01-15T09:30:01Z") >= bound);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- E.164

BOOST_AUTO_TEST_CASE(e164) {
  BOOST_TEST(is_e164("+919876543210"));
  BOOST_TEST(is_e164("+1"));
  BOOST_TEST(is_e164("+123456789012345"));   // 15 digits
  BOOST_TEST(!is_e164("+1234567890123456"));  // 16 digits
  BOOST_TEST(!is_e164("+"));
  BOOST_TEST(!is_e164(""));
  BOOST_TEST(!is_e164("919876543210"));
  BOOST_TEST(!is_e164("++91"));
  BOOST_TEST(!is_e164(" +91"));
  BOOST_TEST(!is_e164("+91 98765"));
  BOOST_TEST(!is_e164("+91-98765"));
  BOOST_TEST(!is_e164("+91\n"));
  BOOST_TEST(!is_e164("+9a"));
  BOOST_TEST(!is_e164("+\xD9\xA1"));  // ARABIC-INDIC DIGIT ONE is not ASCII
}

// ---------------------------------------------------------------- webhook body

BOOST_AUTO_TEST_SUITE(webhook_payload)

BOOST_AUTO_TEST_CASE(valid_full_body) {
  const auto r = parse(valid_body());
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(r.record->message_id == "m1");
  BOOST_TEST(r.record->from == "+919876543210");
  BOOST_TEST(r.record->to == "+14155550100");
  BOOST_TEST(r.record->ts == "2025-01-15T10:00:00Z");
  BOOST_TEST(r.record->text.value() == "Hello");
  BOOST_TEST(r.message_id.value() == "m1");
}

BOOST_AUTO_TEST_CASE(exact_raw_body_with_whitespace_and_escapes) {
  const auto r = parse_webhook_payload(
      "  {\"message_id\" : \"m\\u00e9\", \"from\":\"+1\",\"to\":\"+2\",\n"
      "   \"ts\":\"2024-02-29T23:59:59Z\", \"text\":\"line\\nbreak \\ud83d\\ude00\"}\n");
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(r.record->message_id == "m\xC3\xA9");
  BOOST_TEST(r.record->text.value() == "line\nbreak \xF0\x9F\x98\x80");
}

BOOST_AUTO_TEST_CASE(text_absent_or_null_is_nullopt) {
  json body = valid_body();
  body.erase("text");
  auto r = parse(body);
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(!r.record->text.has_value());

  body["text"] = nullptr;
  r = parse(body);
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(!r.record->text.has_value());

  body["text"] = "";
  r = parse(body);
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(r.record->text.value() == "");
}

BOOST_AUTO_TEST_CASE(text_length_is_in_code_points) {
  json body = valid_body();
  body["text"] = repeat("\xC3\xA9", 4096);  // 4096 chars, 8192 bytes
  auto r = parse(body);
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(r.record->text->size() == 8192U);

  body["text"] = repeat("\xF0\x9F\x98\x80", 4096);  // 4-byte chars
  r = parse(body);
  BOOST_TEST(r.record.has_value());

  body["text"] = repeat("a", 4096);
  BOOST_TEST(parse(body).record.has_value());

  body["text"] = repeat("\xC3\xA9", 4097);
  r = parse(body);
  expect_single_error(r, "string_too_long", {"body", "text"});
  BOOST_TEST(r.errors[0].msg == "String should have at most 4096 characters");

  body["text"] = repeat("a", 4097);
  expect_single_error(parse(body), "string_too_long", {"body", "text"});
}

BOOST_AUTO_TEST_CASE(text_of_wrong_type) {
  for (const json& bad : {json(5), json(true), json::array({"a"}), json::object()}) {
    json body = valid_body();
    body["text"] = bad;
    const auto r = parse(body);
    expect_single_error(r, "string_type", {"body", "text"});
    BOOST_TEST(r.errors[0].msg == "Input should be a valid string");
  }
}

BOOST_AUTO_TEST_CASE(message_id_length) {
  json body = valid_body();
  body["message_id"] = repeat("x", 256);
  BOOST_TEST(parse(body).record.has_value());

  body["message_id"] = repeat("\xE2\x82\xAC", 256);  // 256 chars, 768 bytes
  BOOST_TEST(parse(body).record.has_value());

  body["message_id"] = repeat("x", 257);
  auto r = parse(body);
  expect_single_error(r, "string_too_long", {"body", "message_id"});
  BOOST_TEST(r.errors[0].msg == "String should have at most 256 characters");

  body["message_id"] = "";
  r = parse(body);
  expect_single_error(r, "string_too_short", {"body", "message_id"});
  BOOST_TEST(r.errors[0].msg == "String should have at least 1 character");
  BOOST_TEST(r.message_id.value() == "");  // still captured: it was a string
}

BOOST_AUTO_TEST_CASE(every_required_field_missing_null_or_wrong_type) {
  for (const char* field : {"message_id", "from", "to", "ts"}) {
    BOOST_TEST_CONTEXT("field " << field) {
      json body = valid_body();
      body.erase(field);
      auto r = parse(body);
      expect_single_error(r, "missing", {"body", field});
      BOOST_TEST(r.errors[0].msg == "Field required");

      body[field] = nullptr;
      r = parse(body);
      expect_single_error(r, "string_type", {"body", field});
      BOOST_TEST(r.errors[0].msg == "Input should be a valid string");

      body[field] = 12345;
      expect_single_error(parse(body), "string_type", {"body", field});

      body[field] = json::array();
      expect_single_error(parse(body), "string_type", {"body", field});
    }
  }
}

BOOST_AUTO_TEST_CASE(msisdn_fields_need_e164) {
  for (const char* field : {"from", "to"}) {
    for (const char* bad : {"919876543210", "+", "+1234567890123456", "+91 98", "", "+91a"}) {
      BOOST_TEST_CONTEXT(field << " = '" << bad << "'") {
        json body = valid_body();
        body[field] = bad;
        const auto r = parse(body);
        expect_single_error(r, "string_pattern_mismatch", {"body", field});
        BOOST_TEST(r.errors[0].msg == "String should match pattern '^\\+[0-9]{1,15}$'");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(ts_needs_canonical_utc) {
  for (const char* bad : {"2025-02-30T10:00:00Z", "2025-01-15T24:00:00Z", "2025-01-15T10:00:00",
                          "2025-01-15T10:00:00+00:00", "2025-01-15T10:00:00.000Z",
                          "2025-01-15 10:00:00Z", "", "yesterday"}) {
    BOOST_TEST_CONTEXT("ts = '" << bad << "'") {
      json body = valid_body();
      body["ts"] = bad;
      const auto r = parse(body);
      expect_single_error(r, "datetime_format", {"body", "ts"});
      BOOST_TEST(r.errors[0].msg == "Input should be a UTC timestamp YYYY-MM-DDTHH:MM:SSZ");
    }
  }
}

BOOST_AUTO_TEST_CASE(several_errors_in_field_order) {
  const auto r = parse_webhook_payload(
      R"({"text": 7, "ts": "nope", "to": null, "from": "123", "message_id": "abc"})");
  BOOST_TEST(!r.record.has_value());
  BOOST_TEST(r.message_id.value() == "abc");
  BOOST_TEST_REQUIRE(r.errors.size() == 4U);
  BOOST_TEST(r.errors[0].type == "string_pattern_mismatch");
  BOOST_TEST(r.errors[0].loc[1] == "from");
  BOOST_TEST(r.errors[1].type == "string_type");
  BOOST_TEST(r.errors[1].loc[1] == "to");
  BOOST_TEST(r.errors[2].type == "datetime_format");
  BOOST_TEST(r.errors[2].loc[1] == "ts");
  BOOST_TEST(r.errors[3].type == "string_type");
  BOOST_TEST(r.errors[3].loc[1] == "text");

  const auto empty = parse_webhook_payload("{}");
  BOOST_TEST_REQUIRE(empty.errors.size() == 4U);
  const char* expected[] = {"message_id", "from", "to", "ts"};
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(empty.errors[i].type == "missing");
    BOOST_TEST(empty.errors[i].loc[1] == expected[i]);
  }
  BOOST_TEST(!empty.message_id.has_value());
}

BOOST_AUTO_TEST_CASE(message_id_captured_when_other_fields_fail) {
  json body = valid_body();
  body["from"] = "bad";
  body["message_id"] = "keep-me";
  const auto r = parse(body);
  BOOST_TEST(!r.record.has_value());
  BOOST_TEST(r.message_id.value() == "keep-me");

  body["message_id"] = 42;  // not a string: nothing to capture
  BOOST_TEST(!parse(body).message_id.has_value());
}

BOOST_AUTO_TEST_CASE(body_level_errors) {
  auto r = parse_webhook_payload("");
  expect_single_error(r, "missing", {"body"});
  BOOST_TEST(r.errors[0].msg == "Field required");

  for (const char* bad : {"not json", "{", "{\"message_id\":\"m1\",}", "   ", "{'a':1}",
                          "{\"a\":1} trailing", "[1,2"}) {
    BOOST_TEST_CONTEXT("body '" << bad << "'") {
      r = parse_webhook_payload(bad);
      expect_single_error(r, "json_invalid", {"body"});
      BOOST_TEST(r.errors[0].msg == "JSON decode error");
    }
  }

  for (const char* not_object : {"[]", "[{\"message_id\":\"m1\"}]", "\"str\"", "42", "null",
                                 "true"}) {
    BOOST_TEST_CONTEXT("body '" << not_object << "'") {
      r = parse_webhook_payload(not_object);
      expect_single_error(r, "model_attributes_type", {"body"});
      BOOST_TEST(r.errors[0].msg ==
                 "Input should be a valid dictionary or object to extract fields from");
    }
  }
}

BOOST_AUTO_TEST_CASE(deeply_nested_body_does_not_crash) {
  // 64 KiB is the largest body accepted; nesting that deep must neither
  // overflow the stack while parsing nor while destroying the document.
  const std::size_t depth = 32768;
  expect_single_error(parse_webhook_payload(repeat("[", depth) + repeat("]", depth)),
                      "model_attributes_type", {"body"});
  const auto r = parse_webhook_payload("{\"extra\":" + repeat("[", depth - 8) +
                                       repeat("]", depth - 8) + "}");
  BOOST_TEST(r.errors.size() == 4U);  // only the four missing required fields
  expect_single_error(parse_webhook_payload(repeat("[", depth)), "json_invalid", {"body"});
}

BOOST_AUTO_TEST_CASE(invalid_utf8_body) {
  std::string body = valid_body().dump();
  body.replace(body.find("Hello"), 5, "He\xC0\xAFlo");  // overlong inside a string
  expect_single_error(parse_webhook_payload(body), "json_invalid", {"body"});

  body = valid_body().dump();
  body.replace(body.find("Hello"), 5, "He\xED\xA0\x80lo");  // raw surrogate
  expect_single_error(parse_webhook_payload(body), "json_invalid", {"body"});

  // A lone surrogate written as an escape is not valid text either.
  body = valid_body().dump();
  body.replace(body.find("Hello"), 5, "\\ud800");
  expect_single_error(parse_webhook_payload(body), "json_invalid", {"body"});
}

BOOST_AUTO_TEST_CASE(extra_fields_ignored_and_last_duplicate_wins) {
  json body = valid_body();
  body["extra"] = json::object({{"nested", json::array({1, 2, 3})}});
  body["priority"] = 5;
  BOOST_TEST(parse(body).record.has_value());

  const auto r = parse_webhook_payload(
      R"({"message_id":"first","message_id":"second","from":"+1","to":"+2",)"
      R"("ts":"2025-01-15T10:00:00Z"})");
  BOOST_TEST_REQUIRE(r.record.has_value());
  BOOST_TEST(r.record->message_id == "second");
}

BOOST_AUTO_TEST_CASE(error_body_shape) {
  const auto r = parse_webhook_payload(R"({"message_id":"m","from":"x","to":"+2","ts":"bad"})");
  const json body = validation_error_body(r.errors);
  BOOST_TEST_REQUIRE(body.at("detail").is_array());
  BOOST_TEST_REQUIRE(body["detail"].size() == 2U);
  const json& first = body["detail"][0];
  BOOST_TEST(first.at("type").get<std::string>() == "string_pattern_mismatch");
  BOOST_TEST(first.at("loc") == json::array({"body", "from"}));
  BOOST_TEST(first.at("msg").is_string());
  BOOST_TEST(first.size() == 3U);  // no "input" echo
  BOOST_TEST(body.dump().find("\"x\"") == std::string::npos);

  BOOST_TEST(validation_error_body({}).dump() == R"({"detail":[]})");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- GET /messages

BOOST_AUTO_TEST_SUITE(list_query)

BOOST_AUTO_TEST_CASE(defaults) {
  const auto r = parse_list_query({});
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.query.has_value());
  BOOST_TEST(r.query->limit == 50);
  BOOST_TEST(r.query->offset == 0);
  BOOST_TEST(!r.query->from.has_value());
  BOOST_TEST(!r.query->since.has_value());
  BOOST_TEST(!r.query->q.has_value());
}

BOOST_AUTO_TEST_CASE(all_parameters) {
  const auto r = parse_list_query({{"limit", "2"},
                                   {"offset", "10"},
                                   {"from", "+919876543210"},
                                   {"since", "2025-01-15T09:30:00Z"},
                                   {"q", "Hello"},
                                   {"unknown", "whatever"}});
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.query.has_value());
  BOOST_TEST(r.query->limit == 2);
  BOOST_TEST(r.query->offset == 10);
  BOOST_TEST(r.query->from.value() == "+919876543210");
  BOOST_TEST(r.query->since.value() == "2025-01-15T09:30:00Z");
  BOOST_TEST(r.query->q.value() == "Hello");
}

BOOST_AUTO_TEST_CASE(limit_bounds) {
  BOOST_TEST(parse_list_query({{"limit", "1"}}).query->limit == 1);
  BOOST_TEST(parse_list_query({{"limit", "100"}}).query->limit == 100);
  BOOST_TEST(parse_list_query({{"limit", "007"}}).query->limit == 7);

  auto r = parse_list_query({{"limit", "0"}});
  expect_query_error(r, "limit", "greater_than_equal");
  BOOST_TEST(r.errors[0].msg == "Input should be greater than or equal to 1");

  expect_query_error(parse_list_query({{"limit", "-5"}}), "limit", "greater_than_equal");

  r = parse_list_query({{"limit", "101"}});
  expect_query_error(r, "limit", "less_than_equal");
  BOOST_TEST(r.errors[0].msg == "Input should be less than or equal to 100");

  // Large but within int64: still a range error, not a parse error.
  expect_query_error(parse_list_query({{"limit", "99999999999"}}), "limit", "less_than_equal");
}

BOOST_AUTO_TEST_CASE(limit_not_an_integer) {
  for (const char* bad : {"abc", "1.5", "1.0", "", " 5", "5 ", "+5", "1e2", "0x10", "-",
                          "99999999999999999999999", "5abc"}) {
    BOOST_TEST_CONTEXT("limit = '" << bad << "'") {
      const auto r = parse_list_query({{"limit", bad}});
      expect_query_error(r, "limit", "int_parsing");
      BOOST_TEST(r.errors[0].msg ==
                 "Input should be a valid integer, unable to parse string as an integer");
    }
  }
}

BOOST_AUTO_TEST_CASE(offset_rules) {
  BOOST_TEST(parse_list_query({{"offset", "0"}}).query->offset == 0);
  BOOST_TEST(parse_list_query({{"offset", "9223372036854775807"}}).query->offset ==
             INT64_MAX);

  auto r = parse_list_query({{"offset", "-1"}});
  expect_query_error(r, "offset", "greater_than_equal");
  BOOST_TEST(r.errors[0].msg == "Input should be greater than or equal to 0");

  expect_query_error(parse_list_query({{"offset", "-9223372036854775808"}}), "offset",
                     "greater_than_equal");
  expect_query_error(parse_list_query({{"offset", "9223372036854775808"}}), "offset",
                     "int_parsing");
  expect_query_error(parse_list_query({{"offset", "-9223372036854775809"}}), "offset",
                     "int_parsing");
  expect_query_error(parse_list_query({{"offset", "x"}}), "offset", "int_parsing");
}

BOOST_AUTO_TEST_CASE(a_nul_byte_in_a_string_filter_is_refused) {
  using namespace std::string_literals;
  for (const char* name : {"from", "since", "q"}) {
    for (const auto& value : {"\0"s, "He\0x"s, "x\0"s})
      expect_query_error(parse_list_query({{name, value}}), name, "value_error");
  }
  // One error per filter, in parameter order, beside the others.
  auto r = parse_list_query({{"q", "a\0"s}, {"limit", "0"}, {"from", "\0"s}});
  BOOST_TEST_REQUIRE(r.errors.size() == 3u);
  BOOST_TEST(r.errors[0].loc[1] == "limit");
  BOOST_TEST(r.errors[1].loc[1] == "from");
  BOOST_TEST(r.errors[2].loc[1] == "q");
  // The filters without one are unaffected.
  BOOST_TEST(parse_list_query({{"q", "He"}}).query->q.value() == "He");
}

BOOST_AUTO_TEST_CASE(from_leading_space_is_plus) {
  BOOST_TEST(parse_list_query({{"from", " 919876543210"}}).query->from.value() ==
             "+919876543210");
  BOOST_TEST(parse_list_query({{"from", "+919876543210"}}).query->from.value() ==
             "+919876543210");
  // Only the first character is a decoded '+'; the rest is kept literally.
  BOOST_TEST(parse_list_query({{"from", " 91 98"}}).query->from.value() == "+91 98");
  BOOST_TEST(parse_list_query({{"from", "alice"}}).query->from.value() == "alice");
  BOOST_TEST(!parse_list_query({{"from", ""}}).query->from.has_value());
}

BOOST_AUTO_TEST_CASE(since_forms) {
  BOOST_TEST(parse_list_query({{"since", "2025-01-15T09:30:00Z"}}).query->since.value() ==
             "2025-01-15T09:30:00Z");
  BOOST_TEST(parse_list_query({{"since", "2025-01-15T09:30:00+00:00"}}).query->since.value() ==
             "2025-01-15T09:30:00Z");
  BOOST_TEST(parse_list_query({{"since", "2025-01-15T09:30:00 00:00"}}).query->since.value() ==
             "2025-01-15T09:30:00Z");
  BOOST_TEST(parse_list_query({{"since", "2025-01-15T09:30:00.123Z"}}).query->since.value() ==
             "2025-01-15T09:30:01Z");
  BOOST_TEST(!parse_list_query({{"since", ""}}).query->since.has_value());

  const auto r = parse_list_query({{"since", "2025-01-15T09:30"}});
  expect_query_error(r, "since", "datetime_from_date_parsing");
  BOOST_TEST(r.errors[0].msg == "Input should be a valid datetime");
  expect_query_error(parse_list_query({{"since", "2025-02-30T00:00:00Z"}}), "since",
                     "datetime_from_date_parsing");
}

BOOST_AUTO_TEST_CASE(q_is_literal) {
  BOOST_TEST(parse_list_query({{"q", "50%_off\\"}}).query->q.value() == "50%_off\\");
  BOOST_TEST(parse_list_query({{"q", " hello "}}).query->q.value() == " hello ");
  BOOST_TEST(!parse_list_query({{"q", ""}}).query->q.has_value());
}

BOOST_AUTO_TEST_CASE(repeated_parameter_last_wins) {
  const auto r = parse_list_query(
      {{"limit", "5"}, {"limit", "7"}, {"q", "a"}, {"q", "b"}, {"from", "+1"}, {"from", "+2"}});
  BOOST_TEST_REQUIRE(r.query.has_value());
  BOOST_TEST(r.query->limit == 7);
  BOOST_TEST(r.query->q.value() == "b");
  BOOST_TEST(r.query->from.value() == "+2");

  // An earlier bad value is overridden by a later good one, and vice versa.
  BOOST_TEST(parse_list_query({{"limit", "abc"}, {"limit", "3"}}).query->limit == 3);
  expect_query_error(parse_list_query({{"limit", "3"}, {"limit", "0"}}), "limit",
                     "greater_than_equal");
}

BOOST_AUTO_TEST_CASE(names_are_case_sensitive) {
  const auto r = parse_list_query({{"LIMIT", "0"}, {"Limit", "abc"}});
  BOOST_TEST_REQUIRE(r.query.has_value());
  BOOST_TEST(r.query->limit == 50);
}

BOOST_AUTO_TEST_CASE(several_errors_in_parameter_order) {
  const auto r = parse_list_query({{"since", "bad"}, {"offset", "-1"}, {"limit", "x"}});
  BOOST_TEST(!r.query.has_value());
  BOOST_TEST_REQUIRE(r.errors.size() == 3U);
  BOOST_TEST(r.errors[0].loc[1] == "limit");
  BOOST_TEST(r.errors[1].loc[1] == "offset");
  BOOST_TEST(r.errors[2].loc[1] == "since");
  BOOST_TEST(r.errors[0].loc[0] == "query");
}

BOOST_AUTO_TEST_SUITE_END()
