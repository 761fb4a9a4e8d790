// Remembered `total` counts of filtered /messages queries, kept up to date
// incrementally. The messages table only ever grows (rows are never updated
// or deleted), and SQLite gives each new row a rowid above every existing
// one, so a count taken when the largest rowid was W stays right for the rows
// up to W; a later answer adds the matches among rowid > W, a walk over the
// new rows only instead of a scan of the whole table.
//
// Owned by one query actor. Bounded: at most `capacity` filter combinations,
// the least recently used one forgotten first (recent_map.hpp).
#pragma once

#include <cstdint>

#include "actors/storage/sqlite/recent_map.hpp"

namespace webhookd {

struct counted_snapshot {
  std::int64_t matches = 0;    // rows matching the filters with rowid <= watermark
  std::int64_t watermark = 0;  // largest rowid when counted
  std::int64_t rows = 0;       // all rows in the table when counted
};

using count_cache = recent_map<counted_snapshot>;

}  // namespace webhookd
