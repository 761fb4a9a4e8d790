// The first matches of a q search, kept with its remembered count
// (count_cache.hpp): their rowids, in rowid order, every match of each second
// they reach. A search's first page is then read by rowid, a lookup per row,
// instead of searched again: the page of a rare phrase walked the text index
// until it had found a page of matches (7-12 ms at 1M rows, most of the whole
// index when the phrase is rare), and a first count already passes every
// match in order, so it keeps the first ones on the way at no extra cost.
//
// Whole seconds only: a page sorts the rows of one second by message_id
// (ordered_page.hpp), so a head that held part of a second could not say
// which of its rows come first. Pages with offset + limit up to the head's
// size are served from it (all pages, once it holds every match).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "actors/storage/sqlite/count_cache.hpp"

namespace webhookd::sqlite {

// Rowids a head keeps when it is made: the walked offsets (list_planner.cpp)
// plus room for one page. Up to twice as many while arrivals join it.
inline constexpr std::size_t head_rows = 256;

// Collects a head from a search's matches as they pass by, second after
// second (in any order inside a second).
class head_collector {
 public:
  // Takes the next match. False once the head has what it needs (this match
  // is the first one after it): the caller may count the rest its own way.
  bool take(std::int64_t rowid);
  // Stores the head into `snapshot` (null when no whole second fits).
  void finish(counted_snapshot& snapshot);

 private:
  std::vector<std::int64_t> keys_;
  bool full_ = false;
};

// Brings `snapshot` forward by the matches that arrived since it was taken
// (their rowids, ascending): each adds to the count, and joins the head when
// it falls inside the head's seconds (any, when the head holds every match).
void add_arrivals(counted_snapshot& snapshot, const std::vector<std::int64_t>& arrived);

// Whether the head holds the page at `offset` of `limit` rows.
bool head_serves(const counted_snapshot& snapshot, std::int64_t offset, std::int64_t limit);

}  // namespace webhookd::sqlite
