// Writing JSON text straight into a string, for the large read responses:
// building an nlohmann tree first costs an allocation per key and value,
// which dominated GET /messages in profiles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace webhookd {

// Appends `value` as a JSON string literal: '"' and '\\' escaped, control
// characters as \b \f \n \r \t or \u00xx, other text as UTF-8. Bytes that
// are not well-formed UTF-8 become U+FFFD each, so the output is always
// valid JSON (as nlohmann's error_handler_t::replace does).
void append_json_string(std::string& out, std::string_view value);

// A JSON string, or null when there is no value.
void append_json_string_or_null(std::string& out, const std::optional<std::string>& value);

void append_json_int(std::string& out, std::int64_t value);

}  // namespace webhookd
