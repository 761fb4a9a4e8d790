// How a text index search is cut into windows of rowids.
//
// FTS5 finds a phrase's next match inside one step of its statement, and
// SQLite's progress handler is never called inside a step: searching for a
// word that no message holds was one step over the whole index, seconds on
// a big table, which neither the read's budget nor shutdown could stop.
// So searches run over windows of rowids instead (FTS5 takes rowid bounds
// into its search), sized from how long the last one took, so that each
// takes a few milliseconds, and the budget is asked between windows.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace webhookd::sqlite {

// The rowids of the indexed rows a search may return, both ends included.
struct rowid_range {
  std::int64_t first = 0, last = -1;
  bool empty() const { return last < first; }
};

class rowid_windows {
 public:
  using clock_type = std::chrono::steady_clock;

  explicit rowid_windows(rowid_range range) : range_(range), next_(range.first) {}

  // The next window, after the last one's time has sized it; nothing once
  // the range is covered.
  std::optional<rowid_range> next();
  // Starts again at `rowid` (a later window of the same range), with the
  // first window's size.
  void restart_at(std::int64_t rowid);

 private:
  rowid_range range_;
  std::int64_t next_;
  std::int64_t width_ = first_width;
  std::optional<clock_type::time_point> window_started_;
  bool done_ = false;

  static constexpr std::int64_t first_width = std::int64_t{86400} << 24;  // a day of ts (row_key.hpp)
  static constexpr std::int64_t least_width = std::int64_t{1} << 24;     // a second
};

}  // namespace webhookd::sqlite
