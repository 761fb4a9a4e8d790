#include "actors/storage/sqlite/day_counts.hpp"

#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

// h00 .. h23.
std::string hour_column(int hour) {
  return std::string{"h"} + static_cast<char>('0' + hour / 10) + static_cast<char>('0' + hour % 10);
}

// "h00<suffix>, h01<suffix>, ..." with `each(column, hour)` for every hour.
template <class Each>
std::string for_each_hour(Each each) {
  std::string sql;
  for (int hour = 0; hour < hours_per_day; ++hour) {
    if (hour > 0) sql += ", ";
    sql += each(hour_column(hour), hour);
  }
  return sql;
}

}  // namespace

std::string create_day_counts_sql() {
  return "CREATE TABLE day_counts (day INTEGER PRIMARY KEY, message_count INTEGER NOT NULL, " +
         for_each_hour([](const std::string& c, int) { return c + " INTEGER NOT NULL DEFAULT 0"; }) + ")";
}

std::string backfill_day_counts_sql() {
  const std::string second = "(rowid >> " + std::to_string(sequence_bits) + ")";
  const std::string day = second + " / " + std::to_string(seconds_per_day);
  const std::string hour = "(" + second + " % " + std::to_string(seconds_per_day) + ") / " +
                           std::to_string(seconds_per_hour);
  return "INSERT INTO day_counts (day, message_count, " +
         for_each_hour([](const std::string& c, int) { return c; }) + ") SELECT " + day + ", COUNT(*), " +
         for_each_hour([&](const std::string&, int h) { return "SUM(" + hour + " = " + std::to_string(h) + ")"; }) +
         " FROM messages GROUP BY 1";
}

std::string add_to_day_sql() {
  return "INSERT INTO day_counts (day, message_count, " + for_each_hour([](const std::string& c, int) { return c; }) +
         ") VALUES (?1, ?2, " +
         for_each_hour([](const std::string&, int h) { return "?" + std::to_string(h + 3); }) +
         ") ON CONFLICT (day) DO UPDATE SET message_count = message_count + excluded.message_count, " +
         for_each_hour([](const std::string& c, int) { return c + " = " + c + " + excluded." + c; });
}

std::string day_hours_sql() {
  return "SELECT message_count, " + for_each_hour([](const std::string& c, int) { return c; }) +
         " FROM day_counts WHERE day = ?1";
}

}  // namespace webhookd::sqlite
