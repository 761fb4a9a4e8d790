#include "actors/storage/sqlite/text_windows.hpp"

#include <algorithm>
#include <limits>

namespace webhookd::sqlite {

namespace {
// A window that took less than this doubles the next; more than slow_window
// halves it.
constexpr auto fast_window = std::chrono::milliseconds(2);
constexpr auto slow_window = std::chrono::milliseconds(8);
constexpr std::int64_t widest = std::numeric_limits<std::int64_t>::max() / 4;
}  // namespace

std::optional<rowid_range> rowid_windows::next() {
  const auto now = clock_type::now();
  if (window_started_) {
    const auto took = now - *window_started_;
    if (took < fast_window)
      width_ = std::min(widest, width_ * 2);
    else if (took > slow_window)
      width_ = std::max(least_width, width_ / 2);
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
