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

constexpr std::int64_t seconds_per_minute = 60;

}  // namespace

const std::array<std::int64_t, minute_counts::minutes_per_hour>* minute_counts::of(read_statements& sql,
                                                                                  std::int64_t first_second,
                                                                                  std::int64_t rows) {
  if (auto known = hours_.find(first_second); known != hours_.end() && known->second.rows == rows)
    return &known->second.minutes;
  hour counted;
  {
    const std::int64_t end = first_rowid(first_second + seconds_per_hour);
    table_keys keys{sql, first_rowid(first_second)};
    std::int64_t rowid = 0;
    while (keys.next(rowid) && rowid < end) {
      const std::int64_t minute = (second_of_rowid(rowid) - first_second) / seconds_per_minute;
      ++counted.minutes[static_cast<std::size_t>(minute)];
      ++counted.rows;
    }
  }
  if (counted.rows != rows) return nullptr;
  if (hours_.size() >= kept_hours) hours_.clear();
  auto& kept = hours_[first_second] = counted;
  return &kept.minutes;
}

void day_index::refresh(read_statements& sql, std::int64_t ingest_seq) {
  if (ingest_seq_ == ingest_seq) return;
  // An older state is another database (replaced on disk): nothing counted
  // for this one holds.
  if (ingest_seq_ && ingest_seq < *ingest_seq_) minutes_ = minute_counts{};
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

std::int64_t day_index::rows_before(read_statements& sql, std::int64_t second) {
  const std::int64_t day = day_of(second);
  const int hour = hour_of(second);
  const auto at = std::lower_bound(days_.begin(), days_.end(), day);
  std::int64_t before = at == days_.end() ? rows_ : before_[static_cast<std::size_t>(at - days_.begin())];
  if (at == days_.end() || *at != day) return before;
  const day_tally tally = hours_of(sql, day);
  for (int h = 0; h < hour; ++h) before += tally.hours[static_cast<std::size_t>(h)];
  std::int64_t counted_from = first_second_of(day, hour);
  const std::int64_t in_hour = tally.hours[static_cast<std::size_t>(hour)];
  if (in_hour >= minute_counts::busy_hour_rows) {
    if (const auto* minutes = minutes_.of(sql, counted_from, in_hour)) {
      const auto minute = static_cast<std::size_t>((second - counted_from) / seconds_per_minute);
      for (std::size_t m = 0; m < minute; ++m) before += (*minutes)[m];
      counted_from += static_cast<std::int64_t>(minute) * seconds_per_minute;
    }
  }
  return before + rows_between(sql, counted_from, second);
}

std::optional<stream_position> day_index::locate(read_statements& sql, std::int64_t position) {
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
      std::int64_t walk_from = first_second_of(day, hour);
      if (in_hour >= minute_counts::busy_hour_rows) {
        if (const auto* minutes = minutes_.of(sql, walk_from, in_hour)) {
          for (std::int64_t in_minute : *minutes) {
            if (left < in_minute) break;
            left -= in_minute;
            walk_from += seconds_per_minute;
          }
        }
      }
      table_keys keys{sql, first_rowid(walk_from)};
      return find_position(keys, left);
    }
    left -= in_hour;
  }
  // Hours that do not add up to their day (a file changed by hand): walk the day.
  table_keys keys{sql, first_rowid(first_second_of(day, 0))};
  return find_position(keys, in_day);
}

}  // namespace webhookd::sqlite
