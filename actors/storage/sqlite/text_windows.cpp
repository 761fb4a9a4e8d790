#include "actors/storage/sqlite/text_windows.hpp"

#include <algorithm>
#include <limits>

namespace webhookd::sqlite {

namespace {
// Each window is sized to take about this long, from the rate of the last
// one: at most 64 times as wide (a rare word's windows cost mostly their
// setup, a lookup of every term in every segment of the index, so few windows
// are better), at least half as wide. 12 ms: the count of a rare phrase at
// 1M rows took 19 ms in 7.5 windows of 4 ms, 15.6 ms in 4 windows of 12 ms,
// 14.5 ms as one statement. A stop still waits at most one window.
constexpr double target_us = 12000;
constexpr double widest_growth = 64, narrowest_growth = 0.5;
constexpr std::int64_t widest = std::numeric_limits<std::int64_t>::max() / 128;
}  // namespace

std::optional<rowid_range> rowid_windows::next() {
  const auto now = clock_type::now();
  if (window_started_) {
    const double took_us = std::max(1.0, std::chrono::duration<double, std::micro>(now - *window_started_).count());
    const double growth = std::clamp(target_us / took_us, narrowest_growth, widest_growth);
    const double next_width = static_cast<double>(width_) * growth;
    width_ = next_width >= static_cast<double>(widest) ? widest
                                                       : std::max(least_width, static_cast<std::int64_t>(next_width));
  }
  if (done_ || range_.empty() || next_ > range_.last) return std::nullopt;
  window_started_ = now;
  rowid_range window{next_, range_.last};
  if (range_.last - next_ >= width_) window.last = next_ + width_ - 1;
  if (window.last == range_.last)
    done_ = true;
  else
    next_ = window.last + 1;
  return window;
}

void rowid_windows::restart_at(std::int64_t rowid) {
  next_ = std::max(rowid, range_.first);
  width_ = first_width;
  window_started_.reset();
  done_ = false;
}

}  // namespace webhookd::sqlite
