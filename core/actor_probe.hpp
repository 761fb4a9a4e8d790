// What one actor (one instance of a pool) reports about itself: the
// Prometheus instruments, plus a one-minute window of handling times and the
// last error for /debug/actors. The owning actor records; any thread may take
// a snapshot (the window is guarded by a mutex the writer holds for a few ns).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace webhookd {

struct actor_probe_snapshot {
  std::string name;
  std::string instance;
  std::string kind;  // "scheduled" (CAF worker threads) or "detached" (own thread)
  std::uint64_t handled = 0;
  std::uint64_t failures = 0;
  std::size_t mailbox_depth = 0;
  std::uint64_t window_handled = 0;  // messages in the last minute
  double p50_seconds = 0;            // over the last minute; 0 when idle
  double p99_seconds = 0;
  std::string last_error;  // empty when none
};

class actor_probe {
 public:
  struct instruments {
    prometheus::Counter* handled;
    prometheus::Gauge* mailbox_depth;
    prometheus::Histogram* handling_seconds;
    prometheus::Counter* failures;
    prometheus::Counter* exits;
  };

  actor_probe(std::string name, std::string instance, instruments inst);

  const std::string& name() const { return name_; }
  const std::string& instance() const { return instance_; }
  void set_kind(std::string kind);
  // One handled message: its handling time and the mailbox depth after it.
  void record(std::chrono::steady_clock::duration spent, std::size_t mailbox_depth);
  // `what` must be safe to show an operator: no secret, no SQL text.
  void record_failure(const std::string& what);
  void record_exit();

  actor_probe_snapshot snapshot() const;

 private:
  // Quarter-octave buckets of nanoseconds: 2^(i/4) ns, up to ~2^40 ns (18 min).
  static constexpr std::size_t bucket_count = 160;
  static constexpr std::size_t window_seconds = 60;
  struct second_slot {
    std::int64_t epoch_second = -1;
    std::uint32_t total = 0;
    std::array<std::uint32_t, bucket_count> buckets{};
  };

  std::string name_;
  std::string instance_;
  instruments inst_;
  std::atomic<std::uint64_t> handled_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::size_t> mailbox_depth_{0};

  mutable std::mutex mutex_;
  std::string kind_ = "scheduled";
  std::string last_error_;
  std::array<second_slot, window_seconds> window_{};
};

}  // namespace webhookd
