// The JSON of stored rows as GET /messages writes them, by rowid, so that a
// page of rows read recently is written from memory: the query still walks
// its index for the rowids (filters, order and total stay live), but skips the
// table lookup and the escaping of each cached row.
//
// webhookd never changes a stored row (it only inserts), so an entry stays
// right for as long as its rowid names the same message; the message_id kept
// with each entry catches a rowid that now belongs to another message (rows
// deleted and the rowid reused by someone else). An edit in place by another
// tool is not seen until the entry is evicted or the service restarts.
//
// Owned by one query actor (not shared between threads). Bounded by a byte
// budget; the least recently used rows go first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace webhookd {

class row_cache {
 public:
  explicit row_cache(std::size_t byte_budget) : budget_(byte_budget) {}

  // The row's JSON if cached for this rowid and message_id (then the most
  // recently used). Valid until the next store() or clear().
  const std::string* find(std::int64_t rowid, std::string_view message_id);
  void store(std::int64_t rowid, std::string_view message_id, std::string json);
  void clear();

  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct row {
    std::int64_t rowid;
    std::string message_id;
    std::string json;
  };
  using recency_list = std::list<row>;

  static std::size_t cost(const row& r);
  void forget(recency_list::iterator position);

  std::size_t budget_;
  std::size_t bytes_ = 0;
  recency_list recency_;  // front: most recently used
  std::unordered_map<std::int64_t, recency_list::iterator> entries_;
};

}  // namespace webhookd
