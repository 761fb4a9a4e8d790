#include "http/connection_registry.hpp"

#include "core/service_metrics.hpp"
#include "http/screened_socket.hpp"

namespace webhookd {

asio::execution_context::id connection_registry::id;

void connection_registry::configure(std::size_t max_connections, const screen_limits& limits,
                                    service_metrics* metrics) {
  max_connections_ = max_connections;
  limits_ = limits;
  metrics_ = metrics;
}

void connection_registry::open(screened_connection& connection) {
  (void)connection;
  std::lock_guard<std::mutex> lock{mutex_};
  ++open_;
  if (metrics_) metrics_->http_connections().Set(static_cast<double>(open_));
  if (open_ > max_connections_ && !idle_.empty()) close_longest_idle_locked();
}

void connection_registry::close(screened_connection& connection) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (connection.in_idle_list_) {
    idle_.erase(connection.idle_position_);
    connection.in_idle_list_ = false;
  }
  --open_;
  if (metrics_) metrics_->http_connections().Set(static_cast<double>(open_));
}

void connection_registry::became_idle(screened_connection& connection) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (connection.in_idle_list_) return;
  connection.idle_position_ = idle_.insert(idle_.end(), &connection);
  connection.in_idle_list_ = true;
}

void connection_registry::became_busy(screened_connection& connection) {
  std::lock_guard<std::mutex> lock{mutex_};
  if (!connection.in_idle_list_) return;
  idle_.erase(connection.idle_position_);
  connection.in_idle_list_ = false;
}

std::size_t connection_registry::open_connections() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return open_;
}

void connection_registry::close_longest_idle_locked() {
  auto* victim = idle_.front();
  idle_.pop_front();
  victim->in_idle_list_ = false;
  // Still registered, so still owned by its socket: shared_from_this is safe.
  auto strand = victim->strand_;
  asio::post(strand, [connection = victim->shared_from_this()] { connection->close_if_idle(); });
}

void connection_registry::count_idle_closed() {
  if (metrics_) metrics_->idle_closed().Increment();
}

}  // namespace webhookd
