// The syntax of an HTTP/1.1 request head (RFC 9112), one line at a time,
// stricter than the http-parser library RESTinio runs behind it: whatever
// passes here, http-parser accepts too (tests/fuzz/fuzz_request_screen.cpp
// checks that), so RESTinio never meets a head it would close on.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/screen_refusal.hpp"

namespace webhookd {

// Every limit the screen applies. A breach is answered with its status
// (screen_refusal.hpp) and the connection is closed.
struct screen_limits {
  std::size_t max_target = 8 * 1024;        // 8,192 bytes accepted; more: 414
  std::size_t max_field_name = 1024;        // 431
  std::size_t max_field_value = 8 * 1024;   // after trimming whitespace; 8,192 accepted; more: 431
  std::size_t max_fields = 100;             // header fields plus trailer fields; 431
  std::size_t max_head = 64 * 1024;         // request line and fields together; 431
  std::size_t max_body = 1024 * 1024;       // declared or received; 413
  std::size_t max_webhook_body = 64 * 1024; // POST /webhook with Expect: 100-continue: 413 before the body
};

struct request_line {
  std::string method;
  std::string target;         // as sent (for a refusal report)
  std::string origin_target;  // what RESTinio gets: absolute-form rewritten to origin-form
  std::string version;        // "HTTP/1.1" or "HTTP/1.0"
};

// A complete request line (line end removed).
std::variant<request_line, screen_reason> check_request_line(std::string_view line, const screen_limits& limits);
// A request line not complete yet: a reason once it can no longer become a valid one.
std::optional<screen_reason> check_partial_request_line(std::string_view partial, const screen_limits& limits);

struct field_line {
  std::string_view name;
  std::string_view value;  // optional whitespace around it removed
};

// A complete field line (line end removed).
std::variant<field_line, screen_reason> check_field_line(std::string_view line, const screen_limits& limits);
// A field line not complete yet: a reason once it can no longer become a valid one.
std::optional<screen_reason> check_partial_field_line(std::string_view partial, const screen_limits& limits);

// A method http-parser knows (GET, POST, ... as its table lists them), CONNECT aside.
bool is_known_method(std::string_view method);

// The small pieces of HTTP syntax the screen's files share.
bool equals_ignoring_case(std::string_view a, std::string_view b);
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix);
bool is_token_char(char c);  // RFC 9110 tchar
std::string_view trim_optional_whitespace(std::string_view s);  // SP and HTAB on both sides

}  // namespace webhookd
