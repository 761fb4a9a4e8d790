// libFuzzer target: bytes from a client through the request screen
// (http/request_screen.hpp), fed as the screened socket feeds it, in pieces
// whose sizes the input's first byte picks. What the screen hands on must be
// what RESTinio's parser (http-parser) accepts whole: every delivery exactly
// one complete request, within RESTinio's limits, never an upgrade; and the
// same requests however the input was cut (the bytes differ only where a
// chunked body is chunked again by the pieces that came), refused at the
// same one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_screen.hpp"
#include "tests/support/http_parser_reference.hpp"
#include "tests/support/screen_driver.hpp"

namespace {

// Names the failed check before aborting, so a finding says which property broke.
#define require(condition) check_or_abort((condition), #condition, __LINE__)

void check_or_abort(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_request_screen.cpp:%d: %s\n", line, what);
  std::abort();
}

webhookd::test::screened_bytes run(std::string_view input, std::size_t piece) {
  auto out = webhookd::test::screen_in_pieces(input, piece);
  require(!out.stalled);
  return out;
}

void check_request(const webhookd::test::reference_request& r, const webhookd::screen_limits& limits) {
  require(!r.upgrade);
  require(r.url.size() <= limits.max_target);
  require(r.fields.size() <= limits.max_fields);
  require(r.trailers.size() <= 1);  // only a refusal trailer
  for (const auto& [name, value] : r.fields) {
    require(!name.empty() && name.size() <= limits.max_field_name);
    require(value.size() <= limits.max_field_value);
  }
  require(r.body.size() <= limits.max_body);
}

// Parses one delivery, which must hold exactly one complete request.
webhookd::test::reference_request parse_delivery(const std::string& delivery, const webhookd::screen_limits& limits) {
  auto parsed = webhookd::test::parse_like_restinio(delivery);
  require(!parsed.error && !parsed.incomplete);
  require(parsed.requests.size() == 1);
  check_request(parsed.requests.front(), limits);
  return parsed.requests.front();
}

bool same_request(const webhookd::test::reference_request& a, const webhookd::test::reference_request& b) {
  // A body refused midway ends where the pieces happened to end: only what
  // was handed on before the refusal is in it, and no route reads it.
  bool refused_body = !a.trailers.empty();
  return a.method == b.method && a.url == b.url && a.fields == b.fields && a.trailers == b.trailers &&
         (refused_body || a.body == b.body) && a.keep_alive == b.keep_alive;
}

bool is_refusal(const webhookd::test::reference_request& r) {
  auto refused = [](const auto& fields) {
    for (const auto& field : fields)
      if (field.first == "X-Webhookd-Refused") return true;
    return false;
  };
  return refused(r.fields) || refused(r.trailers);
}

// A request whose end has not arrived: a valid start of one.
void check_rest(const std::string& rest) {
  if (rest.empty()) return;
  auto parsed = webhookd::test::parse_like_restinio(rest);
  require(!parsed.error && parsed.incomplete && parsed.requests.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view input{reinterpret_cast<const char*>(data) + 1, size - 1};
  const webhookd::screen_limits limits;

  auto whole = run(input, input.size() + 1);
  auto cut = run(input, piece);
  require(whole.handed_over.size() == cut.handed_over.size());
  require(whole.finished == cut.finished);
  require(whole.unfinished.empty() == cut.unfinished.empty());
  for (std::size_t i = 0; i < whole.handed_over.size(); ++i) {
    auto a = parse_delivery(whole.handed_over[i], limits);
    auto b = parse_delivery(cut.handed_over[i], limits);
    // A request that breaks two rules may be refused for either, depending
    // on which the bytes that came first broke: both must be refusals.
    if (whole.finished && i + 1 == whole.handed_over.size())
      require(is_refusal(a) && is_refusal(b));
    else
      require(same_request(a, b));
  }
  check_rest(whole.unfinished);
  check_rest(cut.unfinished);
  return 0;
}
