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
// Owned by one query actor. Bounded: days of at most max_anchored_day_rows
// rows each (so at most 1,025 keys per day; a larger day is walked), and a
// budget of keys over all days (query_actor.cpp), least recently used days
// forgotten first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage/sqlite/recent_map.hpp"

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

// Forgets the least recently used days until `keys` more anchors fit within
// `budget` keys in all. The day about to be built is the most recently used
// entry (just looked up), so it is the last one that could go.
inline void make_room_for_anchors(day_anchor_cache& anchors, std::size_t keys, std::size_t budget) {
  std::size_t held = 0;
  anchors.for_each([&held](const day_anchors& day) { held += day.keys.size(); });
  while (held + keys > budget && anchors.size() > 1) {
    held -= anchors.least_recent()->keys.size();
    anchors.forget_least_recent();
  }
}

}  // namespace webhookd
