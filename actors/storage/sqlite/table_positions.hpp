// Positions in the whole table's ts order from the day counts (day_counts.hpp):
// how many rows come before a second, and where the row at a position is, at
// the cost of a binary search over the days, one day's hours and at most one
// hour's rowids (not a walk from the first row).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/row_streams.hpp"

namespace webhookd::sqlite {

// Every day of day_counts with the rows before it, read once per state of
// the table (a query actor keeps one; re-read when rows arrived).
class day_index {
 public:
  // Brings the index to the snapshot whose message_totals.ingest_seq is
  // `ingest_seq`: one read of day_counts when rows have arrived since.
  void refresh(read_statements& sql, std::int64_t ingest_seq);

  // Rows whose rowid is below first_rowid(second): those with an earlier ts.
  std::int64_t rows_before(read_statements& sql, std::int64_t second) const;

  // The row at 0-based `position` of the table; nullopt past the last row.
  std::optional<stream_position> locate(read_statements& sql, std::int64_t position) const;

 private:
  std::optional<std::int64_t> ingest_seq_;
  std::vector<std::int64_t> days_;
  std::vector<std::int64_t> before_;  // before_[i]: the rows of days_[0 .. i)
  std::int64_t rows_ = 0;
};

}  // namespace webhookd::sqlite
