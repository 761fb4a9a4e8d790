#include "core/timestamp.hpp"

#include <cstdio>

namespace webhookd {

namespace {

constexpr int seconds_per_day = 24 * 60 * 60;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` ASCII digits at s[pos..]; false if any is not a digit or the
// string is too short.
bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap_year(y)) ? 29 : days[m - 1];
}

struct civil_date {
  int year = 0;
  int month = 0;
  int day = 0;
};

// "YYYY-MM-DD" at the start of s, years 0001..9999.
bool parse_date(std::string_view s, civil_date& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!read_digits(s, 0, 4, d.year) || !read_digits(s, 5, 2, d.month) ||
      !read_digits(s, 8, 2, d.day)) {
    return false;
  }
  return d.year >= 1 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

// "HH:MM:SS" at s[pos..], as seconds since midnight.
bool parse_time(std::string_view s, std::size_t pos, int& seconds_of_day) {
  int h = 0;
  int m = 0;
  int sec = 0;
  if (pos + 8 > s.size() || s[pos + 2] != ':' || s[pos + 5] != ':') return false;
  if (!read_digits(s, pos, 2, h) || !read_digits(s, pos + 3, 2, m) ||
      !read_digits(s, pos + 6, 2, sec)) {
    return false;
  }
  if (h > 23 || m > 59 || sec > 59) return false;
  seconds_of_day = h * 3600 + m * 60 + sec;
  return true;
}

void step_back_one_day(civil_date& d) {
  if (--d.day >= 1) return;
  if (--d.month < 1) {
    d.month = 12;
    --d.year;
  }
  d.day = days_in_month(d.year, d.month);
}

void step_forward_one_day(civil_date& d) {
  if (++d.day <= days_in_month(d.year, d.month)) return;
  d.day = 1;
  if (++d.month > 12) {
    d.month = 1;
    ++d.year;
  }
}

std::string format_canonical(const civil_date& d, int seconds_of_day) {
  char buf[80];  // room for any int values, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60);
  return std::string(buf);
}

}  // namespace

bool is_canonical_utc_timestamp(std::string_view s) {
  civil_date d;
  int seconds_of_day = 0;
  return s.size() == 20 && s[10] == 'T' && s[19] == 'Z' && parse_date(s, d) &&
         parse_time(s, 11, seconds_of_day);
}

std::optional<std::string> since_lower_bound(std::string_view s) {
  civil_date d;
  if (!parse_date(s, d)) return std::nullopt;
  if (s.size() == 10) return format_canonical(d, 0);  // date only: midnight UTC

  const char sep = s[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  int seconds_of_day = 0;
  if (!parse_time(s, 11, seconds_of_day)) return std::nullopt;
  std::size_t pos = 19;

  // Fractional seconds: any non-zero digit means the instant lies strictly
  // after the whole second, and stored values have no fraction, so the first
  // stored value that can qualify is the next whole second.
  bool round_up = false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (s[pos] != '0') round_up = true;
      ++pos;
    }
    const std::size_t digits = pos - first;
    if (digits < 1 || digits > 9) return std::nullopt;
  }

  // Zone designator. A missing one is read as UTC: the contract calls the
  // parameter a UTC timestamp, and every stored value is UTC.
  int offset_seconds = 0;  // local time minus UTC
  if (pos < s.size()) {
    const char z = s[pos];
    if (z == 'Z' || z == 'z') {
      ++pos;
    } else if (z == '+' || z == '-' || z == ' ') {
      const int sign = (z == '-') ? -1 : 1;  // ' ' is a '+' mangled by form decoding
      int oh = 0;
      int om = 0;
      if (!read_digits(s, pos + 1, 2, oh)) return std::nullopt;
      std::size_t minutes_at = pos + 3;
      if (minutes_at < s.size() && s[minutes_at] == ':') ++minutes_at;
      if (!read_digits(s, minutes_at, 2, om)) return std::nullopt;
      if (oh > 23 || om > 59) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
      pos = minutes_at + 2;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;  // trailing junk

  // The offset is under a day and rounding adds one second, so the UTC
  // result is at most one calendar day away from the given date.
  int utc_seconds = seconds_of_day - offset_seconds + (round_up ? 1 : 0);
  if (utc_seconds < 0) {
    utc_seconds += seconds_per_day;
    step_back_one_day(d);
  } else if (utc_seconds >= seconds_per_day) {
    utc_seconds -= seconds_per_day;
    step_forward_one_day(d);
  }
  if (d.year < 0 || d.year > 9999) return std::nullopt;
  return format_canonical(d, utc_seconds);
}

std::optional<std::string> canonical_utc_from_unix(std::int64_t seconds) {
  constexpr std::int64_t last_second_of_9999 = 253402300799;
  if (seconds < 0 || seconds > last_second_of_9999) return std::nullopt;
  // Days since 1970-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted).
  const std::int64_t days = seconds / 86400;
  const std::int64_t shifted = days + 719468;  // from 0000-03-01
  const std::int64_t era = shifted / 146097;
  const std::int64_t day_of_era = shifted - era * 146097;
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // March = 0
  civil_date d;
  d.day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  d.month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  d.year = static_cast<int>(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
  return format_canonical(d, static_cast<int>(seconds % 86400));
}

}  // namespace webhookd
