#include "http/request_screen.hpp"

#include <algorithm>

namespace webhookd {

namespace {

// More empty lines before a request line than any client sends by mistake
// (RFC 9112 §2.2 asks servers to ignore at least one).
constexpr std::size_t max_empty_lines_before_head = 8;
// A chunk-size line with its extensions.
constexpr std::size_t max_chunk_size_line = 1024;
// Fifteen hex digits already exceed any body limit; more could overflow.
constexpr std::size_t max_chunk_size_digits = 15;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Calls `member` for each non-empty element of a comma-separated list.
template <typename Member>
void for_each_list_member(std::string_view list, Member member) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto element = trim_optional_whitespace(list.substr(0, comma));
    if (!element.empty()) member(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

std::optional<std::uint64_t> parse_content_length(std::string_view value) {
  constexpr std::size_t max_digits = 18;  // fits in 64 bits
  if (value.empty() || value.size() > max_digits) return std::nullopt;
  std::uint64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return length;
}

// The method and target of a request line the screen refused, for the report.
void note_raw_request_line(std::string_view line, request_line& request) {
  auto first_space = line.find(' ');
  request.method = std::string{line.substr(0, first_space)};
  if (first_space == std::string_view::npos) return;
  auto rest = line.substr(first_space + 1);
  request.target = std::string{rest.substr(0, rest.find(' '))};
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// Buffers are not kept from one request to the next: thousands of
// connections would each hold them (a malloc per request costs less).
void release(std::string& buffer) { std::string{}.swap(buffer); }

}  // namespace

void request_screen::release_buffers() {
  for (auto* buffer : {&line_, &head_out_, &chunk_data_, &request_id_, &transfer_coding_})
    if (buffer->empty()) std::string{}.swap(*buffer);
}

bool request_screen::take_continue() {
  bool due = continue_due_;
  continue_due_ = false;
  return due;
}

bool request_screen::between_requests() const {
  return phase_ == phase::head && !have_request_line_ && line_.empty() && empty_lines_before_head_ == 0;
}

bool request_screen::in_line_phase() const {
  return phase_ == phase::head || phase_ == phase::chunk_size || phase_ == phase::chunk_data_end ||
         phase_ == phase::trailer;
}

std::size_t request_screen::feed(std::string_view input, std::string& out) {
  std::size_t pos = 0;
  while (pos < input.size() && phase_ != phase::refused) {
    if (phase_ == phase::fixed_body || phase_ == phase::chunk_data) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - pos));
      (phase_ == phase::fixed_body ? out : chunk_data_).append(input.substr(pos, n));
      pos += n;
      remaining_ -= n;
      if (remaining_ > 0) continue;
      if (phase_ == phase::fixed_body) {
        end_request();
        return pos;
      }
      phase_ = phase::chunk_data_end;
      continue;
    }
    auto newline = input.find('\n', pos);
    if (newline == std::string_view::npos) {
      line_.append(input.substr(pos));
      pos = input.size();
      if (auto reason = check_partial_line()) refuse(*reason, out);
      break;
    }
    std::string_view line = input.substr(pos, newline - pos);
    if (!line_.empty()) {
      line_.append(line);
      line = line_;
    }
    pos = newline + 1;
    if (phase_ == phase::head) head_bytes_ += line.size() + 1;
    if (phase_ == phase::trailer) trailer_bytes_ += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool request_goes_on = on_line(line, out);
    line_.clear();
    if (!request_goes_on) return pos;
  }
  flush_chunk_data(out);
  return pos;
}

std::optional<screen_reason> request_screen::check_partial_line() const {
  switch (phase_) {
    case phase::head:
      if (head_bytes_ + line_.size() > limits_.max_head) return screen_reason::head_too_large;
      return have_request_line_ ? check_partial_field_line(line_, limits_)
                                : check_partial_request_line(line_, limits_);
    case phase::chunk_size:
      if (line_.size() > max_chunk_size_line) return screen_reason::malformed_chunked_body;
      return std::nullopt;
    case phase::chunk_data_end:
      if (line_ != "\r") return screen_reason::malformed_chunked_body;
      return std::nullopt;
    case phase::trailer:
      if (trailer_bytes_ + line_.size() > limits_.max_head) return screen_reason::head_too_large;
      return check_partial_field_line(line_, limits_);
    default:
      return std::nullopt;
  }
}

