#include "http/json_bodies.hpp"

namespace webhookd {

namespace {

nlohmann::ordered_json optional_string(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

nlohmann::ordered_json message_page_body(const message_page& page, const message_query& query) {
  auto data = nlohmann::ordered_json::array();
  for (const auto& rec : page.data) {
    nlohmann::ordered_json item;
    item["message_id"] = rec.message_id;
    item["from"] = rec.from;
    item["to"] = rec.to;
    item["ts"] = rec.ts;
    item["text"] = optional_string(rec.text);
    data.push_back(std::move(item));
  }
  nlohmann::ordered_json body;
  body["data"] = std::move(data);
  body["total"] = page.total;
  body["limit"] = query.limit;
  body["offset"] = query.offset;
  return body;
}

nlohmann::ordered_json stats_body(const stats_snapshot& stats) {
  auto senders = nlohmann::ordered_json::array();
  for (const auto& sender : stats.messages_per_sender) {
    nlohmann::ordered_json item;
    item["from"] = sender.from;
    item["count"] = sender.count;
    senders.push_back(std::move(item));
  }
  nlohmann::ordered_json body;
  body["total_messages"] = stats.total_messages;
  body["senders_count"] = stats.senders_count;
  body["messages_per_sender"] = std::move(senders);
  body["first_message_ts"] = optional_string(stats.first_message_ts);
  body["last_message_ts"] = optional_string(stats.last_message_ts);
  return body;
}

}  // namespace webhookd
