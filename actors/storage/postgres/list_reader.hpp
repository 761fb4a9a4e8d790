// How a PostgreSQL query actor answers GET /messages and GET /stats: each in
// one prepared statement, so `data` and `total` come from one snapshot, in one
// round trip.
//
// - No filter, or only `since`: the total from the per-day counts plus one
//   bounded count inside since's day; an offset reached by skipping whole
//   days and walking the (ts, message_id) index inside one.
// - `from` (without q): the sender's count, or an index count over that
//   sender's rows for `from`+`since`; the page from the (from, ts) index.
// - `q`: a literal, ASCII case-insensitive LIKE over lower(text COLLATE "C"),
//   with the other filters, served by the trigram index where the planner
//   finds it pays (schema.cpp); its cost is bounded by the actor's deadline.
#pragma once

#include "actors/storage/postgres/connection.hpp"
#include "messages/records.hpp"

namespace webhookd::postgres {

rendered_page list_messages(connection& db, const message_query& q, const stop_check& stop);
stats_snapshot read_stats(connection& db, const stop_check& stop);

// The LIKE pattern matching `needle` literally anywhere in a text folded by
// lower() under the "C" collation: ASCII letters folded, '%', '_' and '\'
// escaped.
std::string contains_pattern(std::string_view needle);

}  // namespace webhookd::postgres
