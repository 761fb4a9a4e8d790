#include "core/actor_probe.hpp"

#include <cmath>

namespace webhookd {

namespace {

std::int64_t now_second() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

std::size_t bucket_of(std::int64_t nanoseconds, std::size_t bucket_count) {
  if (nanoseconds <= 1) return 0;
  auto index = static_cast<std::size_t>(std::floor(4.0 * std::log2(static_cast<double>(nanoseconds))));
  return index < bucket_count ? index : bucket_count - 1;
}

// A bucket's upper bound in seconds: percentiles are reported conservatively,
// within a quarter octave (±19 %) of the true value.
double bucket_upper_seconds(std::size_t index) {
  return std::exp2(static_cast<double>(index + 1) / 4.0) * 1e-9;
}

}  // namespace

actor_probe::actor_probe(std::string name, std::string instance, instruments inst)
  : name_(std::move(name)), instance_(std::move(instance)), inst_(inst) {}

void actor_probe::set_kind(std::string kind) {
  std::lock_guard<std::mutex> lock{mutex_};
  kind_ = std::move(kind);
}

void actor_probe::record(std::chrono::steady_clock::duration spent, std::size_t mailbox_depth) {
  double seconds = std::chrono::duration<double>(spent).count();
  inst_.handled->Increment();
  inst_.handling_seconds->Observe(seconds);
  inst_.mailbox_depth->Set(static_cast<double>(mailbox_depth));
  handled_.fetch_add(1, std::memory_order_relaxed);
  mailbox_depth_.store(mailbox_depth, std::memory_order_relaxed);

  auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count();
  auto second = now_second();
  std::lock_guard<std::mutex> lock{mutex_};
  auto& slot = window_[static_cast<std::size_t>(second) % window_seconds];
  if (slot.epoch_second != second) {
    slot = second_slot{};
    slot.epoch_second = second;
  }
  ++slot.total;
  ++slot.buckets[bucket_of(nanoseconds, bucket_count)];
}

void actor_probe::record_failure(const std::string& what) {
  inst_.failures->Increment();
  failures_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock{mutex_};
  last_error_ = what;
}

void actor_probe::record_exit() { inst_.exits->Increment(); }

actor_probe_snapshot actor_probe::snapshot() const {
  actor_probe_snapshot snap;
  snap.name = name_;
  snap.instance = instance_;
  snap.handled = handled_.load(std::memory_order_relaxed);
  snap.failures = failures_.load(std::memory_order_relaxed);
  snap.mailbox_depth = mailbox_depth_.load(std::memory_order_relaxed);

  std::array<std::uint64_t, bucket_count> merged{};
  std::uint64_t total = 0;
  auto oldest = now_second() - static_cast<std::int64_t>(window_seconds) + 1;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    snap.kind = kind_;
    snap.last_error = last_error_;
    for (const auto& slot : window_) {
      if (slot.epoch_second < oldest) continue;
      total += slot.total;
      for (std::size_t i = 0; i < bucket_count; ++i) merged[i] += slot.buckets[i];
    }
  }
  snap.window_handled = total;
  auto percentile = [&](double fraction) {
    if (total == 0) return 0.0;
    auto rank = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += merged[i];
      if (seen >= rank) return bucket_upper_seconds(i);
    }
    return bucket_upper_seconds(bucket_count - 1);
  };
  snap.p50_seconds = percentile(0.50);
  snap.p99_seconds = percentile(0.99);
  return snap;
}

}  // namespace webhookd
