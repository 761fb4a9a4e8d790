// Every Prometheus family webhookd exports, created once at start-up so that
// each documented label value exists (at 0) before the first request.
// prometheus-cpp counters, gauges and histograms are thread-safe, so HTTP
// threads and actors update them directly; only rendering goes through the
// metrics actor.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace webhookd {

// Outcome of one POST /webhook, the `result` label and the log field.
enum class webhook_result {
  created,
  duplicate,
  invalid_signature,
  validation_error,
  body_too_large,
  not_configured,
  storage_unavailable,
  overloaded,
};
inline constexpr std::size_t webhook_result_count = 8;
std::string_view to_string(webhook_result result);

// The instruments of one actor (or one instance of a pool).
struct actor_instruments {
  prometheus::Counter* handled = nullptr;
  prometheus::Gauge* mailbox_depth = nullptr;
  prometheus::Histogram* handling_seconds = nullptr;
  prometheus::Counter* failures = nullptr;
};

class service_metrics {
 public:
  service_metrics();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  // One finished HTTP request; `route` must be a known route or "unmatched".
  void observe_request(std::string_view method, std::string_view route, int status,
                       double seconds);
  void count_webhook(webhook_result result);

  // Instruments for actor `name`, instance `instance` of its pool.
  actor_instruments actor(const std::string& name, const std::string& instance);

  prometheus::Histogram& commit_seconds() { return *commit_seconds_; }
  prometheus::Histogram& rows_per_commit() { return *rows_per_commit_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  std::array<prometheus::Counter*, webhook_result_count> webhook_results_{};
  prometheus::Family<prometheus::Counter>* actor_handled_;
  prometheus::Family<prometheus::Gauge>* actor_mailbox_;
  prometheus::Family<prometheus::Histogram>* actor_seconds_;
  prometheus::Family<prometheus::Counter>* actor_failures_;
  prometheus::Histogram* commit_seconds_;
  prometheus::Histogram* rows_per_commit_;
};

}  // namespace webhookd
