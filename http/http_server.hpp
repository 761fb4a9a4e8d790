// The RESTinio server: a thread pool running one io_context, the router, and
// the limits that keep slow or hostile clients from holding it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/http_context.hpp"

namespace webhookd {

struct http_settings {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8000;  // 0 picks a free port (tests)
  unsigned threads = 2;
  // A connection that sends no complete request within this time is closed;
  // the same limit applies to idle keep-alive connections.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  // Backstop behind the actors' own deadline.
  std::chrono::milliseconds handle_timeout{15000};
  // Past this many open connections, each new one makes the server close the
  // longest-idle keep-alive connection (http/connection_registry.hpp).
  std::size_t max_connections = 4096;
  // RESTinio's own limit: only with this many open, too few of them idle, do
  // new connections wait in the accept backlog.
  std::size_t max_connections_hard = 5120;
  // Requests accepted but not yet answered; past it, work routes answer 503
  // with Retry-After at once instead of queueing without bound.
  int max_in_flight = 1024;
  // Larger bodies are cut off by the HTTP layer (the connection closes); it
  // sits above every route's own limit so that those answer a proper 413.
  std::size_t max_body_size = 1024 * 1024;
};

class http_server {
 public:
  http_server(http_settings settings, http_context& ctx);
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  ~http_server();

  // Binds and starts serving; throws if the address cannot be bound.
  void start();
  std::uint16_t bound_port() const { return bound_port_; }

  // Stops accepting and waits (up to `grace`) until every accepted request
  // has been answered. Connections keep running, so answers that come later
  // (for instance from actors being shut down) still reach their clients.
  void drain(std::chrono::milliseconds grace);

  // Stops the I/O threads and releases the server. Call after the actors
  // that could still answer requests are gone.
  void stop();

 private:
  struct impl;
  http_settings settings_;
  http_context& ctx_;
  std::unique_ptr<impl> impl_;
  std::vector<std::thread> threads_;
  std::uint16_t bound_port_ = 0;
};

}  // namespace webhookd
