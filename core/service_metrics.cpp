#include "core/service_metrics.hpp"

#include <prometheus/counter.h>

namespace webhookd {

namespace {

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

service_metrics::service_metrics() : registry_(std::make_shared<prometheus::Registry>()) {
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

actor_instruments service_metrics::actor(const std::string& name, const std::string& instance) {
  prometheus::Labels labels{{"actor", name}, {"instance", instance}};
  return actor_instruments{
    &actor_handled_->Add(labels),
    &actor_mailbox_->Add(labels),
    &actor_seconds_->Add(labels, latency_buckets()),
    &actor_failures_->Add(labels),
  };
}

}  // namespace webhookd
