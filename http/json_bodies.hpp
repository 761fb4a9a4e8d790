// JSON bodies of the read endpoints, in the field order SPEC.md shows,
// written directly as text (core/json_text.hpp says why).
#pragma once

#include <string>

#include "messages/records.hpp"

namespace webhookd {

std::string message_page_body(const message_page& page, const message_query& query);
std::string stats_body(const stats_snapshot& stats);

}  // namespace webhookd
