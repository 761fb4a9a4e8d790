// What the listing planners (list_planner.cpp, text_search.cpp) share: the
// table's totals, a request's filters resolved once, and how a page is
// written from a stream of matching rows, reaching a deep offset through
// their keys first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/row_key.hpp"
#include "actors/storage/sqlite/row_streams.hpp"
#include "core/message_page_json.hpp"
#include "core/text_match.hpp"
#include "messages/records.hpp"

namespace webhookd::sqlite {

// Offsets below this are walked from the first row; deeper ones are found
// first (by the day counts, or by stepping through an index's keys alone).
inline constexpr std::int64_t walked_offsets = 256;

// message_totals, read at the start of every answer.
struct table_totals {
  std::int64_t messages = 0, senders = 0;
  std::optional<std::string> first_ts, last_ts;
  std::int64_t ingest_seq = 0;
};
table_totals read_totals(read_statements& sql);

// The first column of a one-row statement's row (0 when there is none).
std::int64_t single_int(statement& stmt);
std::int64_t sender_total(read_statements& sql, const std::string& from);

// The filters of a request, resolved once.
struct list_filters {
  const message_query& q;
  std::int64_t start_rowid = 0;  // first rowid `since` allows
  std::optional<folded_needle> needle;

  explicit list_filters(const message_query& query);
  bool admits(std::int64_t rowid, std::string_view from, const std::optional<std::string_view>& text) const;
};

// Writes the page from `rows` (the filtered rows from the start), finding a
// deep offset through `keys` (the same rows' keys) first.
template <class MakeRows, class MakeKeys>
void write_page(read_statements& sql, message_page_json& out, const message_query& q, MakeRows make_rows,
                MakeKeys make_keys) {
  if (q.offset < walked_offsets) {
    ordered_page page{out, q.offset, q.limit};
    make_rows(std::optional<std::int64_t>{}, [&](row_stream& rows) { fill_page(sql, rows, page); });
    return;
  }
  std::optional<stream_position> at;
  make_keys([&](key_stream& keys) { at = find_position(keys, q.offset); });
  if (!at) return;
  ordered_page page{out, at->rank, q.limit};
  make_rows(std::optional<std::int64_t>{first_rowid(at->second)},
            [&](row_stream& rows) { fill_page(sql, rows, page); });
}

}  // namespace webhookd::sqlite
