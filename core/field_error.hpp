// One failed validation check, reported to clients in the FastAPI/Pydantic v2
// 422 shape so callers written against the Python service keep working.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webhookd {

struct field_error {
  std::string type;              // Pydantic error type, e.g. "string_type"
  std::vector<std::string> loc;  // e.g. {"body", "from"} or {"query", "limit"}
  std::string msg;               // human-readable explanation
};

// {"detail":[{"type":…,"loc":[…],"msg":…},…]}. The offending input value is
// deliberately not echoed: it may be large, or text we promise never to leak.
inline nlohmann::json validation_error_body(const std::vector<field_error>& errors) {
  nlohmann::json detail = nlohmann::json::array();
  for (const auto& e : errors) {
    detail.push_back({{"type", e.type}, {"loc", e.loc}, {"msg", e.msg}});
  }
  return nlohmann::json{{"detail", std::move(detail)}};
}

}  // namespace webhookd
