// What every HTTP handler shares. Only thread-safe members: the bridge
// handles are immutable after start-up, the cursor and counters are atomic,
// and service_metrics / json_logger are documented thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
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
      secret_configured_(settings.webhook_configured()),
      any_receiver_configured_(settings.webhook_configured() || settings.whatsapp_configured()),
      bench_routes_(settings.bench_routes),
      debug_endpoints_(settings.debug_endpoints),
      docs_endpoints_(settings.docs_endpoints),
      whatsapp_verify_token_(settings.whatsapp_verify_token),
      whatsapp_max_body_(settings.whatsapp_max_body),
      metrics_(metrics),
      log_(log) {}

  // Hands `task` to the next request bridge (round robin).
  void dispatch(bridge_task task);

  // POST /webhook has a secret (WEBHOOK_SECRET or STANDARD_WEBHOOKS_SECRET).
  bool secret_configured() const { return secret_configured_; }
  // Some receiver can accept messages: what readiness asks for.
  bool any_receiver_configured() const { return any_receiver_configured_; }
  bool bench_routes() const { return bench_routes_; }
  bool debug_endpoints() const { return debug_endpoints_; }
  bool docs_endpoints() const { return docs_endpoints_; }
  // The WhatsApp receiver exists only when its token (and so its secret) is set.
  bool whatsapp_configured() const { return whatsapp_verify_token_.has_value(); }
  const std::string& whatsapp_verify_token() const { return *whatsapp_verify_token_; }
  std::size_t whatsapp_max_body() const { return whatsapp_max_body_; }
  service_metrics& metrics() { return metrics_; }
  json_logger& log() { return log_; }

  // Requests accepted but not yet answered; shutdown waits for zero.
  std::atomic<int>& in_flight() { return in_flight_; }
  // True when more requests are in flight than the server takes on: the
  // caller answers 503 + Retry-After instead of handing out more work.
  bool over_capacity() const { return in_flight_.load(std::memory_order_relaxed) > max_in_flight_; }

  // Set at SIGTERM/SIGINT when DRAIN_DELAY_MS > 0, before draining: only
  // /health/ready changes (503, "shutting down"), so that a load balancer
  // takes this replica out while every request is still served.
  void start_leaving() { leaving_.store(true, std::memory_order_release); }
  bool leaving() const { return leaving_.load(std::memory_order_acquire); }

  // Set at SIGTERM/SIGINT: from then on every new request is answered 503
  // with Connection: close (http/answers_before_routing.cpp).
  void start_draining() { draining_.store(true, std::memory_order_release); }
  bool draining() const { return draining_.load(std::memory_order_acquire); }

 private:
  std::vector<bridge_actor> bridges_;
  std::atomic<std::size_t> next_bridge_{0};
  int max_in_flight_;
  bool secret_configured_;
  bool any_receiver_configured_;
  bool bench_routes_;
  bool debug_endpoints_;
  bool docs_endpoints_;
  std::optional<std::string> whatsapp_verify_token_;
  std::size_t whatsapp_max_body_;
  service_metrics& metrics_;
  json_logger& log_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> leaving_{false};
};

}  // namespace webhookd
