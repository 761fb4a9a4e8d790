#include "core/service_metrics.hpp"

#include <prometheus/counter.h>

#include "core/build_info.hpp"
#include "core/process_stats.hpp"

namespace webhookd {

namespace {

prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

// Fine enough at the low end to tell 1 ms from 10 ms, wide enough for slow disks.
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
}

constexpr std::array<webhook_result, webhook_result_count> all_webhook_results = {
  webhook_result::created,          webhook_result::duplicate,
  webhook_result::invalid_signature, webhook_result::validation_error,
  webhook_result::body_too_large,   webhook_result::not_configured,
  webhook_result::storage_unavailable, webhook_result::overloaded,
};

}  // namespace

std::string_view to_string(webhook_result result) {
  switch (result) {
    case webhook_result::created: return "created";
    case webhook_result::duplicate: return "duplicate";
    case webhook_result::invalid_signature: return "invalid_signature";
    case webhook_result::validation_error: return "validation_error";
    case webhook_result::body_too_large: return "body_too_large";
    case webhook_result::not_configured: return "not_configured";
    case webhook_result::storage_unavailable: return "storage_unavailable";
    case webhook_result::overloaded: return "overloaded";
  }
  return "unknown";
}

service_metrics::service_metrics(const std::string& instance_name)
  : registry_(std::make_shared<prometheus::Registry>()),
    receivers_(std::make_unique<receiver_metrics>(*registry_)) {
  http_requests_ = &prometheus::BuildCounter()
                      .Name("http_requests_total")
                      .Help("HTTP requests answered, by method, route and status code.")
                      .Register(*registry_);
  http_duration_ = &prometheus::BuildHistogram()
                      .Name("http_request_duration_seconds")
                      .Help("Time from a request being parsed to its response being handed to the socket.")
                      .Register(*registry_);
  auto& webhook = prometheus::BuildCounter()
                    .Name("webhook_requests_total")
                    .Help("POST /webhook requests by outcome.")
                    .Register(*registry_);
  for (auto result : all_webhook_results)
    webhook_results_[static_cast<std::size_t>(result)] =
      &webhook.Add({{"result", std::string{to_string(result)}}});

  actor_handled_ = &prometheus::BuildCounter()
                      .Name("webhookd_actor_messages_handled_total")
                      .Help("Messages an actor has handled.")
                      .Register(*registry_);
  actor_mailbox_ = &prometheus::BuildGauge()
                      .Name("webhookd_actor_mailbox_depth")
                      .Help("Messages waiting in an actor's mailbox, sampled after each message it handles.")
                      .Register(*registry_);
  actor_seconds_ = &prometheus::BuildHistogram()
                      .Name("webhookd_actor_handling_seconds")
                      .Help("Time an actor spends handling one message.")
                      .Register(*registry_);
  actor_failures_ = &prometheus::BuildCounter()
                       .Name("webhookd_actor_failures_total")
                       .Help("Messages an actor could not handle (errors answered or raised).")
                       .Register(*registry_);
  actor_exits_ = &prometheus::BuildCounter()
                    .Name("webhookd_actor_exits_total")
                    .Help("Times an actor terminated (at shutdown, or by failure).")
                    .Register(*registry_);

  commit_seconds_ = &prometheus::BuildHistogram()
                       .Name("webhookd_storage_commit_seconds")
                       .Help("Duration of one storage transaction commit, including fsync.")
                       .Register(*registry_)
                       .Add({}, latency_buckets());
  rows_per_commit_ = &prometheus::BuildHistogram()
                        .Name("webhookd_storage_rows_per_commit")
                        .Help("Insert requests grouped into one storage transaction.")
                        .Register(*registry_)
                        .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  rows_stored_ = &gauge(*registry_, "webhookd_storage_rows", "Messages stored in the database.");
  last_commit_time_ = &gauge(*registry_, "webhookd_storage_last_commit_timestamp_seconds",
                             "Unix time of the last successful storage commit (0: none yet).");
  storage_recoveries_ = &prometheus::BuildCounter()
                           .Name("webhookd_storage_recoveries_total")
                           .Help("Times the storage actor reopened the database after it had failed.")
                           .Register(*registry_)
                           .Add({});
  checkpoint_seconds_ = &prometheus::BuildHistogram()
                           .Name("webhookd_storage_checkpoint_seconds")
                           .Help("Duration of one background WAL checkpoint (copying committed pages into the database file).")
                           .Register(*registry_)
                           .Add({}, latency_buckets());
  queries_interrupted_ = &prometheus::BuildCounter()
                           .Name("webhookd_query_interrupted_total")
                           .Help("Reads stopped at their deadline (answered 503) or at shutdown.")
                           .Register(*registry_)
                           .Add({});
  text_index_rows_ = &prometheus::BuildCounter()
                        .Name("webhookd_text_index_rows_total")
                        .Help("Rows the text indexer added to the q search index.")
                        .Register(*registry_)
                        .Add({});
  text_index_lag_ = &gauge(*registry_, "webhookd_text_index_lag_rows",
                           "Stored rows the q search index did not hold yet at the indexer's last round.");
  text_index_merge_pending_ =
    &gauge(*registry_, "webhookd_text_index_merge_pending",
           "1 while the q search index holds segments that the indexer merges once it has been idle a second.");
  http_connections_ = &gauge(*registry_, "webhookd_http_connections", "HTTP connections open.");
  idle_closed_ = &prometheus::BuildCounter()
                    .Name("webhookd_http_idle_closed_total")
                    .Help("Idle keep-alive connections closed, the longest idle first, to make room for "
                          "new ones past the connection limit.")
                    .Register(*registry_)
                    .Add({});
  auto& file_bytes = prometheus::BuildGauge()
                       .Name("webhookd_storage_file_bytes")
                       .Help("Size of the database files on disk.")
                       .Register(*registry_);
  database_bytes_ = &file_bytes.Add({{"file", "database"}});
  wal_bytes_ = &file_bytes.Add({{"file", "wal"}});
  text_index_bytes_ = &file_bytes.Add({{"file", "text_index"}});

  resident_bytes_ = &gauge(*registry_, "process_resident_memory_bytes", "Resident memory size in bytes.");
  virtual_bytes_ = &gauge(*registry_, "process_virtual_memory_bytes", "Virtual memory size in bytes.");
  cpu_seconds_ = &prometheus::BuildCounter()
                    .Name("process_cpu_seconds_total")
                    .Help("Total user and system CPU time spent in seconds.")
                    .Register(*registry_)
                    .Add({});
  open_fds_ = &gauge(*registry_, "process_open_fds", "Number of open file descriptors.");
  max_fds_ = &gauge(*registry_, "process_max_fds", "Maximum number of open file descriptors.");
  threads_ = &gauge(*registry_, "process_threads", "Number of OS threads in the process.");
  start_time_ = &gauge(*registry_, "process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.");
  prometheus::BuildGauge()
    .Name("webhookd_build_info")
    .Help("Always 1; the labels say which build is running.")
    .Register(*registry_)
    .Add({{"version", build_version()}, {"revision", build_revision()}})
    .Set(1);
  if (!instance_name.empty())
    prometheus::BuildGauge()
      .Name("webhookd_instance_info")
      .Help("Always 1; instance_name is this replica's INSTANCE_NAME (default: the host name).")
      .Register(*registry_)
      .Add({{"instance_name", instance_name}})
      .Set(1);
}

