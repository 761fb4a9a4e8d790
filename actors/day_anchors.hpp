// Positions inside one day of the (ts, message_id) order, so that a deep
// offset walks at most anchor_spacing - 1 index entries after the day counts
// have skipped the days before it, instead of up to a whole day's rows.
//
// anchors.keys[i] is the key of the row at position i * anchor_spacing of its
// day. Positions inside a day only move when a row of that day is added or
// any row is deleted, so the anchors of a day stay right while its count in
// day_counts is unchanged and the table has only grown (the guard the
// remembered totals use). They are built from a day's rows on the second
// request that finds the day unchanged: a day still being written to (today,
// under live ingest) changes between requests and is simply walked, as
// without anchors, rather than rebuilt again and again.
//
// Owned by one query actor. Bounded: at most `remembered_days` days of at
// most max_anchored_day_rows rows each (so at most 1,024 keys per day); a
// larger day is walked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/recent_map.hpp"

namespace webhookd {

inline constexpr std::int64_t anchor_spacing = 64;
inline constexpr std::int64_t max_anchored_day_rows = 64 * 1024;

struct anchor_key {
  std::string ts;
  std::string message_id;
};

struct day_anchors {
  std::int64_t day_rows = 0;   // the day's count in day_counts when last seen
  std::int64_t watermark = 0;  // the table's largest rowid when last seen
  std::int64_t rows = 0;       // the table's row count when last seen
  std::vector<anchor_key> keys;  // empty until built
};

using day_anchor_cache = recent_map<day_anchors>;

}  // namespace webhookd
