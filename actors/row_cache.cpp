#include "actors/row_cache.hpp"

#include <utility>

namespace webhookd {

namespace {
// A list node, a hash node and two string headers, roughly.
constexpr std::size_t bookkeeping_bytes = 128;
}  // namespace

std::size_t row_cache::cost(const row& r) {
  return bookkeeping_bytes + r.message_id.capacity() + r.json.capacity();
}

void row_cache::forget(recency_list::iterator position) {
  bytes_ -= cost(*position);
  entries_.erase(position->rowid);
  recency_.erase(position);
}

const std::string* row_cache::find(std::int64_t rowid, std::string_view message_id) {
  auto it = entries_.find(rowid);
  if (it == entries_.end()) return nullptr;
  if (it->second->message_id != message_id) {
    forget(it->second);
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, it->second);
  return &it->second->json;
}

void row_cache::store(std::int64_t rowid, std::string_view message_id, std::string json) {
  if (auto it = entries_.find(rowid); it != entries_.end()) forget(it->second);
  // Rendering reserves room to grow; kept rows hold only their bytes.
  json.shrink_to_fit();
  row fresh{rowid, std::string{message_id}, std::move(json)};
  const std::size_t fresh_cost = cost(fresh);
  if (fresh_cost > budget_) return;  // larger than the whole cache: not kept
  while (bytes_ + fresh_cost > budget_ && !recency_.empty()) forget(std::prev(recency_.end()));
  recency_.push_front(std::move(fresh));
  entries_.emplace(rowid, recency_.begin());
  bytes_ += fresh_cost;
}

void row_cache::clear() {
  entries_.clear();
  recency_.clear();
  bytes_ = 0;
}

}  // namespace webhookd
