// A map from string keys to values that keeps the `capacity` most recently
// used entries and forgets the least recently used one first. The shared
// remembered totals (count_cache.hpp) are kept in one.
//
// Not thread-safe itself: count_cache guards it with its mutex.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace webhookd {

template <class Value>
class recent_map {
 public:
  explicit recent_map(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key`, now the most recently used, or nullptr. Valid until
  // the next store() or clear().
  Value* find(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    recency_.splice(recency_.begin(), recency_, it->second.position);
    return &it->second.value;
  }

  // Stores or replaces the entry; nullptr when the capacity is 0.
  Value* store(const std::string& key, Value value) {
    if (capacity_ == 0) return nullptr;
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      it->second.value = std::move(value);
      recency_.splice(recency_.begin(), recency_, it->second.position);
      return &it->second.value;
    }
    if (entries_.size() >= capacity_) {
      entries_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(key);
    auto placed = entries_.emplace(key, slot{std::move(value), recency_.begin()});
    return &placed.first->second.value;
  }

  // Forgets the least recently used entry; false when there is none.
  bool forget_least_recent() {
    if (recency_.empty()) return false;
    entries_.erase(recency_.back());
    recency_.pop_back();
    return true;
  }

  // The least recently used entry, or nullptr when empty.
  const Value* least_recent() const {
    if (recency_.empty()) return nullptr;
    return &entries_.at(recency_.back()).value;
  }

  template <class Visit>
  void for_each(Visit visit) const {
    for (const auto& entry : entries_) visit(entry.second.value);
  }

  void clear() {
    entries_.clear();
    recency_.clear();
  }

  std::size_t size() const { return entries_.size(); }

 private:
  using recency_list = std::list<std::string>;
  struct slot {
    Value value;
    recency_list::iterator position;
  };

  std::size_t capacity_;
  recency_list recency_;  // front: most recently used
  std::unordered_map<std::string, slot> entries_;
};

}  // namespace webhookd
