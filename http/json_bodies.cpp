#include "http/json_bodies.hpp"

#include "core/json_text.hpp"

namespace webhookd {

std::string message_page_body(const message_page& page, const message_query& query) {
  std::string out;
  // Field names and punctuation take about 70 bytes per row.
  std::size_t estimate = 64;
  for (const auto& rec : page.data)
    estimate += 80 + rec.message_id.size() + rec.from.size() + rec.to.size() + rec.ts.size() +
                (rec.text ? rec.text->size() : 0);
  out.reserve(estimate);
  out += "{\"data\":[";
  bool first = true;
  for (const auto& rec : page.data) {
    out += first ? "{\"message_id\":" : ",{\"message_id\":";
    first = false;
    append_json_string(out, rec.message_id);
    out += ",\"from\":";
    append_json_string(out, rec.from);
    out += ",\"to\":";
    append_json_string(out, rec.to);
    out += ",\"ts\":";
    append_json_string(out, rec.ts);
    out += ",\"text\":";
    append_json_string_or_null(out, rec.text);
    out.push_back('}');
  }
  out += "],\"total\":";
  append_json_int(out, page.total);
  out += ",\"limit\":";
  append_json_int(out, query.limit);
  out += ",\"offset\":";
  append_json_int(out, query.offset);
  out.push_back('}');
  return out;
}

std::string stats_body(const stats_snapshot& stats) {
  std::string out;
  out.reserve(160 + 48 * stats.messages_per_sender.size());
  out += "{\"total_messages\":";
  append_json_int(out, stats.total_messages);
  out += ",\"senders_count\":";
  append_json_int(out, stats.senders_count);
  out += ",\"messages_per_sender\":[";
  bool first = true;
  for (const auto& sender : stats.messages_per_sender) {
    out += first ? "{\"from\":" : ",{\"from\":";
    first = false;
    append_json_string(out, sender.from);
    out += ",\"count\":";
    append_json_int(out, sender.count);
    out.push_back('}');
  }
  out += "],\"first_message_ts\":";
  append_json_string_or_null(out, stats.first_message_ts);
  out += ",\"last_message_ts\":";
  append_json_string_or_null(out, stats.last_message_ts);
  out.push_back('}');
  return out;
}

}  // namespace webhookd
