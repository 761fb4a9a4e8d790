// The days of day_counts with the number of rows before each, so that a deep
// offset finds its day by a binary search instead of stepping through every
// day's count (half a year of days for the middle of a year's data).
//
// Right for one state of the table (its largest rowid and row count, the mark
// the remembered totals use). Built on the second request that finds the
// table as the first one left it: under live ingest the mark changes between
// requests, and the days are stepped through as without it rather than summed
// up again for every request.
//
// Owned by one query actor. Bounded: at most max_indexed_days days (a day is
// about 40 bytes here), more are stepped through.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace webhookd {

inline constexpr std::size_t max_indexed_days = 100000;

struct day_position {
  std::string day;            // the day holding the row
  std::int64_t day_rows = 0;  // rows in that day
  std::int64_t in_day = 0;    // the row's position inside the day
};

struct day_offsets {
  std::int64_t watermark = -1;  // the mark the days were read (or noted) at
  std::int64_t rows = -1;
  bool built = false;
  bool too_many = false;  // built, but more than max_indexed_days days: not kept
  std::vector<std::string> days;            // in order
  std::vector<std::int64_t> rows_before;    // rows in all earlier days
  std::vector<std::int64_t> rows_in;        // rows in the day

  void add(std::string day, std::int64_t count) {
    rows_before.push_back(rows_before.empty() ? 0 : rows_before.back() + rows_in.back());
    days.push_back(std::move(day));
    rows_in.push_back(count);
  }

  // The row `offset` rows after the first row of the days from `first_day`
  // on; nullopt when there are not that many rows.
  std::optional<day_position> locate(const std::string& first_day, std::int64_t offset) const {
    const auto first = std::lower_bound(days.begin(), days.end(), first_day) - days.begin();
    if (first == static_cast<std::ptrdiff_t>(days.size())) return std::nullopt;
    const std::int64_t before = rows_before[static_cast<std::size_t>(first)];
    // Compared before adding: an offset near the int64 maximum must not overflow.
    if (offset >= rows_before.back() + rows_in.back() - before) return std::nullopt;
    const std::int64_t target = before + offset;
    // The last day starting at or before the target (an empty day sorts
    // before the day that shares its start, so it is never the answer).
    const auto after = std::upper_bound(rows_before.begin(), rows_before.end(), target) - rows_before.begin();
    const auto index = static_cast<std::size_t>(after - 1);
    if (target >= rows_before[index] + rows_in[index]) return std::nullopt;
    return day_position{days[index], rows_in[index], target - rows_before[index]};
  }
};

}  // namespace webhookd
