#include "actors/storage/sqlite/match_list.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace webhookd {

bool match_list::covers(std::int64_t offset, std::int64_t limit) const {
  return complete || offset + limit <= static_cast<std::int64_t>(first.size());
}

void match_list::add(match_key key, std::size_t longest) {
  auto before = [](const match_key& a, const match_key& b) {
    return std::tie(a.ts, a.message_id) < std::tie(b.ts, b.message_id);
  };
  auto place = std::upper_bound(first.begin(), first.end(), key, before);
  if (place == first.end() && !complete) return;  // after the known prefix
  first.insert(place, std::move(key));
  if (first.size() > longest) {
    first.pop_back();
    complete = false;
  }
}

}  // namespace webhookd
