// What every HTTP handler shares. Only thread-safe members: the bridge
// handles are immutable after start-up, the cursor and counters are atomic,
// and service_metrics / json_logger are documented thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// The largest POST /webhook body accepted (SPEC: 65,536 bytes is still fine).
inline constexpr std::size_t max_webhook_body = 64 * 1024;

class http_context {
 public:
  http_context(std::vector<bridge_actor> bridges, const config& settings, int max_in_flight,
               service_metrics& metrics, json_logger& log)
    : bridges_(std::move(bridges)),
      max_in_flight_(max_in_flight),
      secret_configured_(settings.webhook_secret.has_value()),
      bench_routes_(settings.bench_routes),
      debug_endpoints_(settings.debug_endpoints),
      metrics_(metrics),
      log_(log) {}

  // Hands `task` to the next request bridge (round robin).
  void dispatch(bridge_task task);

  bool secret_configured() const { return secret_configured_; }
  bool bench_routes() const { return bench_routes_; }
  bool debug_endpoints() const { return debug_endpoints_; }
  service_metrics& metrics() { return metrics_; }
  json_logger& log() { return log_; }

  // Requests accepted but not yet answered; shutdown waits for zero.
  std::atomic<int>& in_flight() { return in_flight_; }
  // True when more requests are in flight than the server takes on: the
  // caller answers 503 + Retry-After instead of handing out more work.
  bool over_capacity() const { return in_flight_.load(std::memory_order_relaxed) > max_in_flight_; }

 private:
  std::vector<bridge_actor> bridges_;
  std::atomic<std::size_t> next_bridge_{0};
  int max_in_flight_;
  bool secret_configured_;
  bool bench_routes_;
  bool debug_endpoints_;
  service_metrics& metrics_;
  json_logger& log_;
  std::atomic<int> in_flight_{0};
};

}  // namespace webhookd
