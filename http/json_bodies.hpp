// JSON bodies of the read endpoints, in the field order SPEC.md shows.
#pragma once

#include <nlohmann/json.hpp>

#include "messages/records.hpp"

namespace webhookd {

nlohmann::ordered_json message_page_body(const message_page& page, const message_query& query);
nlohmann::ordered_json stats_body(const stats_snapshot& stats);

}  // namespace webhookd
