#include "actors/storage/sqlite/table_positions.hpp"

#include <algorithm>

#include "actors/storage/sqlite/day_counts.hpp"
#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

std::int64_t first_second_of(std::int64_t day, int hour) { return day * seconds_per_day + hour * seconds_per_hour; }

// The hour counts of `day` (zeros when the day has no row).
day_tally hours_of(read_statements& sql, std::int64_t day) {
  day_tally tally;
  auto& stmt = sql.day_hours;
  stmt.bind(1, day);
  if (stmt.step()) {
    tally.rows = stmt.column_int(0);
    for (int hour = 0; hour < hours_per_day; ++hour)
      tally.hours[static_cast<std::size_t>(hour)] = stmt.column_int(hour + 1);
  }
  stmt.reset();
  return tally;
}

}  // namespace

void day_index::refresh(read_statements& sql, std::int64_t ingest_seq) {
  if (ingest_seq_ == ingest_seq) return;
  days_.clear();
  before_.clear();
  rows_ = 0;
  auto& stmt = sql.day_totals;
  while (stmt.step()) {
    days_.push_back(stmt.column_int(0));
    before_.push_back(rows_);
    rows_ += stmt.column_int(1);
  }
  stmt.reset();
  ingest_seq_ = ingest_seq;
}

std::int64_t day_index::rows_before(read_statements& sql, std::int64_t second) const {
  const std::int64_t day = day_of(second);
  const int hour = hour_of(second);
  const auto at = std::lower_bound(days_.begin(), days_.end(), day);
  std::int64_t before = at == days_.end() ? rows_ : before_[static_cast<std::size_t>(at - days_.begin())];
  if (at == days_.end() || *at != day) return before;
  const day_tally tally = hours_of(sql, day);
  for (int h = 0; h < hour; ++h) before += tally.hours[static_cast<std::size_t>(h)];
  sql.rows_in_range.bind(1, first_rowid(first_second_of(day, hour)));
  sql.rows_in_range.bind(2, first_rowid(second));
  if (sql.rows_in_range.step()) before += sql.rows_in_range.column_int(0);
  sql.rows_in_range.reset();
  return before;
}

std::optional<stream_position> day_index::locate(read_statements& sql, std::int64_t position) const {
  if (position < 0 || position >= rows_) return std::nullopt;
  // The last day whose rows before it are at most `position`.
  const auto after = std::upper_bound(before_.begin(), before_.end(), position);
  const auto i = static_cast<std::size_t>(after - before_.begin()) - 1;
  const std::int64_t day = days_[i];
  const std::int64_t in_day = position - before_[i];
  const day_tally tally = hours_of(sql, day);
  std::int64_t left = in_day;
  for (int hour = 0; hour < hours_per_day; ++hour) {
    const std::int64_t in_hour = tally.hours[static_cast<std::size_t>(hour)];
    if (left < in_hour) {
      table_keys keys{sql, first_rowid(first_second_of(day, hour))};
      return find_position(keys, left);
    }
    left -= in_hour;
  }
  // Hours that do not add up to their day (a file changed by hand): walk the day.
  table_keys keys{sql, first_rowid(first_second_of(day, 0))};
  return find_position(keys, in_day);
}

}  // namespace webhookd::sqlite
