#include "http/json_bodies.hpp"

#include "core/json_text.hpp"

namespace webhookd {

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
