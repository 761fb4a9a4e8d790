#include "core/message_page_json.hpp"

#include <utility>

#include "core/json_text.hpp"

namespace webhookd {

namespace {
// A page of 50 typical rows is about 10 KiB; starting there saves the
// string's first few regrowths.
constexpr std::size_t initial_capacity = 12 * 1024;
}  // namespace

message_page_json::message_page_json(std::string buffer) : out_(std::move(buffer)) {
  out_.clear();
  out_.reserve(initial_capacity);
  out_ += "{\"data\":[";
}

void message_page_json::add_row(std::string_view message_id, std::string_view from, std::string_view to,
                                std::string_view ts, std::optional<std::string_view> text) {
  if (rows_++ > 0) out_.push_back(',');
  out_ += "{\"message_id\":";
  append_json_string(out_, message_id);
  out_ += ",\"from\":";
  append_json_string(out_, from);
  out_ += ",\"to\":";
  append_json_string(out_, to);
  out_ += ",\"ts\":";
  append_json_string(out_, ts);
  out_ += ",\"text\":";
  if (text)
    append_json_string(out_, *text);
  else
    out_ += "null";
  out_.push_back('}');
}

std::string message_page_json::finish(std::int64_t total, int limit, std::int64_t offset) {
  out_ += "],\"total\":";
  append_json_int(out_, total);
  out_ += ",\"limit\":";
  append_json_int(out_, limit);
  out_ += ",\"offset\":";
  append_json_int(out_, offset);
  out_.push_back('}');
  return std::move(out_);
}

}  // namespace webhookd
