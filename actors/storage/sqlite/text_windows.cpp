#include "actors/storage/sqlite/text_windows.hpp"

#include <algorithm>
#include <limits>

namespace webhookd::sqlite {

namespace {
// Each window is sized to take about this long, from the rate of the last
// one: at most 64 times as wide (a rare word's windows cost mostly their
// setup, a lookup in every segment of the index, so few windows are better),
// at least half as wide.
constexpr double target_us = 4000;
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
