// How a query actor answers GET /messages and GET /stats on SQLite: which
// rows a page is written from and where its total comes from, for every
// filter combination. The choices, with what each costs on the 1M-row bench
// file, are in the README (Data).
#pragma once

#include "actors/storage/sqlite/arrival_cache.hpp"
#include "actors/storage/sqlite/count_cache.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/table_positions.hpp"
#include "messages/records.hpp"

namespace webhookd::sqlite {

// Both run inside the caller's read transaction. `text`: the attached text
// index's statements, or null while there is no index file to attach;
// `days` and `arrivals`: the caller's own day index and recent arrivals,
// brought up to date here.
rendered_page list_messages(read_statements& sql, text_statements* text, count_cache& counts, day_index& days,
                            arrival_cache& arrivals, const message_query& q);
stats_snapshot read_stats(read_statements& sql);

}  // namespace webhookd::sqlite
