#include "http/screen_refusal.hpp"

#include <array>

#include "http/request_head.hpp"

namespace webhookd {

namespace {

struct reason_info {
  screen_reason reason;
  int status;
  std::string_view token;
  std::string_view detail;
};

constexpr std::array<reason_info, 13> reasons{{
  {screen_reason::malformed_request_line, 400, "request_line", "malformed request line"},
  {screen_reason::malformed_field, 400, "field", "malformed header field"},
  {screen_reason::malformed_framing, 400, "framing", "invalid message framing"},
  {screen_reason::malformed_chunked_body, 400, "chunked", "malformed chunked body"},
  // Same text as the webhook route's own 413.
  {screen_reason::body_too_large, 413, "body_size", "request body too large"},
  {screen_reason::target_too_long, 414, "target_size", "request target too long"},
  {screen_reason::expectation_failed, 417, "expect", "expectation not supported"},
  {screen_reason::field_too_large, 431, "field_size", "header field too large"},
  {screen_reason::too_many_fields, 431, "field_count", "too many header fields"},
  {screen_reason::head_too_large, 431, "head_size", "request header fields too large"},
  {screen_reason::method_not_implemented, 501, "method", "method not implemented"},
  {screen_reason::coding_not_implemented, 501, "coding", "transfer coding not implemented"},
  {screen_reason::version_not_supported, 505, "version", "HTTP version not supported"},
}};

const reason_info& info(screen_reason reason) {
  for (const auto& r : reasons)
    if (r.reason == reason) return r;
  return reasons[0];
}


void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

int status_of(screen_reason reason) { return info(reason).status; }
std::string_view detail_of(screen_reason reason) { return info(reason).detail; }
std::string_view token_of(screen_reason reason) { return info(reason).token; }

std::optional<screen_reason> reason_from_token(std::string_view token) {
  for (const auto& r : reasons)
    if (r.token == token) return r.reason;
  return std::nullopt;
}

bool is_screen_field(std::string_view name) { return starts_with_ignoring_case(name, "x-webhookd-"); }

std::string loggable_method(std::string_view method) {
  constexpr std::size_t max_method = 32;
  std::size_t n = 0;
  while (n < method.size() && n < max_method && is_token_char(method[n])) ++n;
  return std::string{method.substr(0, n)};
}

std::string loggable_target(std::string_view target) {
  constexpr std::size_t max_target = 256;
  std::size_t n = 0;
  while (n < target.size() && n < max_target && target[n] >= 0x21 && target[n] <= 0x7e) ++n;
  return std::string{target.substr(0, n)};
}

void append_stand_in_request(std::string& out, const refused_request& refused) {
  out.append("GET / HTTP/1.1\r\nConnection: close\r\n");
  append_field(out, refused_field, token_of(refused.reason));
  auto method = loggable_method(refused.method);
  if (!method.empty()) append_field(out, refused_method_field, method);
  auto target = loggable_target(refused.target);
  if (!target.empty()) append_field(out, refused_target_field, target);
  if (!refused.request_id.empty()) append_field(out, "X-Request-ID", refused.request_id);
  out.append("\r\n");
}

void append_refusal_trailer(std::string& out, screen_reason reason) {
  out.append("0\r\n");
  append_field(out, refused_field, token_of(reason));
  out.append("\r\n");
}

}  // namespace webhookd
