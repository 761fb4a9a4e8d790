#include "actors/storage/sqlite/match_head.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>

#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

// Cuts `keys` to at most `size` rowids, then drops the rowids of the second
// the cut went through (a part of a second is no head). True if it cut.
bool cut_to_whole_seconds(std::vector<std::int64_t>& keys, std::size_t size) {
  if (keys.size() <= size) return false;
  const std::int64_t first_left_out = second_of_rowid(keys[size]);
  keys.resize(size);
  while (!keys.empty() && second_of_rowid(keys.back()) == first_left_out) keys.pop_back();
  return true;
}

void store_head(counted_snapshot& snapshot, std::vector<std::int64_t> keys, bool complete) {
  snapshot.head_complete = complete;
  snapshot.head = (complete || !keys.empty()) ? std::make_shared<const std::vector<std::int64_t>>(std::move(keys))
                                              : nullptr;
}

}  // namespace

bool head_collector::take(std::int64_t rowid) {
  if (full_) return false;
  keys_.push_back(rowid);
  // One key past the head: where its last whole second ends.
  full_ = keys_.size() > head_rows;
  return !full_;
}

void head_collector::finish(counted_snapshot& snapshot) {
  cut_to_whole_seconds(keys_, head_rows);
  // A sender's rows come in page order, not rowid order, inside a second
  // (row_streams.hpp); the head is kept ascending.
  std::sort(keys_.begin(), keys_.end());
  store_head(snapshot, std::move(keys_), !full_);
  keys_ = {};
}

void add_arrivals(counted_snapshot& snapshot, const std::vector<std::int64_t>& arrived) {
  snapshot.matches += static_cast<std::int64_t>(arrived.size());
  if (!snapshot.head) return;
  const auto& head = *snapshot.head;
  const bool complete = snapshot.head_complete;
  // A match after the head's last second belongs to a later part of the
  // list, which the head does not hold.
  auto joining_end = arrived.end();
  if (!complete) {
    const std::int64_t last_second = head.empty() ? -1 : second_of_rowid(head.back());
    joining_end = std::find_if(arrived.begin(), arrived.end(),
                               [&](std::int64_t rowid) { return second_of_rowid(rowid) > last_second; });
  }
  if (joining_end == arrived.begin()) return;
  std::vector<std::int64_t> merged;
  merged.reserve(head.size() + static_cast<std::size_t>(joining_end - arrived.begin()));
  std::merge(head.begin(), head.end(), arrived.begin(), joining_end, std::back_inserter(merged));
  const bool cut = cut_to_whole_seconds(merged, 2 * head_rows);
  store_head(snapshot, std::move(merged), complete && !cut);
}

bool head_serves(const counted_snapshot& snapshot, std::int64_t offset, std::int64_t limit) {
  if (!snapshot.head) return false;
  return snapshot.head_complete || offset + limit <= static_cast<std::int64_t>(snapshot.head->size());
}

}  // namespace webhookd::sqlite
