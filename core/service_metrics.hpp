// Every Prometheus family webhookd exports, created once at start-up so that
// each documented label value exists (at 0) before the first request.
// prometheus-cpp counters, gauges and histograms are thread-safe, so HTTP
// threads and actors update them directly; only rendering goes through the
// metrics actor.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <mutex>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "core/actor_probe.hpp"
#include "core/receiver_metrics.hpp"

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


class service_metrics {
 public:
  // `instance_name` (config: INSTANCE_NAME or the host name) is exported as
  // webhookd_instance_info{instance_name="…"} 1, not as a label on every
  // series: the series keep the names and labels the FastAPI service had, and
  // Prometheus tells replicas apart by its own `instance` target label.
  explicit service_metrics(const std::string& instance_name = {});

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  // One finished HTTP request; `route` must be a known route or "unmatched".
  void observe_request(std::string_view method, std::string_view route, int status,
                       double seconds);
  void count_webhook(webhook_result result);
  // Signature schemes, secret rotation and the WhatsApp receiver.
  receiver_metrics& receivers() { return *receivers_; }

  // The probe of actor `name`, instance `instance` of its pool (created on
  // first use, the same object afterwards).
  std::shared_ptr<actor_probe> actor(const std::string& name, const std::string& instance);
  // Every actor's figures, in creation order, for /debug/actors.
  std::vector<actor_probe_snapshot> actor_snapshots() const;

  prometheus::Histogram& commit_seconds() { return *commit_seconds_; }
  prometheus::Histogram& rows_per_commit() { return *rows_per_commit_; }
  prometheus::Gauge& rows_stored() { return *rows_stored_; }
  prometheus::Gauge& last_commit_time() { return *last_commit_time_; }
  // Actors are not restarted; the storage actor recovers in place instead.
  prometheus::Counter& storage_recoveries() { return *storage_recoveries_; }
  // Background WAL checkpoints (actors/checkpoint_actor.*), successful ones.
  prometheus::Histogram& checkpoint_seconds() { return *checkpoint_seconds_; }

  // Reads a query actor stopped because they ran past their deadline.
  prometheus::Counter& queries_interrupted() { return *queries_interrupted_; }
  // Rows the text indexer added to the text index, and how many stored rows
  // it had not reached at its last round.
  prometheus::Counter& text_index_rows() { return *text_index_rows_; }
  prometheus::Gauge& text_index_lag() { return *text_index_lag_; }
  prometheus::Gauge& text_index_merge_pending() { return *text_index_merge_pending_; }

  // Sizes of the storage backend's files (`file` label: database, wal); the
  // backend sets them from the sampler it adds below.
  prometheus::Gauge& database_bytes() { return *database_bytes_; }
  prometheus::Gauge& wal_bytes() { return *wal_bytes_; }
  prometheus::Gauge& text_index_bytes() { return *text_index_bytes_; }

  // A figure read on demand rather than pushed (a file size, say), run before
  // each render. Add samplers before the service serves requests: the list is
  // not guarded, only the metrics actor runs it afterwards.
  void add_sampler(std::function<void()> sampler) { samplers_.push_back(std::move(sampler)); }

  // Process resources from /proc and every added sampler. Called before each render.
  void refresh_sampled();

  // HTTP connections open now, and idle keep-alive connections the server
  // closed to make room for new ones past the connection limit.
  prometheus::Gauge& http_connections() { return *http_connections_; }
  prometheus::Counter& idle_closed() { return *idle_closed_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<receiver_metrics> receivers_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  std::array<prometheus::Counter*, webhook_result_count> webhook_results_{};
  prometheus::Family<prometheus::Counter>* actor_handled_;
  prometheus::Family<prometheus::Gauge>* actor_mailbox_;
  prometheus::Family<prometheus::Histogram>* actor_seconds_;
  prometheus::Family<prometheus::Counter>* actor_failures_;
  prometheus::Family<prometheus::Counter>* actor_exits_;
  mutable std::mutex probes_mutex_;
  std::vector<std::shared_ptr<actor_probe>> probes_;
  prometheus::Histogram* commit_seconds_;
  prometheus::Histogram* rows_per_commit_;
  prometheus::Gauge* rows_stored_;
  prometheus::Gauge* last_commit_time_;
  prometheus::Counter* storage_recoveries_;
  prometheus::Histogram* checkpoint_seconds_;
  prometheus::Counter* queries_interrupted_;
  prometheus::Counter* text_index_rows_;
  prometheus::Gauge* text_index_lag_;
  prometheus::Gauge* text_index_merge_pending_;
  prometheus::Gauge* http_connections_;
  prometheus::Counter* idle_closed_;
  prometheus::Gauge* database_bytes_;
  prometheus::Gauge* wal_bytes_;
  prometheus::Gauge* text_index_bytes_;
  prometheus::Gauge* resident_bytes_;
  prometheus::Gauge* virtual_bytes_;
  prometheus::Counter* cpu_seconds_;
  double cpu_seconds_seen_ = 0;
  prometheus::Gauge* open_fds_;
  prometheus::Gauge* max_fds_;
  prometheus::Gauge* threads_;
  prometheus::Gauge* start_time_;
  std::vector<std::function<void()>> samplers_;
};

}  // namespace webhookd
