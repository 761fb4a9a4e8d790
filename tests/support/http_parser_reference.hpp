// Parses bytes the way RESTinio does: with the http-parser library, one
// request at a time (paused at each message end). The screen tests and its
// fuzz target use it to check that whatever the screen hands on parses
// without an error. Header-only so that the fuzz target can use it too.
#pragma once

#include <http_parser.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace webhookd::test {

struct reference_request {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string body;
  bool keep_alive = false;
  bool upgrade = false;
};

struct reference_parse {
  std::vector<reference_request> requests;
  bool error = false;
  std::string error_name;
  // True when the bytes end in the middle of a request.
  bool incomplete = false;
};

namespace reference_detail {

struct state {
  reference_parse result;
  reference_request current;
  bool in_value = false;
  bool headers_done = false;
  bool complete = false;

  std::vector<std::pair<std::string, std::string>>& fields() {
    return headers_done ? current.trailers : current.fields;
  }
};

inline state& of(http_parser* p) { return *static_cast<state*>(p->data); }

inline http_parser_settings settings() {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_url = [](http_parser* p, const char* at, size_t n) {
    of(p).current.url.append(at, n);
    return 0;
  };
  s.on_header_field = [](http_parser* p, const char* at, size_t n) {
    auto& st = of(p);
    if (st.in_value || st.fields().empty()) st.fields().emplace_back();
    st.in_value = false;
    st.fields().back().first.append(at, n);
    return 0;
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t n) {
    auto& st = of(p);
    st.in_value = true;
    st.fields().back().second.append(at, n);
    return 0;
  };
  s.on_headers_complete = [](http_parser* p) {
    auto& st = of(p);
    st.headers_done = true;
    st.in_value = false;
    return 0;
  };
  s.on_body = [](http_parser* p, const char* at, size_t n) {
    of(p).current.body.append(at, n);
    return 0;
  };
  s.on_message_complete = [](http_parser* p) {
    auto& st = of(p);
    st.current.method = http_method_str(static_cast<http_method>(p->method));
    st.current.keep_alive = http_should_keep_alive(p) != 0;
    st.current.upgrade = p->upgrade != 0;
    st.complete = true;
    http_parser_pause(p, 1);
    return 0;
  };
  return s;
}

}  // namespace reference_detail

inline reference_parse parse_like_restinio(std::string_view bytes) {
  static const http_parser_settings settings = reference_detail::settings();
  reference_detail::state st;
  while (!bytes.empty()) {
    http_parser parser;
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = &st;
    st.current = {};
    st.in_value = false;
    st.headers_done = false;
    st.complete = false;
    auto n = http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
    auto err = HTTP_PARSER_ERRNO(&parser);
    if (err != HPE_OK && err != HPE_PAUSED) {
      st.result.error = true;
      st.result.error_name = http_errno_name(err);
      return st.result;
    }
    if (!st.complete) {
      st.result.incomplete = true;
      return st.result;
    }
    st.result.requests.push_back(std::move(st.current));
    bytes.remove_prefix(n);
    if (st.result.requests.back().upgrade) break;
  }
  return st.result;
}

}  // namespace webhookd::test
