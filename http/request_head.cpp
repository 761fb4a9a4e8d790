#include "http/request_head.hpp"

#include <http_parser.h>

namespace webhookd {

namespace {

bool all_tchar(std::string_view s) {
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

// Request targets: visible ASCII only (RFC 3986 characters and a few more
// that http-parser also takes); raw bytes above 0x7e must be percent-encoded.
bool is_target_char(char c) { return c >= 0x21 && c <= 0x7e; }

bool all_target_chars(std::string_view s) {
  for (char c : s)
    if (!is_target_char(c)) return false;
  return true;
}

// Field values: VCHAR, obs-text, SP and HTAB. NUL, CR, LF and the other
// control bytes are refused (RFC 9110 §5.5 allows refusing them).
bool is_value_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A CR anywhere but at the very end of a line still being received is a
// bare CR (RFC 9112 §2.2: refused); one at the end may be the CR of CRLF.
bool has_bare_cr(std::string_view partial) {
  auto cr = partial.find('\r');
  return cr != std::string_view::npos && cr + 1 != partial.size();
}

std::string_view without_final_cr(std::string_view partial) {
  if (!partial.empty() && partial.back() == '\r') partial.remove_suffix(1);
  return partial;
}

// Longer than any method in http-parser's table (UNSUBSCRIBE, MKCALENDAR).
constexpr std::size_t max_method = 20;
constexpr std::string_view version_chars = "HTTP/0123456789.";
constexpr std::size_t version_size = 8;  // "HTTP/1.1"

bool is_version_syntax(std::string_view v) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return v.size() == version_size && v.substr(0, 5) == "HTTP/" && digit(v[5]) && v[6] == '.' && digit(v[7]);
}

// The absolute-form target rewritten to the origin-form RESTinio routes on
// (RFC 9112 §3.2.2: a server must accept absolute-form). nullopt when it is
// not an http(s) URI with an authority.
std::optional<std::string> origin_form_of(std::string_view target) {
  auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto scheme = target.substr(0, scheme_end);
  if (!equals_ignoring_case(scheme, "http") && !equals_ignoring_case(scheme, "https")) return std::nullopt;
  auto rest = target.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  if (authority.empty()) return std::nullopt;
  if (authority_end == std::string_view::npos) return std::string{"/"};
  auto path = rest.substr(authority_end);
  if (path.front() == '/') return std::string{path};
  return "/" + std::string{path};
}

}  // namespace

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

std::string_view trim_optional_whitespace(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

bool is_known_method(std::string_view method) {
  // RESTinio maps exactly http-parser's methods; CONNECT would make
  // http-parser treat the connection as a tunnel, which webhookd is not.
#define WEBHOOKD_METHOD_NAME(num, name, string) #string,
  static constexpr std::string_view known[] = {HTTP_METHOD_MAP(WEBHOOKD_METHOD_NAME)};
#undef WEBHOOKD_METHOD_NAME
  if (method == "CONNECT") return false;
  for (auto name : known)
    if (name == method) return true;
  return false;
}

std::variant<request_line, screen_reason> check_request_line(std::string_view line, const screen_limits& limits) {
  auto first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return screen_reason::malformed_request_line;
  auto second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return screen_reason::malformed_request_line;
  auto method = line.substr(0, first_space);
  auto target = line.substr(first_space + 1, second_space - first_space - 1);
  auto version = line.substr(second_space + 1);
  // Syntax first, so that a line refused while it arrives gets the same
  // answer as when it arrives whole.
  if (!all_tchar(method) || !is_version_syntax(version)) return screen_reason::malformed_request_line;
  if (!is_known_method(method)) return screen_reason::method_not_implemented;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return screen_reason::version_not_supported;
  if (target.empty()) return screen_reason::malformed_request_line;
  if (target.size() > limits.max_target) return screen_reason::target_too_long;
  if (!all_target_chars(target)) return screen_reason::malformed_request_line;

  request_line parsed{std::string{method}, std::string{target}, {}, std::string{version}};
  if (target.front() == '/') {
    parsed.origin_target = parsed.target;
  } else if (target == "*") {
    // The asterisk-form exists only for OPTIONS (RFC 9112 §3.2.4).
    if (method != "OPTIONS") return screen_reason::malformed_request_line;
    parsed.origin_target = parsed.target;
  } else if (auto origin = origin_form_of(target)) {
    parsed.origin_target = std::move(*origin);
  } else {
    return screen_reason::malformed_request_line;
  }
  return parsed;
}

std::optional<screen_reason> check_partial_request_line(std::string_view partial, const screen_limits& limits) {
  if (has_bare_cr(partial)) return screen_reason::malformed_request_line;
  partial = without_final_cr(partial);
  auto first_space = partial.find(' ');
  auto method = partial.substr(0, first_space);
  if (!all_tchar(method) || first_space == 0) return screen_reason::malformed_request_line;
  if (method.size() > max_method) return screen_reason::method_not_implemented;
  if (first_space == std::string_view::npos) return std::nullopt;
  auto second_space = partial.find(' ', first_space + 1);
  auto target = partial.substr(first_space + 1, second_space == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : second_space - first_space - 1);
  if (!all_target_chars(target)) return screen_reason::malformed_request_line;
  if (target.size() > limits.max_target) return screen_reason::target_too_long;
  if (second_space == std::string_view::npos) return std::nullopt;
  auto version = partial.substr(second_space + 1);
  if (version.size() > version_size || version.find_first_not_of(version_chars) != std::string_view::npos)
    return screen_reason::malformed_request_line;
  return std::nullopt;
}

std::variant<field_line, screen_reason> check_field_line(std::string_view line, const screen_limits& limits) {
  // A line that starts with whitespace continues the previous field
  // (obsolete line folding): refused, as RFC 9112 §5.2 allows.
  if (line.empty() || is_ows(line.front())) return screen_reason::malformed_field;
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return screen_reason::malformed_field;
  auto name = line.substr(0, colon);
  if (name.size() > limits.max_field_name) return screen_reason::field_too_large;
  // Covers whitespace between the name and the colon (RFC 9112 §5.1: 400).
  if (!all_tchar(name)) return screen_reason::malformed_field;
  auto raw_value = line.substr(colon + 1);
  for (char c : raw_value)
    if (!is_value_char(c)) return screen_reason::malformed_field;
  auto value = trim_optional_whitespace(raw_value);
  if (value.size() > limits.max_field_value) return screen_reason::field_too_large;
  return field_line{name, value};
}

std::optional<screen_reason> check_partial_field_line(std::string_view partial, const screen_limits& limits) {
  if (has_bare_cr(partial)) return screen_reason::malformed_field;
  partial = without_final_cr(partial);
  if (partial.empty()) return std::nullopt;
  if (is_ows(partial.front())) return screen_reason::malformed_field;
  auto colon = partial.find(':');
  auto name = partial.substr(0, colon);
  if (name.size() > limits.max_field_name) return screen_reason::field_too_large;
  if (!all_tchar(name) || colon == 0) return screen_reason::malformed_field;
  if (colon == std::string_view::npos) return std::nullopt;
  auto raw_value = partial.substr(colon + 1);
  for (char c : raw_value)
    if (!is_value_char(c)) return screen_reason::malformed_field;
  // Whatever follows, the final value is at least this long.
  if (trim_optional_whitespace(raw_value).size() > limits.max_field_value) return screen_reason::field_too_large;
  return std::nullopt;
}

}  // namespace webhookd
