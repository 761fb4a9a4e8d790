#include "actors/storage/sqlite/list_planner.hpp"

#include <string>

#include "actors/storage/sqlite/list_parts.hpp"
#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/row_key.hpp"
#include "actors/storage/sqlite/row_streams.hpp"
#include "actors/storage/sqlite/table_positions.hpp"
#include "actors/storage/sqlite/text_search.hpp"
#include "core/message_page_json.hpp"
#include "messages/string_pool.hpp"

namespace webhookd::sqlite {

namespace {

std::int64_t list_without_text(read_statements& sql, day_index& days, const message_query& q,
                               const table_totals& totals, message_page_json& out) {
  const list_filters filters{q};
  std::int64_t total = 0;
  if (!q.from) {
    days.refresh(sql, totals.ingest_seq);
    const std::int64_t before = q.since ? days.rows_before(sql, second_of(*q.since)) : 0;
    total = totals.messages - before;
    if (q.offset >= total) return total;
    if (q.offset < walked_offsets) {
      ordered_page page{out, q.offset, q.limit};
      table_rows rows{sql, filters.start_rowid};
      fill_page(sql, rows, page);
    } else if (auto at = days.locate(sql, before + q.offset)) {
      ordered_page page{out, at->rank, q.limit};
      table_rows rows{sql, first_rowid(at->second)};
      fill_page(sql, rows, page);
    }
    return total;
  }
  const std::string& from = *q.from;
  if (q.since) {
    total = count_sender_rows(sql, from, filters.start_rowid);
  } else {
    total = sender_total(sql, from);
  }
  if (q.offset >= total) return total;
  write_page(
    sql, out, q,
    [&](std::optional<std::int64_t> start, auto use) {
      sender_rows rows{sql, from, start.value_or(filters.start_rowid)};
      use(rows);
    },
    [&](auto use) {
      sender_keys keys{sql, from, filters.start_rowid};
      use(keys);
    });
  return total;
}

}  // namespace

rendered_page list_messages(read_statements& sql, text_statements* text, count_cache& counts, day_index& days,
                            arrival_cache& arrivals, const message_query& q) {
  const auto index_state = q.q ? read_index_state(text) : std::nullopt;
  const table_totals totals = read_totals(sql);
  message_page_json out{page_buffers().take()};
  rendered_page answer;
  if (q.q) {
    answer.total = search_messages(sql, text, index_state, counts, arrivals, q, totals, out);
  } else {
    answer.total = list_without_text(sql, days, q, totals, out);
  }
  answer.json = pooled_string{out.finish(answer.total, q.limit, q.offset), &page_buffers()};
  return answer;
}

stats_snapshot read_stats(read_statements& sql) {
  const table_totals totals = read_totals(sql);
  stats_snapshot stats;
  stats.total_messages = totals.messages;
  stats.senders_count = totals.senders;
  stats.first_message_ts = totals.first_ts;
  stats.last_message_ts = totals.last_ts;
  while (sql.top_senders.step())
    stats.messages_per_sender.push_back({sql.top_senders.column_text(0), sql.top_senders.column_int(1)});
  sql.top_senders.reset();
  return stats;
}

}  // namespace webhookd::sqlite
