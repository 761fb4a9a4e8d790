// Remembered `total` counts of the filter combinations that have no
// aggregate of their own (any with `q`), kept up to date incrementally: rows
// are only ever added, and the arrival log (ingest_log) says which rows came
// after a count was taken, so a later answer tests just those instead of
// counting again. A count of a common word over a million rows takes tens of
// milliseconds; bringing it up to date, the rows since. Beside each count,
// the rowids of the first matches (match_head.hpp), so that a first page is
// read by rowid instead of searched again.
//
// One per process, shared by its query actors (a search counted by one is
// known to all): thread-safe, every call under one mutex. Bounded: at most
// `capacity` filter combinations, the one least worth keeping forgotten
// first (the cheapest to count again, aged: costed_map.hpp), and only counts
// that took `worth_remembering` or longer are taken in: what
// is cheap to count again would only push out what is not (a flood of
// searches that find nothing, one small sender's rows searched).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/storage/sqlite/costed_map.hpp"

namespace webhookd {

struct counted_snapshot {
  std::int64_t matches = 0;     // rows matching the filters among the first `ingest_seq` arrivals
  std::int64_t ingest_seq = 0;  // message_totals.ingest_seq when counted
  // The first matches' rowids, ascending, every match of each second they
  // reach; null when none are kept. Shared, never changed once stored: a
  // later snapshot stores a new vector.
  std::shared_ptr<const std::vector<std::int64_t>> head;
  bool head_complete = false;  // `head` holds every match
};

class count_cache {
 public:
  explicit count_cache(std::size_t capacity, std::chrono::microseconds worth_remembering = {})
    : worth_remembering_(worth_remembering), counts_(capacity) {}

  std::optional<counted_snapshot> find(const std::string& key) {
    std::lock_guard<std::mutex> lock{mutex_};
    if (const counted_snapshot* known = counts_.find(key)) return *known;
    return std::nullopt;
  }

  // Keeps the newer of `value` and what is already known for `key` (a count
  // brought up to date: it keeps the cost of its first count).
  void store(const std::string& key, const counted_snapshot& value) { keep_newer(key, value, std::nullopt); }

  // A fresh count that took `took` to make: stored if that is long enough,
  // and kept the longer the more it took (costed_map.hpp).
  void offer(const std::string& key, const counted_snapshot& value, std::chrono::steady_clock::duration took) {
    if (took >= worth_remembering_) keep_newer(key, value, std::chrono::duration<double, std::micro>(took).count());
  }

  void clear() {
    std::lock_guard<std::mutex> lock{mutex_};
    counts_.clear();
  }

 private:
  void keep_newer(const std::string& key, const counted_snapshot& value, std::optional<double> cost_us) {
    std::lock_guard<std::mutex> lock{mutex_};
    const counted_snapshot* known = counts_.find(key);
    if (!known || known->ingest_seq < value.ingest_seq) counts_.store(key, value, cost_us);
  }

  const std::chrono::microseconds worth_remembering_;
  std::mutex mutex_;
  costed_map<counted_snapshot> counts_;
};

}  // namespace webhookd
