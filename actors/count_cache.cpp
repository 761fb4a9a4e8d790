#include "actors/count_cache.hpp"

namespace webhookd {

std::optional<counted_snapshot> count_cache::find(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.position);
  return it->second.value;
}

void count_cache::store(const std::string& key, const counted_snapshot& value) {
  if (capacity_ == 0) return;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second.value = value;
    recency_.splice(recency_.begin(), recency_, it->second.position);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(key);
  entries_.emplace(key, slot{value, recency_.begin()});
}

void count_cache::clear() {
  entries_.clear();
  recency_.clear();
}

}  // namespace webhookd