bool request_screen::on_line(std::string_view line, std::string& out) {
  switch (phase_) {
    case phase::head:
      if (head_bytes_ > limits_.max_head) return refuse(screen_reason::head_too_large, out);
      return on_head_line(line, out);
    case phase::chunk_size:
      return on_chunk_size_line(line, out);
    case phase::chunk_data_end:
      if (!line.empty()) return refuse(screen_reason::malformed_chunked_body, out);
      phase_ = phase::chunk_size;
      return true;
    case phase::trailer:
      if (trailer_bytes_ > limits_.max_head) return refuse(screen_reason::head_too_large, out);
      return on_trailer_line(line, out);
    default:
      return true;
  }
}

bool request_screen::on_head_line(std::string_view line, std::string& out) {
  if (!have_request_line_) {
    if (line.empty()) {
      if (++empty_lines_before_head_ > max_empty_lines_before_head)
        return refuse(screen_reason::malformed_request_line, out);
      return true;
    }
    auto checked = check_request_line(line, limits_);
    if (auto* reason = std::get_if<screen_reason>(&checked)) {
      note_raw_request_line(line, request_);
      return refuse(*reason, out);
    }
    request_ = std::move(std::get<request_line>(checked));
    have_request_line_ = true;
    head_out_.append(request_.method).append(" ").append(request_.origin_target).append(" ");
    head_out_.append(request_.version).append("\r\n");
    return true;
  }
  if (line.empty()) return on_head_complete(out);
  auto checked = check_field_line(line, limits_);
  if (auto* reason = std::get_if<screen_reason>(&checked)) return refuse(*reason, out);
  if (++fields_ > limits_.max_fields) return refuse(screen_reason::too_many_fields, out);
  on_field(std::get<field_line>(checked));
  return true;
}

void request_screen::on_field(const field_line& field) {
  const auto name = field.name;
  const auto value = field.value;
  if (equals_ignoring_case(name, "Content-Length")) {
    auto length = parse_content_length(value);
    // A second Content-Length, even an equal one, is refused (RFC 9112 §6.3 allows it).
    if (content_length_ || !length)
      content_length_invalid_ = true;
    else
      content_length_ = length;
  } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
    // Handed on as one canonical field once the head is complete: http-parser
    // reads lists like ", chunked" differently (tests/fuzz found it).
    has_transfer_coding_ = true;
    transfer_coding_.append(transfer_coding_.empty() ? "" : ",").append(value);
    return;
  } else if (equals_ignoring_case(name, "Expect")) {
    for_each_list_member(value, [&](std::string_view member) {
      (equals_ignoring_case(member, "100-continue") ? expect_continue_ : expect_other_) = true;
    });
  } else if (equals_ignoring_case(name, "Upgrade") || is_screen_field(name) ||
             starts_with_ignoring_case(name, "Transfer-Encoding")) {
    // No protocol upgrades here (RFC 9110 §7.8 lets a server ignore the
    // field); without it http-parser does not hand the connection over.
    // X-Webhookd-* names are the screen's own (screen_refusal.hpp).
    // http-parser 2.9.4 takes any name that starts with Transfer-Encoding
    // ("Transfer-Encoding-X") for Transfer-Encoding and then fails the
    // request (found by tests/fuzz/fuzz_request_screen.cpp); no route reads them.
    return;
  } else if (equals_ignoring_case(name, "X-Request-ID") && value.size() <= 128) {
    request_id_ = std::string{value};
  }
  head_out_.append(name).append(": ").append(value).append("\r\n");
}

bool request_screen::on_head_complete(std::string& out) {
  if (content_length_invalid_ || (content_length_ && has_transfer_coding_))
    return refuse(screen_reason::malformed_framing, out);
  bool chunked = false;
  if (has_transfer_coding_) {
    // HTTP/1.0 has no transfer codings: such framing is faulty (RFC 9112 §6.1).
    if (request_.version == "HTTP/1.0") return refuse(screen_reason::malformed_framing, out);
    std::size_t members = 0;
    bool only_chunked = true;
    for_each_list_member(transfer_coding_, [&](std::string_view member) {
      ++members;
      only_chunked = only_chunked && equals_ignoring_case(member, "chunked");
    });
    if (members == 0) return refuse(screen_reason::malformed_framing, out);
    // gzip, chunked; chunked, chunked; identity ...: RFC 9112 §6.1 says 501.
    if (members != 1 || !only_chunked) return refuse(screen_reason::coding_not_implemented, out);
    chunked = true;
  }
  if (expect_other_) return refuse(screen_reason::expectation_failed, out);
  const auto length = content_length_.value_or(0);
  if (length > limits_.max_body) return refuse(screen_reason::body_too_large, out);
  // With Expect the client waits to hear whether to send the body: a webhook
  // over its limit is told 413 now instead of after sending it.
  auto path = path_of(request_.origin_target);
  bool webhook_post = request_.method == "POST" && (path == "/webhook" || path == "/webhook/");
  if (expect_continue_ && webhook_post && length > limits_.max_webhook_body)
    return refuse(screen_reason::body_too_large, out);

  out.append(head_out_);
  if (chunked) out.append("Transfer-Encoding: chunked\r\n");
  out.append("\r\n");
  continue_due_ = expect_continue_ && (chunked || length > 0);
  if (chunked) {
    phase_ = phase::chunk_size;
    return true;
  }
  if (length > 0) {
    phase_ = phase::fixed_body;
    remaining_ = length;
    return true;
  }
  return end_request();
}

