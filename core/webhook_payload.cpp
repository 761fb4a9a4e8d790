#include "core/webhook_payload.hpp"

#include <nlohmann/json.hpp>

#include "core/msisdn.hpp"
#include "core/timestamp.hpp"
#include "core/utf8.hpp"

namespace webhookd {

namespace {

using nlohmann::json;

// Message texts are Pydantic's, so clients see the same wording as before.
constexpr const char* msg_missing = "Field required";
constexpr const char* msg_string_type = "Input should be a valid string";
constexpr const char* msg_pattern = R"(String should match pattern '^\+[0-9]{1,15}$')";
constexpr const char* msg_ts = "Input should be a UTC timestamp YYYY-MM-DDTHH:MM:SSZ";
// JSON may spell U+0000 (\u0000); PostgreSQL text cannot hold it and a C
// string API would cut the value there, so no backend is asked to store it.
constexpr const char* msg_nul = "Value error, must not contain a NUL character";

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

field_error body_error(std::string type, std::string msg) {
  return field_error{std::move(type), {"body"}, std::move(msg)};
}

field_error field_err(const char* field, std::string type, std::string msg) {
  return field_error{std::move(type), {"body", field}, std::move(msg)};
}

// Looks up a required string field. Absent -> "missing"; present but not a
// string (JSON null included, as Pydantic does for a required str) ->
// "string_type". On success returns the string.
const std::string* required_string(const json& obj, const char* field,
                                   std::vector<field_error>& errors) {
  const auto it = obj.find(field);
  if (it == obj.end()) {
    errors.push_back(field_err(field, "missing", msg_missing));
    return nullptr;
  }
  if (!it->is_string()) {
    errors.push_back(field_err(field, "string_type", msg_string_type));
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

// The whole body was checked as UTF-8 and nlohmann rejects bad escapes, so
// every string here is valid; treat a failure as "too long" to stay safe.
std::size_t code_points(const std::string& s) {
  return utf8_code_points(s).value_or(static_cast<std::size_t>(-1));
}

}  // namespace

webhook_parse_result parse_webhook_payload(std::string_view raw_body) {
  webhook_parse_result result;

  // FastAPI treats an empty body as no body at all: a missing required body.
  if (raw_body.empty()) {
    result.errors.push_back(body_error("missing", msg_missing));
    return result;
  }
  if (!utf8_code_points(raw_body)) {
    result.errors.push_back(body_error("json_invalid", "JSON decode error"));
    return result;
  }
  // Non-throwing parse: malformed input must never become an exception path.
  const json doc = json::parse(raw_body.begin(), raw_body.end(), nullptr, false);
  if (doc.is_discarded()) {
    result.errors.push_back(body_error("json_invalid", "JSON decode error"));
    return result;
  }
  if (!doc.is_object()) {
    result.errors.push_back(body_error(
        "model_attributes_type",
        "Input should be a valid dictionary or object to extract fields from"));
    return result;
  }

  std::vector<field_error>& errors = result.errors;

  const std::string* message_id = required_string(doc, "message_id", errors);
  if (message_id != nullptr) {
    result.message_id = *message_id;
    const std::size_t n = code_points(*message_id);
    if (n < 1) {
      errors.push_back(field_err("message_id", "string_too_short",
                                 "String should have at least 1 character"));
    } else if (n > max_message_id_chars) {
      errors.push_back(field_err("message_id", "string_too_long",
                                 "String should have at most 256 characters"));
    } else if (has_nul(*message_id)) {
      errors.push_back(field_err("message_id", "value_error", msg_nul));
    }
  }

  const std::string* from = required_string(doc, "from", errors);
  if (from != nullptr && !is_e164(*from)) {
    errors.push_back(field_err("from", "string_pattern_mismatch", msg_pattern));
  }

  const std::string* to = required_string(doc, "to", errors);
  if (to != nullptr && !is_e164(*to)) {
    errors.push_back(field_err("to", "string_pattern_mismatch", msg_pattern));
  }

  const std::string* ts = required_string(doc, "ts", errors);
  if (ts != nullptr && !is_canonical_utc_timestamp(*ts)) {
    errors.push_back(field_err("ts", "datetime_format", msg_ts));
  }

  // text is optional: absent and null both mean "no text" (stored as NULL).
  std::optional<std::string> text;
  if (const auto it = doc.find("text"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) {
      errors.push_back(field_err("text", "string_type", msg_string_type));
    } else if (code_points(it->get_ref<const std::string&>()) > max_text_chars) {
      errors.push_back(field_err("text", "string_too_long",
                                 "String should have at most 4096 characters"));
    } else if (has_nul(it->get_ref<const std::string&>())) {
      errors.push_back(field_err("text", "value_error", msg_nul));
    } else {
      text = it->get<std::string>();
    }
  }

  if (errors.empty()) {
    result.record = message_record{*message_id, *from, *to, *ts, std::move(text)};
  }
  return result;
}

}  // namespace webhookd
