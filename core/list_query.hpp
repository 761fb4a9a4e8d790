// Validation of GET /messages query parameters into a message_query.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/field_error.hpp"
#include "messages/records.hpp"

namespace webhookd {

struct list_query_result {
  std::optional<message_query> query;  // set only when errors is empty
  std::vector<field_error> errors;     // in order: limit, offset, from, since, q
};

// `params` are already percent-decoded, in URL order. A repeated parameter:
// the last one wins. Unknown parameters are ignored. Errors carry loc
// ["query", "<name>"] and Pydantic v2 types/messages. A NUL byte in `from`,
// `since` or `q` is an error (type "value_error"), never a filter.
list_query_result parse_list_query(
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace webhookd
