#include "core/text_match.hpp"

#include <algorithm>

namespace webhookd {

namespace {

std::string folded(std::string_view s) {
  std::string out{s};
  for (auto& c : out) c = fold_ascii(c);
  return out;
}

}  // namespace

folded_needle::folded_needle(std::string_view needle)
  : needle_(folded(needle)), searcher_(needle_.cbegin(), needle_.cend()) {}

bool folded_needle::found_in(std::string_view text) const {
  if (needle_.empty()) return true;
  if (text.size() < needle_.size()) return false;
  folded_text_.assign(text);
  for (auto& c : folded_text_) c = fold_ascii(c);
  return std::search(folded_text_.cbegin(), folded_text_.cend(), searcher_) != folded_text_.cend();
}

}  // namespace webhookd
