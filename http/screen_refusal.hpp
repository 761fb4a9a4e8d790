// Why the request screen (http/request_screen.hpp) refused a request, and
// how it tells the router. RESTinio 0.6 closes a connection without a word on
// any parser error, so the screen never lets such bytes reach it: it hands
// RESTinio a well-formed stand-in instead, which carries the refusal in a
// header field (for a refused head) or in a trailer of a chunked body cut
// short (for a body refused after its head went through). The screen drops
// every X-Webhookd-* field and every trailer a client sends, so these fields
// can only come from the screen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhookd {

enum class screen_reason : std::uint8_t {
  malformed_request_line,   // 400
  malformed_field,          // 400: bad name, bare CR, NUL or control byte, obsolete folding
  malformed_framing,        // 400: bad or repeated Content-Length, with Transfer-Encoding, HTTP/1.0 chunked
  malformed_chunked_body,   // 400
  body_too_large,           // 413
  target_too_long,          // 414
  expectation_failed,       // 417: an Expect other than 100-continue
  field_too_large,          // 431
  too_many_fields,          // 431
  head_too_large,           // 431
  method_not_implemented,   // 501
  coding_not_implemented,   // 501: a transfer coding other than chunked alone
  version_not_supported,    // 505
};

int status_of(screen_reason reason);
// The {"detail": …} text of the answer.
std::string_view detail_of(screen_reason reason);
// The token that names the reason in the stand-in's field.
std::string_view token_of(screen_reason reason);
std::optional<screen_reason> reason_from_token(std::string_view token);

// Field names of the stand-in request.
inline constexpr std::string_view refused_field = "X-Webhookd-Refused";
inline constexpr std::string_view refused_method_field = "X-Webhookd-Method";
inline constexpr std::string_view refused_target_field = "X-Webhookd-Target";
// True for every field name the screen keeps for itself (case-insensitive).
bool is_screen_field(std::string_view name);

// What the screen knew of a refused request; empty where it had not been read.
struct refused_request {
  screen_reason reason;
  std::string method;      // as sent, up to its first byte that is not a token character, at most 32
  std::string target;      // as sent, up to its first byte outside 0x21..0x7e, at most 256
  std::string request_id;  // an X-Request-ID field seen before the refusal (the exchange checks it)
};

// A complete GET request with Connection: close that stands for `refused`.
void append_stand_in_request(std::string& out, const refused_request& refused);
// Ends a chunked body that was refused: the last chunk and a refusal trailer.
void append_refusal_trailer(std::string& out, screen_reason reason);

// `value` cut and escaped as refused_request says.
std::string loggable_method(std::string_view method);
std::string loggable_target(std::string_view target);

}  // namespace webhookd
