// A map from string keys to values that keeps at most `capacity` entries and,
// when full, forgets the one least worth keeping: each entry carries the cost
// of making it again, and the one forgotten is the one with the lowest
// "credit", where an entry's credit is its cost plus the credit of the last
// entry forgotten when it was made or last used (GreedyDual). So an entry
// that cost little goes before one that cost much, and an expensive entry
// nobody asks for again still ages out as cheaper ones come and go.
//
// The remembered totals (count_cache.hpp) are kept in one. With the least
// recently used forgotten first, as before, a phase of `q`+`from` requests
// (a count of about a millisecond for each sender and word) pushed out the
// counts of whole words (20-180 ms each at 1M rows): random `q` fell from
// 11.2k to 184 req/s after 8 s of it.
//
// Not thread-safe itself: count_cache guards it with its mutex.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace webhookd {

template <class Value>
class costed_map {
 public:
  explicit costed_map(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key`, its credit renewed, or nullptr. Valid until the next
  // store() or clear().
  Value* find(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    renew(it->second, key);
    return &it->second.value;
  }

  // Stores or replaces the entry. `cost`: what making it again would cost (any
  // unit, the same for all entries); a replaced entry keeps its cost when none
  // is given. Nothing is kept when the capacity is 0.
  void store(const std::string& key, Value value, std::optional<double> cost = std::nullopt) {
    if (capacity_ == 0) return;
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      it->second.value = std::move(value);
      if (cost) it->second.cost = *cost;
      renew(it->second, key);
      return;
    }
    if (entries_.size() >= capacity_) forget_least_worth();
    auto placed = entries_.emplace(key, slot{std::move(value), cost.value_or(0), {}}).first;
    placed->second.position = by_credit_.emplace(floor_ + placed->second.cost, key);
  }

  void clear() {
    entries_.clear();
    by_credit_.clear();
    floor_ = 0;
  }

  std::size_t size() const { return entries_.size(); }

 private:
  using credit_order = std::multimap<double, std::string>;
  struct slot {
    Value value;
    double cost = 0;
    credit_order::iterator position;
  };

  void renew(slot& entry, const std::string& key) {
    by_credit_.erase(entry.position);
    entry.position = by_credit_.emplace(floor_ + entry.cost, key);
  }

  void forget_least_worth() {
    auto least = by_credit_.begin();
    floor_ = least->first;
    entries_.erase(least->second);
    by_credit_.erase(least);
  }

  std::size_t capacity_;
  double floor_ = 0;         // the credit of the entry forgotten last
  credit_order by_credit_;   // lowest credit first; equal credits oldest first
  std::unordered_map<std::string, slot> entries_;
};

}  // namespace webhookd
