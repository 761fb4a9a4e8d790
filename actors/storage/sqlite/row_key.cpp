#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

// `count` decimal digits at `at`, or -1.
int digits(std::string_view s, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, for a
// month of 1..12 (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int year_of_era = y - era * 400;
  const int day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

// The inverse of days_from_civil, for days counted from 1970-01-01.
void civil_from_days(std::int64_t days, int& y, int& m, int& d) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int day_of_era = static_cast<int>(days - era * 146097);
  const int year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int shifted_month = (5 * day_of_year + 2) / 153;
  d = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  m = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  y = static_cast<int>(year_of_era + era * 400) + (m <= 2);
}

// Writes `value` as `count` decimal digits ending before `end`.
void put_digits(char* end, int value, int count) {
  for (int i = 0; i < count; ++i, value /= 10) *--end = static_cast<char>('0' + value % 10);
}

// days_from_civil(0, 1, 1): 0000-01-01 is 719,528 days before 1970-01-01.
constexpr std::int64_t year_zero = -719528;

}  // namespace

std::int64_t second_of(std::string_view ts) {
  // YYYY-MM-DDTHH:MM:SS (with the T: so that the first 19 characters of every
  // ts of a second > 0 sort as the seconds do, which the sender index needs)
  if (ts.size() < 19 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' || ts[16] != ':') return 0;
  const int year = digits(ts, 0, 4), month = digits(ts, 5, 2), day = digits(ts, 8, 2);
  const int hour = digits(ts, 11, 2), minute = digits(ts, 14, 2), second = digits(ts, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return 0;
  const std::int64_t days = days_from_civil(year, month, day) - year_zero;
  return days * seconds_per_day + hour * seconds_per_hour + minute * 60 + second;
}

std::string ts_of_second(std::int64_t second) {
  int year = 0, month = 0, day = 0;
  civil_from_days(second / seconds_per_day + year_zero, year, month, day);
  const int of_day = static_cast<int>(second % seconds_per_day);
  std::string ts = "0000-00-00T00:00:00";
  put_digits(ts.data() + 4, year, 4);
  put_digits(ts.data() + 7, month, 2);
  put_digits(ts.data() + 10, day, 2);
  put_digits(ts.data() + 13, of_day / 3600, 2);
  put_digits(ts.data() + 16, of_day / 60 % 60, 2);
  put_digits(ts.data() + 19, of_day % 60, 2);
  return ts;
}

std::string least_ts_of_rowid(std::int64_t rowid) {
  static const std::int64_t last_second = second_of("9999-12-31T23:59:59");
  const std::int64_t second = second_of_rowid(rowid);
  if (second > last_second) return "~";  // after every ts that starts with a digit
  return second > 0 ? ts_of_second(second) : std::string{};
}

}  // namespace webhookd::sqlite
