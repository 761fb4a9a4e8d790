// Remembered `total` counts of filtered /messages queries, kept up to date
// incrementally. The messages table only ever grows (rows are never updated
// or deleted), and SQLite gives each new row a rowid above every existing
// one, so a count taken when the largest rowid was W stays right for the rows
// up to W; a later answer adds the matches among rowid > W, a walk over the
// new rows only instead of a scan of the whole table.
//
// Owned by one query actor (not shared between threads). Bounded: at most
// `capacity` filter combinations, the least recently used one forgotten first.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace webhookd {

struct counted_snapshot {
  std::int64_t matches = 0;    // rows matching the filters with rowid <= watermark
  std::int64_t watermark = 0;  // largest rowid when counted
  std::int64_t rows = 0;       // all rows in the table when counted
};

class count_cache {
 public:
  explicit count_cache(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key`, now the most recently used, if there is one.
  std::optional<counted_snapshot> find(const std::string& key);
  void store(const std::string& key, const counted_snapshot& value);
  void clear();
  std::size_t size() const { return entries_.size(); }

 private:
  using recency_list = std::list<std::string>;
  struct slot {
    counted_snapshot value;
    recency_list::iterator position;
  };

  std::size_t capacity_;
  recency_list recency_;  // front: most recently used
  std::unordered_map<std::string, slot> entries_;
};

}  // namespace webhookd
