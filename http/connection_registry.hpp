// Every open connection of one HTTP server, and which of them are idle
// (waiting for a next request, nothing of it received), longest idle first.
//
// Why: RESTinio's own connection limit only makes new connections wait in
// the accept backlog, so 4,300 idle keep-alive clients kept a new client
// waiting until the 10 s idle timeout freed a slot. Past `max_connections`
// the registry instead closes the longest-idle connection for each new one:
// an idle keep-alive connection may be closed by a server at any time (RFC
// 9112 §9.8), and its client simply opens a new one. Connections in the
// middle of a request are never closed for it (the 10 s read limit bounds
// those).
//
// An asio service of the server's io_context, so that the sockets RESTinio
// creates (with nothing but the io_context) find it.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>

#include <asio.hpp>

#include "http/request_head.hpp"

namespace webhookd {

class service_metrics;
class screened_connection;

class connection_registry : public asio::execution_context::service {
 public:
  using key_type = connection_registry;
  static asio::execution_context::id id;

  explicit connection_registry(asio::execution_context& context) : asio::execution_context::service(context) {}

  // Set once before the server accepts; `metrics` may be null (tests).
  void configure(std::size_t max_connections, const screen_limits& limits, service_metrics* metrics);
  const screen_limits& limits() const { return limits_; }

  // A connection starts (its first read) and ends (RESTinio closed it, or it was destroyed).
  void open(screened_connection& connection);
  void close(screened_connection& connection);
  // A connection waits for a next request / has received some of one.
  void became_idle(screened_connection& connection);
  void became_busy(screened_connection& connection);

  std::size_t open_connections() const;
  // A connection picked by close_longest_idle_locked was still idle and closed.
  void count_idle_closed();

 private:
  void shutdown() override {}
  // Picks the longest-idle connection and has it closed on its own strand.
  // Called with mutex_ held.
  void close_longest_idle_locked();

  std::size_t max_connections_ = 4096;
  screen_limits limits_;
  service_metrics* metrics_ = nullptr;

  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::list<screened_connection*> idle_;  // longest idle first
};

}  // namespace webhookd
