// The ten busiest senders, kept exact by the storage actor without an index
// on counts. Counts only grow, and only through the storage actor, which sees
// every new count: a sender outside the ten can only enter when its own count
// grows, so offering each batch's new counts keeps the list exact. (An index
// on sender_counts(message_count) did the same at the cost of a page written
// per row for the senders whose count changed; this is one page per batch.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webhookd::sqlite {

struct ranked_sender {
  std::string from;
  std::int64_t count = 0;
};

class top_senders {
 public:
  static constexpr std::size_t size = 10;

  // `ranked`: the list as stored, best first.
  explicit top_senders(std::vector<ranked_sender> ranked = {}) : ranked_(std::move(ranked)) {}

  // `from` has `count` messages now. True if the list changed.
  bool offer(std::string_view from, std::int64_t count);

  // Best first: count descending, ties by `from` ascending (SPEC.md's order).
  const std::vector<ranked_sender>& ranked() const { return ranked_; }

 private:
  std::vector<ranked_sender> ranked_;
};

}  // namespace webhookd::sqlite
