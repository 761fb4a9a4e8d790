// The first matches of a q search in page order, kept by a query actor so
// that the next pages of the same search are written without walking the
// table again: a q page walks the ts index and reads each row's text until
// it has offset + limit matches (several hundred rows for a common word).
//
// Kept up to date like the remembered totals (count_cache.hpp): rows are
// only ever added, with rowids above every earlier one, so the list read
// when the largest rowid was W only lacks the matches among rowid > W, and
// each of those is put in its place by (ts, message_id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage/sqlite/recent_map.hpp"

namespace webhookd {

// A matching row's place in the page order, and its rowid.
struct match_key {
  std::string ts;
  std::string message_id;
  std::int64_t rowid = 0;
};

struct match_list {
  std::vector<match_key> first;  // in page order: by ts, then message_id
  bool complete = false;         // `first` holds every match, not just a prefix
  std::int64_t watermark = 0;    // largest rowid when read
  std::int64_t rows = 0;         // all rows in the table when read

  // Whether offset..offset+limit lies inside what is known.
  bool covers(std::int64_t offset, std::int64_t limit) const;
  // A match stored after the list was read. The list keeps at most `longest`
  // entries: a match past the known prefix is not needed, and one inside it
  // pushes the last entry out.
  void add(match_key key, std::size_t longest);
};

using match_lists = recent_map<match_list>;

}  // namespace webhookd
