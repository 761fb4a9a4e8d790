// The JSON body of GET /stats, in the field order SPEC.md shows, written
// directly as text (core/json_text.hpp says why). GET /messages bodies are
// written by the query actor itself (core/message_page_json.hpp).
#pragma once

#include <string>

#include "messages/records.hpp"

namespace webhookd {

std::string stats_body(const stats_snapshot& stats);

}  // namespace webhookd
