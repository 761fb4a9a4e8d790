#include "core/whatsapp_notification.hpp"

#include <nlohmann/json.hpp>

#include "core/msisdn.hpp"
#include "core/timestamp.hpp"
#include "core/utf8.hpp"
#include "core/webhook_payload.hpp"

namespace webhookd {

namespace {

using nlohmann::json;

constexpr std::string_view business_account = "whatsapp_business_account";

// obj[key] when obj is an object holding a value of the wanted kind, else nullptr.
const json* member(const json& obj, const char* key, json::value_t kind) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->type() == kind ? &*it : nullptr;
}

const std::string* string_member(const json& obj, const char* key) {
  const json* value = member(obj, key, json::value_t::string);
  return value != nullptr ? value->get_ptr<const std::string*>() : nullptr;
}

const std::string* string_at(const json& obj, const char* outer, const char* key) {
  const json* inner = member(obj, outer, json::value_t::object);
  return inner != nullptr ? string_member(*inner, key) : nullptr;
}

// "+<digits>" from digits, optionally already '+'-prefixed; separators that
// people write into phone numbers are dropped. nullopt for anything else.
std::optional<std::string> e164_from(const std::string* raw, bool allow_separators) {
  if (raw == nullptr) return std::nullopt;
  std::string out = "+";
  for (std::size_t i = 0; i < raw->size(); ++i) {
    char c = (*raw)[i];
    if (c >= '0' && c <= '9') out.push_back(c);
    else if (c == '+' && i == 0) continue;
    else if (allow_separators && (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')')) continue;
    else return std::nullopt;
  }
  if (!is_e164(out)) return std::nullopt;
  return out;
}

std::optional<std::string> ts_from(const std::string* raw) {
  if (raw == nullptr || raw->empty() || raw->size() > 12) return std::nullopt;
  std::int64_t seconds = 0;
  for (char c : *raw) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return canonical_utc_from_unix(seconds);
}

// The text a message of this type carries (see the header for the mapping).
const std::string* text_pointer(const json& message, const std::string& type) {
  if (type == "text") return string_at(message, "text", "body");
  if (type == "image" || type == "video" || type == "document") return string_at(message, type.c_str(), "caption");
  if (type == "button") return string_at(message, "button", "text");
  if (type == "reaction") return string_at(message, "reaction", "emoji");
  if (type == "interactive") {
    const json* interactive = member(message, "interactive", json::value_t::object);
    if (interactive == nullptr) return nullptr;
    const std::string* title = string_at(*interactive, "button_reply", "title");
    return title != nullptr ? title : string_at(*interactive, "list_reply", "title");
  }
  return nullptr;
}

std::optional<std::string> text_of(const json& message) {
  const std::string* type = string_member(message, "type");
  const std::string* text = type != nullptr ? text_pointer(message, *type) : nullptr;
  return text != nullptr ? std::optional<std::string>{*text} : std::nullopt;
}

// Between `low` and `high` code points and free of U+0000, which no backend
// stores (see core/webhook_payload.cpp).
bool storable(const std::string& s, std::size_t low, std::size_t high) {
  auto n = utf8_code_points(s);
  return n && *n >= low && *n <= high && s.find('\0') == std::string::npos;
}

// The message record of one messages[] item, or nullopt when it cannot be stored.
std::optional<message_record> record_of(const json& message, const std::optional<std::string>& to) {
  const std::string* id = string_member(message, "id");
  auto from = e164_from(string_member(message, "from"), false);
  auto ts = ts_from(string_member(message, "timestamp"));
  auto text = text_of(message);
  if (id == nullptr || !storable(*id, 1, max_message_id_chars) || !from || !to || !ts) return std::nullopt;
  if (text && !storable(*text, 0, max_text_chars)) return std::nullopt;
  return message_record{*id, *from, *to, *ts, std::move(text)};
}

void read_change_value(const json& value, whatsapp_notification& out) {
  const std::string* display = nullptr;
  if (const json* metadata = member(value, "metadata", json::value_t::object))
    display = string_member(*metadata, "display_phone_number");
  const auto to = e164_from(display, true);
  if (const json* messages = member(value, "messages", json::value_t::array))
    for (const auto& message : *messages) {
      if (auto record = record_of(message, to)) {
        out.messages.push_back(std::move(*record));
      } else {
        const std::string* id = string_member(message, "id");
        out.rejected.push_back(id != nullptr ? *id : std::string{});
      }
    }
  if (const json* statuses = member(value, "statuses", json::value_t::array))
    for (const auto& status : *statuses) {
      const std::string* id = string_member(status, "id");
      const std::string* name = string_member(status, "status");
      out.statuses.push_back({id != nullptr ? *id : "", name != nullptr ? *name : ""});
    }
}

field_error body_error(std::vector<std::string> loc, std::string type, std::string msg) {
  return field_error{std::move(type), std::move(loc), std::move(msg)};
}

}  // namespace

whatsapp_parse_result parse_whatsapp_notification(std::string_view raw_body) {
  whatsapp_parse_result result;
  if (raw_body.empty()) {
    result.errors.push_back(body_error({"body"}, "missing", "Field required"));
    return result;
  }
  const json doc = utf8_code_points(raw_body) ? json::parse(raw_body.begin(), raw_body.end(), nullptr, false)
                                              : json(json::value_t::discarded);
  if (doc.is_discarded()) {
    result.errors.push_back(body_error({"body"}, "json_invalid", "JSON decode error"));
    return result;
  }
  if (!doc.is_object()) {
    result.errors.push_back(body_error({"body"}, "model_attributes_type",
                                       "Input should be a valid dictionary or object to extract fields from"));
    return result;
  }
  const std::string* object = string_member(doc, "object");
  if (object == nullptr || *object != business_account)
    result.errors.push_back(body_error({"body", "object"}, doc.contains("object") ? "literal_error" : "missing",
                                       doc.contains("object") ? "Input should be 'whatsapp_business_account'"
                                                              : "Field required"));
  const json* entries = member(doc, "entry", json::value_t::array);
  if (entries == nullptr)
    result.errors.push_back(body_error({"body", "entry"}, doc.contains("entry") ? "list_type" : "missing",
                                       doc.contains("entry") ? "Input should be a valid list" : "Field required"));
  if (!result.errors.empty()) return result;

  whatsapp_notification notification;
  for (const auto& entry : *entries)
    if (const json* changes = member(entry, "changes", json::value_t::array))
      for (const auto& change : *changes)
        if (const json* value = member(change, "value", json::value_t::object))
          read_change_value(*value, notification);
  result.notification = std::move(notification);
  return result;
}

}  // namespace webhookd
