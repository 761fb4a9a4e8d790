// The request screen: what a connection's bytes pass through before RESTinio
// parses them (http/screened_socket.hpp feeds it). RESTinio 0.6 closes a
// connection without an answer whenever its parser stops, decides framing
// questions (gzip, chunked) its own way and has no hook for Expect; so the
// screen reads each request itself, strictly (RFC 9112), and hands RESTinio
// only requests it will parse without complaint:
//
// - a head that is fine goes on as received, with absolute-form targets in
//   origin-form, optional whitespace around values removed, and Upgrade and
//   X-Webhookd-* fields dropped;
// - a Content-Length body goes on as received; a chunked body is decoded and
//   chunked again in pieces of the screen's choosing, trailers dropped;
// - a refused head becomes a stand-in request, a refused chunked body ends
//   with a refusal trailer (http/screen_refusal.hpp); either way the answer
//   closes the connection and nothing after it is read.
//
// feed() stops at the end of each request, so the caller hands RESTinio one
// request at a time. With RESTinio's default of one request in handling per
// connection, it asks for the next one only after the previous answer was
// written; a 100 Continue sent when a head is handed over therefore never
// lands inside another response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/request_head.hpp"

namespace webhookd {

class request_screen {
 public:
  explicit request_screen(screen_limits limits = {}) : limits_(limits) {}

  // Reads from `input` up to the end of the current request at most and
  // appends what RESTinio should parse to `out`. Returns the bytes consumed;
  // bytes after the end of a request are left for the next call.
  std::size_t feed(std::string_view input, std::string& out);

  // True once, after the head of a request with "Expect: 100-continue" and a
  // body to read has been handed over: the caller sends the interim answer.
  bool take_continue();

  // True while nothing of a next request has been received.
  bool between_requests() const;
  // True once a refusal was handed over: nothing more is read.
  bool finished() const { return phase_ == phase::refused; }

  // Frees the buffers kept from the last request (call between requests):
  // an idle connection then holds none.
  void release_buffers();

 private:
  enum class phase { head, fixed_body, chunk_size, chunk_data, chunk_data_end, trailer, refused };

  bool in_line_phase() const;
  // Handles one complete line of the current phase. False once the request ended.
  bool on_line(std::string_view line, std::string& out);
  bool on_head_line(std::string_view line, std::string& out);
  void on_field(const field_line& field);
  bool on_head_complete(std::string& out);
  bool on_chunk_size_line(std::string_view line, std::string& out);
  bool on_trailer_line(std::string_view line, std::string& out);
  std::optional<screen_reason> check_partial_line() const;
  void flush_chunk_data(std::string& out);
  // Hands over the refusal (a stand-in request or a refusal trailer). Returns false.
  bool refuse(screen_reason reason, std::string& out);
  // Forgets the request that just ended. Returns false.
  bool end_request();

  screen_limits limits_;
  phase phase_ = phase::head;
  std::string line_;  // the part of a line received so far

  // The head being read.
  std::size_t head_bytes_ = 0;
  std::size_t empty_lines_before_head_ = 0;
  std::size_t fields_ = 0;
  bool have_request_line_ = false;
  request_line request_;
  std::string head_out_;
  std::string request_id_;
  std::optional<std::uint64_t> content_length_;
  bool content_length_invalid_ = false;
  std::string transfer_coding_;
  bool has_transfer_coding_ = false;
  bool expect_continue_ = false;
  bool expect_other_ = false;

  // The body being read.
  std::uint64_t remaining_ = 0;   // of a Content-Length body, or of the current chunk
  std::uint64_t body_bytes_ = 0;  // of a chunked body so far
  std::string chunk_data_;        // decoded and not handed over yet
  std::size_t trailer_bytes_ = 0;
  bool continue_due_ = false;
};

}  // namespace webhookd
