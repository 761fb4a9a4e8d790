#include "core/list_query.hpp"

#include <cstdint>
#include <limits>
#include <string_view>

#include "core/timestamp.hpp"

namespace webhookd {

namespace {

constexpr int min_limit = 1;
constexpr int max_limit = 100;

// Plain ASCII digits with an optional leading '-', no spaces, no '+', no
// fraction. The '-' is accepted so "-1" reports the range error, as Pydantic
// does, rather than a parse error. nullopt when not an integer or when it does
// not fit in 64 bits.
std::optional<std::int64_t> parse_int64(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  // Accumulate as a negative number: its range is one larger, so INT64_MIN
  // parses without overflow.
  constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  std::int64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (lowest + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (negative) return value;
  if (value == lowest) return std::nullopt;
  return -value;
}

field_error query_error(const char* name, std::string type, std::string msg) {
  return field_error{std::move(type), {"query", name}, std::move(msg)};
}

const char* const msg_int_parsing =
    "Input should be a valid integer, unable to parse string as an integer";

// A NUL byte (%00) in a string filter is refused before anything reaches SQL:
// SQLite's C string functions would end the text there, so "He%00x" would
// have searched for "He" (and "%00" for everything). The answer has the shape
// of a Pydantic custom validator's error.
bool has_nul(const std::string& value) { return value.find('\0') != std::string::npos; }

field_error nul_error(const char* name) {
  return query_error(name, "value_error", "Value error, must not contain a NUL character");
}

}  // namespace

list_query_result parse_list_query(
    const std::vector<std::pair<std::string, std::string>>& params) {
  // Last occurrence wins, like Starlette's QueryParams for scalar parameters.
  const std::string* limit_raw = nullptr;
  const std::string* offset_raw = nullptr;
  const std::string* from_raw = nullptr;
  const std::string* since_raw = nullptr;
  const std::string* q_raw = nullptr;
  for (const auto& [name, value] : params) {
    if (name == "limit") limit_raw = &value;
    else if (name == "offset") offset_raw = &value;
    else if (name == "from") from_raw = &value;
    else if (name == "since") since_raw = &value;
    else if (name == "q") q_raw = &value;
  }

  list_query_result result;
  message_query query;

  if (limit_raw != nullptr) {
    const auto v = parse_int64(*limit_raw);
    if (!v) {
      result.errors.push_back(query_error("limit", "int_parsing", msg_int_parsing));
    } else if (*v < min_limit) {
      result.errors.push_back(query_error("limit", "greater_than_equal",
                                          "Input should be greater than or equal to 1"));
    } else if (*v > max_limit) {
      result.errors.push_back(query_error("limit", "less_than_equal",
                                          "Input should be less than or equal to 100"));
    } else {
      query.limit = static_cast<int>(*v);
    }
  }

  if (offset_raw != nullptr) {
    const auto v = parse_int64(*offset_raw);
    if (!v) {
      result.errors.push_back(query_error("offset", "int_parsing", msg_int_parsing));
    } else if (*v < 0) {
      result.errors.push_back(query_error("offset", "greater_than_equal",
                                          "Input should be greater than or equal to 0"));
    } else {
      query.offset = *v;
    }
  }

  // Empty filter values (from=, since=, q=), as an HTML form sends for blank
  // fields, mean "no filter" rather than "match the empty string".
  if (from_raw != nullptr && has_nul(*from_raw)) {
    result.errors.push_back(nul_error("from"));
  } else if (from_raw != nullptr && !from_raw->empty()) {
    std::string from = *from_raw;
    // A raw '+' in a URL decodes to a space, and a sender never starts with a
    // space, so "from=+9198..." and "from=%2B9198..." must mean the same.
    if (from.front() == ' ') from.front() = '+';
    query.from = std::move(from);
  }

  if (since_raw != nullptr && has_nul(*since_raw)) {
    result.errors.push_back(nul_error("since"));
  } else if (since_raw != nullptr && !since_raw->empty()) {
    if (auto bound = since_lower_bound(*since_raw)) {
      query.since = std::move(*bound);
    } else {
      result.errors.push_back(query_error("since", "datetime_from_date_parsing",
                                          "Input should be a valid datetime"));
    }
  }

  if (q_raw != nullptr && has_nul(*q_raw))
    result.errors.push_back(nul_error("q"));
  else if (q_raw != nullptr && !q_raw->empty())
    query.q = *q_raw;

  if (result.errors.empty()) result.query = std::move(query);
  return result;
}

}  // namespace webhookd
