// Validation of the POST /webhook body (SPEC.md "POST /webhook", step 4).
// Runs only after the signature check, on the exact bytes received.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_error.hpp"
#include "messages/records.hpp"

namespace webhookd {

// Limits of a stored message (SPEC.md), in Unicode code points.
inline constexpr std::size_t max_message_id_chars = 256;
inline constexpr std::size_t max_text_chars = 4096;

struct webhook_parse_result {
  std::optional<message_record> record;   // set only when errors is empty
  std::vector<field_error> errors;        // in field order: message_id, from, to, ts, text
  std::optional<std::string> message_id;  // the body's message_id whenever it was a
                                          // JSON string, even if checks failed (for logs)
};

// Parses and validates a webhook body. Errors follow FastAPI/Pydantic v2:
//   empty body        -> missing / ["body"]
//   not UTF-8 / JSON  -> json_invalid / ["body"]
//   not a JSON object -> model_attributes_type / ["body"]
//   otherwise one entry per failing field with loc ["body", "<field>"].
// Unknown fields are ignored; with duplicate keys the last one wins.
webhook_parse_result parse_webhook_payload(std::string_view raw_body);

}  // namespace webhookd
