// Rows per UTC day and per hour of that day, kept by the storage actor for
// every batch (one upsert per distinct day). Readers skip whole days and
// hours with them: a `since` total or an offset position costs the days
// before it (a year is 366 rows), one day's hour columns and at most one
// hour's rows (row_key.hpp keeps a day, an hour and a second each one
// contiguous rowid range).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace webhookd::sqlite {

inline constexpr int hours_per_day = 24;

// One day's counts, as the table holds them.
struct day_tally {
  std::int64_t rows = 0;
  std::array<std::int64_t, hours_per_day> hours{};
};

// day_counts(day INTEGER PRIMARY KEY: days since 0000-01-01, message_count,
// h00 .. h23).
std::string create_day_counts_sql();
// Fills day_counts from messages (the migration).
std::string backfill_day_counts_sql();
// Adds ?2 rows to day ?1, ?3 .. ?26 to its hours.
std::string add_to_day_sql();
// message_count, h00 .. h23 of day ?1.
std::string day_hours_sql();

}  // namespace webhookd::sqlite
