// GET /messages with `q`: through the text index (text_index.hpp) and the rows
// it does not hold yet, through one sender's rows, or (no index yet) through
// every row; totals remembered per filter combination with the first matches
// beside them (count_cache.hpp, match_head.hpp).
#pragma once

#include <cstdint>
#include <optional>

#include "actors/storage/sqlite/arrival_cache.hpp"
#include "actors/storage/sqlite/count_cache.hpp"
#include "actors/storage/sqlite/list_parts.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "core/message_page_json.hpp"
#include "messages/records.hpp"

namespace webhookd::sqlite {

// The index's state, read before the messages' totals, so that its snapshot
// is never newer than theirs: it only ever holds rows the messages already
// had, and those are in any later snapshot of them too. nullopt without an
// attached index.
std::optional<text_index_state> read_index_state(text_statements* text);

// Writes the page of `q` (which has q.q) into `out` and returns its total,
// inside the caller's read transaction.
// `arrivals`: the caller's own recent arrivals, brought up to date here.
std::int64_t search_messages(read_statements& sql, text_statements* text,
                             const std::optional<text_index_state>& index_state, count_cache& counts,
                             arrival_cache& arrivals, const message_query& q, const table_totals& totals,
                             message_page_json& out);

}  // namespace webhookd::sqlite
