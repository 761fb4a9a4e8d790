#include "actors/storage/sqlite/top_senders.hpp"

#include <algorithm>

namespace webhookd::sqlite {

namespace {

bool ranks_before(std::int64_t count, std::string_view from, const ranked_sender& other) {
  return count > other.count || (count == other.count && from < other.from);
}

}  // namespace

bool top_senders::offer(std::string_view from, std::int64_t count) {
  auto known = std::find_if(ranked_.begin(), ranked_.end(), [&](const ranked_sender& s) { return s.from == from; });
  if (known != ranked_.end()) {
    if (known->count == count) return false;
    ranked_.erase(known);
  } else if (ranked_.size() == size && !ranks_before(count, from, ranked_.back())) {
    return false;
  }
  auto at = std::find_if(ranked_.begin(), ranked_.end(),
                         [&](const ranked_sender& s) { return ranks_before(count, from, s); });
  ranked_.insert(at, ranked_sender{std::string{from}, count});
  if (ranked_.size() > size) ranked_.pop_back();
  return true;
}

}  // namespace webhookd::sqlite