void service_metrics::refresh_sampled() {
  for (const auto& sampler : samplers_) sampler();
  if (auto stats = read_process_stats()) {
    resident_bytes_->Set(static_cast<double>(stats->resident_bytes));
    virtual_bytes_->Set(static_cast<double>(stats->virtual_bytes));
    // Counters only go up: add what was spent since the last render.
    std::lock_guard<std::mutex> lock{probes_mutex_};
    if (stats->cpu_seconds > cpu_seconds_seen_) {
      cpu_seconds_->Increment(stats->cpu_seconds - cpu_seconds_seen_);
      cpu_seconds_seen_ = stats->cpu_seconds;
    }
    open_fds_->Set(static_cast<double>(stats->open_fds));
    max_fds_->Set(static_cast<double>(stats->max_fds));
    threads_->Set(static_cast<double>(stats->threads));
    start_time_->Set(stats->start_time_seconds);
  }
}

void service_metrics::observe_request(std::string_view method, std::string_view route,
                                      int status, double seconds) {
  std::string method_label{method};
  std::string route_label{route};
  http_requests_
    ->Add({{"method", method_label}, {"path", route_label}, {"status", std::to_string(status)}})
    .Increment();
  http_duration_->Add({{"method", method_label}, {"path", route_label}}, latency_buckets())
    .Observe(seconds);
}

void service_metrics::count_webhook(webhook_result result) {
  webhook_results_[static_cast<std::size_t>(result)]->Increment();
}

std::shared_ptr<actor_probe> service_metrics::actor(const std::string& name,
                                                   const std::string& instance) {
  std::lock_guard<std::mutex> lock{probes_mutex_};
  for (const auto& probe : probes_)
    if (probe->name() == name && probe->instance() == instance) return probe;
  prometheus::Labels labels{{"actor", name}, {"instance", instance}};
  auto probe = std::make_shared<actor_probe>(
    name, instance,
    actor_probe::instruments{&actor_handled_->Add(labels), &actor_mailbox_->Add(labels),
                             &actor_seconds_->Add(labels, latency_buckets()),
                             &actor_failures_->Add(labels), &actor_exits_->Add(labels)});
  probes_.push_back(probe);
  return probe;
}

std::vector<actor_probe_snapshot> service_metrics::actor_snapshots() const {
  std::lock_guard<std::mutex> lock{probes_mutex_};
  std::vector<actor_probe_snapshot> out;
  out.reserve(probes_.size());
  for (const auto& probe : probes_) out.push_back(probe->snapshot());
  return out;
}

}  // namespace webhookd
