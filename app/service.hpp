// webhookd assembled: the actor system, every actor, and the HTTP server,
// started and stopped in the right order. main() and the integration tests
// both run exactly this.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "http/http_server.hpp"

namespace webhookd {

struct service_options {
  config settings;
  http_settings http;
  unsigned actor_threads = 2;  // CAF scheduler workers (verifiers, bridges, metrics)
  unsigned verifiers = 2;
  unsigned queries = 2;        // detached, each with its own read connection
  unsigned searches = 2;       // the same, for reads with q only
  unsigned bridges = 2;
  std::chrono::milliseconds actor_deadline{5000};
  std::chrono::milliseconds storage_retry_interval{1000};
};

// Service options for `cfg` with webhookd's defaults for everything else.
service_options default_options(const config& cfg);

class service {
 public:
  service(service_options options, json_logger& log);
  service(const service&) = delete;
  service& operator=(const service&) = delete;
  ~service();

  // Spawns the actors and starts serving HTTP; throws if the port cannot be bound.
  void start();
  std::uint16_t port() const;

  // First step of a graceful stop behind a load balancer: /health/ready
  // answers 503 from now on, everything else is served as before.
  void stop_being_ready();
  // Graceful stop: no new connections, in-flight requests answered (up to
  // `grace`), actors stopped (the storage actor closes the database), HTTP
  // threads joined. Safe to call twice.
  void shutdown(std::chrono::milliseconds grace);

  service_metrics& metrics();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace webhookd