bool request_screen::on_chunk_size_line(std::string_view line, std::string& out) {
  std::size_t digits = 0;
  while (digits < line.size() && hex_value(line[digits]) >= 0) ++digits;
  if (digits == 0) return refuse(screen_reason::malformed_chunked_body, out);
  // Extensions (";name=value") are allowed and ignored; nothing else may follow.
  auto rest = line.substr(digits);
  while (!rest.empty() && is_ows(rest.front())) rest.remove_prefix(1);
  if (!rest.empty() && rest.front() != ';') return refuse(screen_reason::malformed_chunked_body, out);
  for (char c : rest) {
    auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && (byte < 0x20 || byte == 0x7f)) return refuse(screen_reason::malformed_chunked_body, out);
  }
  auto size_digits = line.substr(0, digits);
  while (size_digits.size() > 1 && size_digits.front() == '0') size_digits.remove_prefix(1);
  if (size_digits.size() > max_chunk_size_digits) return refuse(screen_reason::body_too_large, out);
  std::uint64_t size = 0;
  for (char c : size_digits) size = size * 16 + static_cast<std::uint64_t>(hex_value(c));
  if (size == 0) {
    phase_ = phase::trailer;
    return true;
  }
  if (body_bytes_ + size > limits_.max_body) return refuse(screen_reason::body_too_large, out);
  body_bytes_ += size;
  remaining_ = size;
  phase_ = phase::chunk_data;
  return true;
}

bool request_screen::on_trailer_line(std::string_view line, std::string& out) {
  if (line.empty()) {
    flush_chunk_data(out);
    out.append("0\r\n\r\n");
    return end_request();
  }
  // Trailer fields are checked like header fields, then dropped: webhookd
  // reads none, and a refusal trailer must only ever come from the screen.
  auto checked = check_field_line(line, limits_);
  if (auto* reason = std::get_if<screen_reason>(&checked)) return refuse(*reason, out);
  if (++fields_ > limits_.max_fields) return refuse(screen_reason::too_many_fields, out);
  return true;
}

void request_screen::flush_chunk_data(std::string& out) {
  if (chunk_data_.empty()) return;
  static constexpr char hex[] = "0123456789abcdef";
  char size_line[20];
  std::size_t n = 0;
  for (auto size = chunk_data_.size(); size > 0; size >>= 4) size_line[n++] = hex[size & 0x0f];
  std::reverse(size_line, size_line + n);
  out.append(size_line, n).append("\r\n").append(chunk_data_).append("\r\n");
  chunk_data_.clear();
}

bool request_screen::refuse(screen_reason reason, std::string& out) {
  if (phase_ == phase::head) {
    if (!have_request_line_ && !line_.empty() && request_.method.empty()) note_raw_request_line(line_, request_);
    append_stand_in_request(out, {reason, request_.method, request_.target, request_id_});
  } else {
    // The head went through: end the chunked body it announced, with the
    // refusal as its trailer. (A Content-Length body is never refused midway.)
    chunk_data_.clear();
    append_refusal_trailer(out, reason);
  }
  phase_ = phase::refused;
  continue_due_ = false;
  release(line_);
  release(head_out_);
  release(chunk_data_);
  return false;
}

bool request_screen::end_request() {
  phase_ = phase::head;
  head_bytes_ = 0;
  empty_lines_before_head_ = 0;
  fields_ = 0;
  have_request_line_ = false;
  request_ = request_line{};
  release(head_out_);
  request_id_.clear();
  content_length_.reset();
  content_length_invalid_ = false;
  transfer_coding_.clear();
  has_transfer_coding_ = false;
  expect_continue_ = false;
  expect_other_ = false;
  remaining_ = 0;
  body_bytes_ = 0;
  release(chunk_data_);
  trailer_bytes_ = 0;
  release(line_);
  return false;
}

}  // namespace webhookd
