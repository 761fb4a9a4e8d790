#include "actors/storage/sqlite/list_parts.hpp"

namespace webhookd::sqlite {

table_totals read_totals(read_statements& sql) {
  table_totals t;
  if (sql.totals.step()) {
    t.messages = sql.totals.column_int(0);
    t.senders = sql.totals.column_int(1);
    t.first_ts = sql.totals.column_optional_text(2);
    t.last_ts = sql.totals.column_optional_text(3);
    t.ingest_seq = sql.totals.column_int(4);
  }
  sql.totals.reset();
  return t;
}

std::int64_t single_int(statement& stmt) {
  const std::int64_t value = stmt.step() ? stmt.column_int(0) : 0;
  stmt.reset();
  return value;
}

std::int64_t sender_total(read_statements& sql, const std::string& from) {
  sql.sender_total.bind(1, std::string_view{from});
  return single_int(sql.sender_total);
}

list_filters::list_filters(const message_query& query) : q(query) {
  if (q.since) start_rowid = first_rowid(second_of(*q.since));
  if (q.q) needle.emplace(*q.q);
}

bool list_filters::admits(std::int64_t rowid, std::string_view from,
                          const std::optional<std::string_view>& text) const {
  if (rowid < start_rowid) return false;
  if (q.from && from != *q.from) return false;
  return !needle || (text && needle->found_in(*text));
}

}  // namespace webhookd::sqlite
