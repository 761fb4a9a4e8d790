// The request screen (http/request_screen.hpp) on its own: what it hands
// RESTinio for good, odd and broken requests, cut at every byte, and that
// http-parser (the parser RESTinio runs) accepts all of it.
#define BOOST_TEST_MODULE request_screen
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <vector>

#include "http/request_screen.hpp"
#include "support/http_parser_reference.hpp"
#include "support/screen_driver.hpp"

using namespace webhookd;
using namespace webhookd::test;

namespace {

using screen_run = screened_bytes;

screen_run screen(std::string_view input, std::size_t piece = std::string::npos) {
  auto run = screen_in_pieces(input, piece);
  BOOST_TEST(!run.stalled);
  return run;
}

std::string joined(const screen_run& run) {
  std::string all;
  for (const auto& r : run.handed_over) all += r;
  return all + run.unfinished;
}

// The one request RESTinio would see, checked to parse.
reference_request only_request(const screen_run& run) {
  auto parsed = parse_like_restinio(joined(run));
  BOOST_TEST_REQUIRE(!parsed.error, parsed.error_name);
  BOOST_TEST_REQUIRE(parsed.requests.size() == 1u);
  return parsed.requests.front();
}

std::optional<std::string> field(const std::vector<std::pair<std::string, std::string>>& fields,
                                 const std::string& name) {
  for (const auto& [n, v] : fields)
    if (equals_ignoring_case(n, name)) return v;
  return std::nullopt;
}

// The refusal RESTinio would be handed for `input`, as its token, whether
// it arrives whole or one byte at a time.
std::string refusal_of(const std::string& input) {
  std::string token;
  for (std::size_t piece : {std::string::npos, std::size_t{1}}) {
    auto run = screen(input, piece);
    BOOST_TEST(run.finished, "not refused: " << input.substr(0, 80));
    auto parsed = parse_like_restinio(joined(run));
    BOOST_TEST_REQUIRE(!parsed.error, parsed.error_name);
    BOOST_TEST_REQUIRE(!parsed.requests.empty());
    const auto& last = parsed.requests.back();
    auto found = field(last.fields, "X-Webhookd-Refused");
    // A stand-in request closes the connection by itself; after a refusal
    // trailer the router's answer does.
    if (found) BOOST_TEST(!last.keep_alive);
    if (!found) found = field(last.trailers, "X-Webhookd-Refused");
    BOOST_TEST_REQUIRE(found.has_value());
    if (piece != std::string::npos) BOOST_TEST(*found == token, "split at every byte: " << *found);
    token = *found;
  }
  return token;
}

std::string get_with(const std::string& fields) { return "GET /stats HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n"; }

std::string post_head(const std::string& fields) {
  return "POST /webhook HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_plain_request_goes_on_as_it_came) {
  const std::string request = "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
  for (std::size_t piece : {std::string::npos, std::size_t{1}, std::size_t{7}}) {
    auto run = screen(request, piece);
    BOOST_TEST_REQUIRE(run.handed_over.size() == 1u);
    BOOST_TEST(run.handed_over[0] == request);
    BOOST_TEST(!run.finished);
  }
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_handed_over_one_at_a_time) {
  const std::string a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string b = "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz";
  const std::string c = "GET /c HTTP/1.0\r\n\r\n";
  auto run = screen(a + b + c);
  BOOST_TEST_REQUIRE(run.handed_over.size() == 3u);
  BOOST_TEST(run.handed_over[0] == a);
  BOOST_TEST(run.handed_over[1] == b);
  BOOST_TEST(run.handed_over[2] == c);
  // Empty lines before a request line are skipped (RFC 9112 §2.2).
  auto after_crlf = screen("\r\n\r\n" + a);
  BOOST_TEST(only_request(after_crlf).url == "/a");
}

BOOST_AUTO_TEST_CASE(field_values_lose_their_surrounding_whitespace) {
  auto r = only_request(screen(get_with("X-Signature: \t abc \t\r\nX-Empty:\r\n")));
  BOOST_TEST(field(r.fields, "X-Signature").value() == "abc");
  BOOST_TEST(field(r.fields, "X-Empty").value() == "");
  // Bare LF line ends are accepted (RFC 9112 §2.2) and handed on as CRLF.
  auto lf = screen("GET /stats HTTP/1.1\nHost: x\n\n");
  BOOST_TEST(lf.handed_over.at(0) == "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(absolute_form_targets_are_served_as_origin_form) {
  const std::pair<const char*, const char*> cases[] = {
    {"http://127.0.0.1:8000/health/live", "/health/live"},
    {"HTTP://example.com", "/"},
    {"https://example.com?x=1", "/?x=1"},
    {"http://h/messages?q=a%20b&limit=2", "/messages?q=a%20b&limit=2"},
  };
  for (const auto& [target, origin] : cases) {
    auto run = screen(std::string{"GET "} + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(only_request(run).url == origin, target);
  }
  for (const char* bad : {"ftp://h/x", "http:///x", "http:/x", "h/x"})
    BOOST_TEST(refusal_of(std::string{"GET "} + bad + " HTTP/1.1\r\n\r\n") == "request_line", bad);
  BOOST_TEST(only_request(screen("OPTIONS * HTTP/1.1\r\n\r\n")).url == "*");
  BOOST_TEST(refusal_of("GET * HTTP/1.1\r\n\r\n") == "request_line");
}

BOOST_AUTO_TEST_CASE(limits_are_inclusive_and_answered_by_their_status) {
  const screen_limits limits;
  auto value = [](std::size_t n) { return "X-Big: " + std::string(n, 'v') + "\r\n"; };
  BOOST_TEST(field(only_request(screen(get_with(value(limits.max_field_value)))).fields, "X-Big")->size() ==
             limits.max_field_value);
  BOOST_TEST(refusal_of(get_with(value(limits.max_field_value + 1))) == "field_size");
  // Whitespace around a value does not count against it.
  BOOST_TEST(!screen(get_with("X-Big:   " + std::string(limits.max_field_value, 'v') + "  \r\n")).finished);

  auto name = [](std::size_t n) { return "X" + std::string(n - 1, 'n') + ": v\r\n"; };
  BOOST_TEST(!screen(get_with(name(limits.max_field_name))).finished);
  BOOST_TEST(refusal_of(get_with(name(limits.max_field_name + 1))) == "field_size");

  auto fields = [](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += "X-H" + std::to_string(i) + ": v\r\n";
    return out;
  };
  // Host is one of them.
  BOOST_TEST(!screen(get_with(fields(limits.max_fields - 1))).finished);
  BOOST_TEST(refusal_of(get_with(fields(limits.max_fields))) == "field_count");

  auto target = [](std::size_t n) { return "GET /" + std::string(n - 1, 't') + " HTTP/1.1\r\n\r\n"; };
  BOOST_TEST(only_request(screen(target(limits.max_target))).url.size() == limits.max_target);
  BOOST_TEST(refusal_of(target(limits.max_target + 1)) == "target_size");

  std::string many_values;
  for (int i = 0; i < 9; ++i) many_values += "X-V" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
  BOOST_TEST(refusal_of(get_with(many_values)) == "head_size");

  auto declared = [](std::size_t n) { return post_head("Content-Length: " + std::to_string(n) + "\r\n"); };
  auto within = screen(declared(limits.max_body));
  BOOST_TEST(!within.finished);
  BOOST_TEST(within.unfinished == declared(limits.max_body));
  BOOST_TEST(refusal_of(declared(limits.max_body + 1)) == "body_size");
}

BOOST_AUTO_TEST_CASE(malformed_heads_are_refused_with_their_reason) {
  using namespace std::string_literals;
  const std::pair<std::string, const char*> cases[] = {
    {"FOO /stats HTTP/1.1\r\n\r\n", "method"},
    {"get /stats HTTP/1.1\r\n\r\n", "method"},
    {"BREW /stats HTTP/1.1\r\n\r\n", "method"},
    {"CONNECT example.com:443 HTTP/1.1\r\n\r\n", "method"},
    {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "method"},
    {"GET /stats HTTP/2.0\r\n\r\n", "version"},
    {"GET /stats HTTP/x.y\r\n\r\n", "request_line"},
    {"GET /stats HTTP/1.1 extra\r\n\r\n", "request_line"},
    {"GET  /stats HTTP/1.1\r\n\r\n", "request_line"},
    {"GET HTTP/1.1\r\n\r\n", "request_line"},
    {"NOT A REQUEST\r\n\r\n", "request_line"},
    {"GET /st\0ats HTTP/1.1\r\n\r\n"s, "request_line"},
    {"GET /st\xc3\xa4ts HTTP/1.1\r\n\r\n", "request_line"},
    {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "request_line"},
    {get_with("X-A: a\0b\r\n"s), "field"},
    {get_with("X-A: a\rb\r\n"), "field"},
    {get_with("X-A: a\x7f\r\n"), "field"},
    {get_with("X-A: a\r\n  folded\r\n"), "field"},
    {get_with("Host x\r\n"), "field"},
    {get_with("Host : x\r\n"), "field"},
    {get_with(": x\r\n"), "field"},
    {get_with("X(A): x\r\n"), "field"},
    {post_head("Content-Length: 3\r\nContent-Length: 3\r\n"), "framing"},
    {post_head("Content-Length: 3\r\nContent-Length: 5\r\n"), "framing"},
    {post_head("Content-Length: 12abc\r\n"), "framing"},
    {post_head("Content-Length: -5\r\n"), "framing"},
    {post_head("Content-Length: 99999999999999999999999\r\n"), "framing"},
    {post_head("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), "framing"},
    {"POST /webhook HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "framing"},
    {post_head("Transfer-Encoding: gzip, chunked\r\n"), "coding"},
    {post_head("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), "coding"},
    {post_head("Transfer-Encoding: gzip\r\n"), "coding"},
    {post_head("Transfer-Encoding: chunked, chunked\r\n"), "coding"},
    {post_head("Expect: 200-ok\r\n"), "expect"},
  };
  for (const auto& [input, token] : cases) BOOST_TEST(refusal_of(input) == token, input.substr(0, 60));
}

BOOST_AUTO_TEST_CASE(a_refusal_reports_what_was_readable) {
  using namespace std::string_literals;
  auto run = screen("GET /x%20y?z HTTP/1.1\r\nX-Request-ID: abc-1\r\nX-B: \0\r\n\r\n"
                    "GET /never HTTP/1.1\r\n\r\n"s);
  auto parsed = parse_like_restinio(joined(run));
  BOOST_TEST_REQUIRE(parsed.requests.size() == 1u);
  const auto& stand_in = parsed.requests[0];
  BOOST_TEST(stand_in.method == "GET");
  BOOST_TEST(stand_in.url == "/");
  BOOST_TEST(field(stand_in.fields, "X-Webhookd-Refused").value() == "field");
  BOOST_TEST(field(stand_in.fields, "X-Webhookd-Method").value() == "GET");
  BOOST_TEST(field(stand_in.fields, "X-Webhookd-Target").value() == "/x%20y?z");
  BOOST_TEST(field(stand_in.fields, "X-Request-ID").value() == "abc-1");
  // Nothing after a refusal is read.
  BOOST_TEST(run.finished);
  auto unknown = parse_like_restinio(joined(screen("FOO /x HTTP/1.1\r\n\r\n")));
  BOOST_TEST(field(unknown.requests.at(0).fields, "X-Webhookd-Method").value() == "FOO");
}

BOOST_AUTO_TEST_CASE(chunked_bodies_are_chunked_again_and_their_trailers_dropped) {
  const std::string body = "0123456789abcdefghij";
  const std::string request = post_head("Transfer-Encoding: , Chunked\r\n") + "5;ext=1\r\n01234\r\n" +
                              "F \r\n56789abcdefghij\r\n0\r\nX-Trailer: t\r\nX-Webhookd-Refused: method\r\n\r\n";
  for (std::size_t piece : {std::string::npos, std::size_t{1}, std::size_t{3}}) {
    auto run = screen(request + "GET /next HTTP/1.1\r\n\r\n", piece);
    BOOST_TEST_REQUIRE(run.handed_over.size() == 2u);
    auto parsed = parse_like_restinio(run.handed_over[0]);
    BOOST_TEST_REQUIRE(parsed.requests.size() == 1u);
    BOOST_TEST(parsed.requests[0].body == body);
    BOOST_TEST(parsed.requests[0].trailers.empty());
    BOOST_TEST(field(parsed.requests[0].fields, "Transfer-Encoding").value() == "chunked");
    BOOST_TEST(only_request(screen(run.handed_over[1])).url == "/next");
  }
}

BOOST_AUTO_TEST_CASE(broken_chunked_bodies_end_with_a_refusal_trailer) {
  const auto head = post_head("Transfer-Encoding: chunked\r\n");
  BOOST_TEST(refusal_of(head + "zz\r\nabc\r\n0\r\n\r\n") == "chunked");
  BOOST_TEST(refusal_of(head + "3\r\nabcX\r\n0\r\n\r\n") == "chunked");
  BOOST_TEST(refusal_of(head + "3 x\r\nabc\r\n0\r\n\r\n") == "chunked");
  BOOST_TEST(refusal_of(head + "FFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n") == "body_size");
  BOOST_TEST(refusal_of(head + "3\r\nabc\r\n0\r\nBad Trailer: x\r\n\r\n") == "field");
  std::string chunks;
  for (int i = 0; i < 300; ++i) chunks += "1000\r\n" + std::string(4096, 'a') + "\r\n";
  BOOST_TEST(refusal_of(head + chunks + "0\r\n\r\n") == "body_size");
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_when_the_body_will_be_read) {
  auto run = screen(post_head("Content-Length: 3000\r\nExpect: 100-continue\r\n") + std::string(3000, 'b'));
  BOOST_TEST(run.continues == 1);
  BOOST_TEST(only_request(run).body.size() == 3000u);
  BOOST_TEST(screen(post_head("Transfer-Encoding: chunked\r\nExpect: 100-Continue\r\n") + "0\r\n\r\n").continues == 1);
  // No body, no interim answer; and none without Expect.
  BOOST_TEST(screen(post_head("Content-Length: 0\r\nExpect: 100-continue\r\n")).continues == 0);
  BOOST_TEST(screen(get_with("Expect: 100-continue\r\n")).continues == 0);
  BOOST_TEST(screen(post_head("Content-Length: 3\r\n") + "abc").continues == 0);
  // A webhook over its 64 KiB limit is refused before its body is sent ...
  BOOST_TEST(refusal_of(post_head("Content-Length: 500000\r\nExpect: 100-continue\r\n")) == "body_size");
  // ... but without Expect its body is read, for the route to answer 413.
  auto unexpected = screen(post_head("Content-Length: 70000\r\n"));
  BOOST_TEST(!unexpected.finished);
  BOOST_TEST(unexpected.continues == 0);
  // Other routes keep the 1 MiB limit of the HTTP layer.
  BOOST_TEST(screen("POST /other HTTP/1.1\r\nContent-Length: 500000\r\nExpect: 100-continue\r\n\r\n").continues == 1);
}

BOOST_AUTO_TEST_CASE(upgrade_and_the_screens_own_fields_are_dropped) {
  auto r = only_request(screen(get_with("Connection: Upgrade\r\nUpgrade: h2c\r\nX-Webhookd-Refused: method\r\n"
                                        "x-webhookd-target: /\r\nTransfer-Encoding-X: y\r\nX-Kept: 1\r\n")));
  BOOST_TEST(!r.upgrade);
  BOOST_TEST(!field(r.fields, "Upgrade").has_value());
  BOOST_TEST(!field(r.fields, "X-Webhookd-Refused").has_value());
  BOOST_TEST(!field(r.fields, "X-Webhookd-Target").has_value());
  // http-parser would take it for Transfer-Encoding and fail the request.
  BOOST_TEST(!field(r.fields, "Transfer-Encoding-X").has_value());
  BOOST_TEST(field(r.fields, "X-Kept").value() == "1");
}

BOOST_AUTO_TEST_CASE(between_requests_only_before_the_first_byte) {
  request_screen s;
  std::string out;
  BOOST_TEST(s.between_requests());
  s.feed("GE", out);
  BOOST_TEST(!s.between_requests());
  s.feed("T / HTTP/1.1\r\n\r\n", out);
  BOOST_TEST(s.between_requests());
  s.feed("\r\n", out);
  BOOST_TEST(!s.between_requests());
}
