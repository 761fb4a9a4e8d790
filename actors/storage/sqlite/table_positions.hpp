// Positions in the whole table's ts order from the day counts (day_counts.hpp):
// how many rows come before a second, and where the row at a position is, at
// the cost of a binary search over the days, one day's hours and at most one
// hour's rowids, or one minute's in a busy hour (not a walk from the first
// row).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "actors/storage/sqlite/read_statements.hpp"
#include "actors/storage/sqlite/row_streams.hpp"

namespace webhookd::sqlite {

// Rows per minute of the busy hours, counted from an hour's rowids the first
// time a position falls inside it, and kept while the hour's count in
// day_counts is the one they add up to (rows are never removed, so an hour
// that gained a row has another count). A live feed of 16 messages a second
// puts 57,600 rows in an hour: without these, every offset or `since` inside
// it walked up to that many rowids (random offsets over 1.19M rows, a tenth of
// them in three such hours: 4.7k req/s, p99 37.5 ms, against 10.1k before the
// live hours were there).
class minute_counts {
 public:
  static constexpr int minutes_per_hour = 60;
  // Hours with fewer rows are walked: a walk that short costs less than
  // counting the hour.
  static constexpr std::int64_t busy_hour_rows = 2048;

  // The minute counts of the hour starting at `first_second`, which holds
  // `rows` rows in this snapshot; nullptr when its rowids do not add up to
  // that (a file changed by hand).
  const std::array<std::int64_t, minutes_per_hour>* of(read_statements& sql, std::int64_t first_second,
                                                      std::int64_t rows);

 private:
  struct hour { std::int64_t rows = 0; std::array<std::int64_t, minutes_per_hour> minutes{}; };
  static constexpr std::size_t kept_hours = 256;  // about 130 KB
  std::unordered_map<std::int64_t, hour> hours_;
};

// Every day of day_counts with the rows before it, read once per state of
// the table (a query actor keeps one; re-read when rows arrived).
class day_index {
 public:
  // Brings the index to the snapshot whose message_totals.ingest_seq is
  // `ingest_seq`: one read of day_counts when rows have arrived since.
  void refresh(read_statements& sql, std::int64_t ingest_seq);

  // Rows whose rowid is below first_rowid(second): those with an earlier ts.
  std::int64_t rows_before(read_statements& sql, std::int64_t second);

  // The row at 0-based `position` of the table; nullopt past the last row.
  std::optional<stream_position> locate(read_statements& sql, std::int64_t position);

 private:
  std::optional<std::int64_t> ingest_seq_;
  std::vector<std::int64_t> days_;
  std::vector<std::int64_t> before_;  // before_[i]: the rows of days_[0 .. i)
  std::int64_t rows_ = 0;
  minute_counts minutes_;
};

}  // namespace webhookd::sqlite
