// The JSON of stored rows as GET /messages writes them, by rowid, so that a
// page of rows read recently is written from memory: the query still walks
// its index for the rowids (filters, order and total stay live), but skips the
// table lookup and the escaping of each cached row.
//
// webhookd never changes a stored row (it only inserts), so an entry stays
// right for as long as its rowid names the same message; the message_id kept
// with each entry catches a rowid that now belongs to another message (rows
// deleted and the rowid reused by someone else). An edit in place by another
// tool is not seen until the entry is replaced or the service restarts.
//
// Two-way set-associative: a row can live in either slot of the set its
// rowid selects; a new row replaces the one used less recently. Slots keep
// their strings' memory, so once warm neither a hit nor a miss allocates. A
// row is admitted on its second miss only (the first just notes its rowid):
// copying every row of pages read once (random deep offsets) cost more than
// it saved, while a page read repeatedly is cached from its second read on.
// Bounded: at most `slots` rows of at most `largest_row` bytes each, and at
// most `byte_budget` bytes of strings in all (a row that would need more
// is not kept; rows that fit in a slot's memory still replace its row).
//
// Owned by one query actor (not shared between threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd {

class row_cache {
 public:
  // `slots` is rounded up to a power of two, at least 2.
  row_cache(std::size_t slots, std::size_t largest_row, std::size_t byte_budget);

  // The row's JSON if cached for this rowid and message_id. Valid until the
  // next store() or clear().
  const std::string* find(std::int64_t rowid, std::string_view message_id);
  // After a miss: keeps the row if this rowid missed before (and its
  // message_id and JSON together are at most largest_row bytes).
  void store(std::int64_t rowid, std::string_view message_id, std::string_view json);
  void clear();

  std::size_t size() const { return used_; }
  std::size_t capacity() const { return slots_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t ways = 2;

  struct slot {
    std::int64_t rowid = 0;  // 0: empty (SQLite rowids here start at 1)
    std::string message_id;
    std::string json;
  };

  // The first slot (and note) of the set `rowid` belongs to.
  std::size_t set_of(std::int64_t rowid) const;

  std::vector<slot> slots_;
  std::vector<std::int64_t> missed_once_;  // per set: the two rowids that missed last
  std::vector<std::uint8_t> recent_way_;   // per set: the way used last
  std::size_t largest_row_;
  std::size_t byte_budget_;
  std::size_t bytes_ = 0;  // capacity of every slot's strings
  std::size_t used_ = 0;
};

}  // namespace webhookd
