#include "app/service.hpp"

#include <algorithm>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/metrics_actor.hpp"
#include "actors/null_actor.hpp"
#include "actors/request_bridge.hpp"
#include "actors/storage/backend.hpp"
#include "actors/verifier_actor.hpp"
#include "http/http_context.hpp"

namespace webhookd {

namespace {

std::unique_ptr<caf::actor_system_config> actor_config(unsigned threads) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->set("scheduler.max-threads", static_cast<std::size_t>(threads));
  // stdout belongs to the JSON log: CAF must not print or write log files.
  cfg->set("logger.file-verbosity", caf::atom("quiet"));
  cfg->set("logger.console-verbosity", caf::atom("quiet"));
  return cfg;
}

}  // namespace

service_options default_options(const config& cfg) {
  service_options options;
  options.settings = cfg;
  options.http.host = cfg.host;
  options.http.port = cfg.port;
  // WhatsApp batches may exceed 1 MiB; twice their limit leaves room to answer 413.
  if (cfg.whatsapp_configured())
    options.http.max_body_size = std::max(options.http.max_body_size, 2 * cfg.whatsapp_max_body);
  return options;
}

struct service::impl {
  service_options options;
  json_logger& log;
  service_metrics metrics;
  std::unique_ptr<caf::actor_system_config> actor_cfg;
  std::unique_ptr<caf::actor_system> system;
  actor_directory actors;
  std::vector<bridge_actor> bridges;
  std::shared_ptr<std::atomic<bool>> stop_reads;
  std::vector<caf::actor> storage_helpers;
  std::unique_ptr<http_context> http_ctx;
  std::unique_ptr<http_server> server;
  bool stopped = false;

  impl(service_options opts, json_logger& logger)
    : options(std::move(opts)), log(logger), metrics(options.settings.instance_name) {}

  void spawn_actors() {
    actor_cfg = actor_config(options.actor_threads);
    system = std::make_unique<caf::actor_system>(*actor_cfg);
    auto& sys = *system;
    const auto& cfg = options.settings;
    for (unsigned i = 0; i < options.verifiers; ++i)
      actors.verifiers.push_back(spawn_verifier(sys, secrets_from(cfg),
                                                metrics.actor("verifier", std::to_string(i))));
    const storage_backend_options storage_options{options.queries, options.searches, options.storage_retry_interval};
    auto backend = spawn_storage_backend(sys, cfg, storage_options, metrics, log);
    actors.storage = std::move(backend.storage);
    actors.queries = std::move(backend.queries);
    actors.searches = std::move(backend.searches);
    stop_reads = std::move(backend.stop_reads);
    storage_helpers = std::move(backend.helpers);
    actors.metrics = spawn_metrics(sys, metrics);
    actors.null = spawn_null(sys);
    for (unsigned i = 0; i < options.bridges; ++i)
      bridges.push_back(spawn_bridge(sys, actors, options.actor_deadline, static_cast<int>(i), metrics));
  }

  void stop_actors() {
    if (!system) return;
    auto stop = [](const auto& handle) { caf::anon_send_exit(handle, caf::exit_reason::user_shutdown); };
    caf::scoped_actor waiter{*system};
    // Reads under way were stopped before the drain (shutdown), so no query
    // actor holds this wait for its read's deadline.
    // Everything that reads or forwards first, so that the storage actor's
    // connection is the last one open: closing it checkpoints the WAL and
    // leaves a single, complete database file behind.
    // The helpers (SQLite's text indexer) after the readers: the indexer is
    // then the last connection to its index file, and its close checkpoints
    // that WAL instead of leaving it to the next start (a reader's close,
    // read-only, cannot).
    for (auto& bridge : bridges) stop(bridge);
    for (auto& verifier : actors.verifiers) stop(verifier);
    for (auto& query : actors.queries) stop(query);
    for (auto& search : actors.searches) stop(search);
    stop(actors.metrics);
    stop(actors.null);
    for (auto& query : actors.queries) waiter->wait_for(query);
    for (auto& search : actors.searches) waiter->wait_for(search);
    for (auto& helper : storage_helpers) stop(helper);
    for (auto& helper : storage_helpers) waiter->wait_for(helper);
    stop(actors.storage);
    waiter->wait_for(actors.storage);
    bridges.clear();
    storage_helpers.clear();
    actors = actor_directory{};
  }
};

service::service(service_options options, json_logger& log)
  : impl_(std::make_unique<impl>(std::move(options), log)) {}

service::~service() { shutdown(std::chrono::milliseconds{0}); }

void service::start() {
  impl_->spawn_actors();
  impl_->http_ctx = std::make_unique<http_context>(impl_->bridges, impl_->options.settings,
                                                   impl_->options.http.max_in_flight,
                                                   impl_->metrics, impl_->log);
  impl_->server = std::make_unique<http_server>(impl_->options.http, *impl_->http_ctx);
  impl_->server->start();
}

std::uint16_t service::port() const { return impl_->server ? impl_->server->bound_port() : 0; }

void service::stop_being_ready() {
  if (impl_->http_ctx) impl_->http_ctx->start_leaving();
}

void service::shutdown(std::chrono::milliseconds grace) {
  auto& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  // Reads are stopped before the drain, not after it: a flood of costly
  // searches kept requests in flight for the whole grace period (SIGTERM
  // took 6.4 s), and a read is safe to answer 503 and retry, where a webhook
  // in flight is not cut short.
  if (s.stop_reads) s.stop_reads->store(true);
  if (s.server) s.server->drain(grace);
  // The HTTP context holds bridge handles too; actors exit on the exit
  // message regardless, and anything still unanswered is answered 503 as its
  // exchange is released.
  s.stop_actors();
  if (s.server) s.server->stop();
  s.server.reset();
  s.http_ctx.reset();
  s.system.reset();
}

service_metrics& service::metrics() { return impl_->metrics; }

}  // namespace webhookd
