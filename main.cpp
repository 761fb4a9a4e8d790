// webhookd: configuration from the environment, then the service until
// SIGTERM or SIGINT.
#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "app/copy_db_command.hpp"
#include "app/inspect.hpp"
#include "app/service.hpp"
#include "core/build_info.hpp"
#include "config/config.hpp"
#include "core/json_logger.hpp"

namespace {

// Blocks SIGTERM/SIGINT in every thread (threads inherit the mask), then
// waits for one in main: no async-signal-safety concerns anywhere.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Each connection is a descriptor: take the hard limit, not the often tiny
// soft default, so that many idle clients cannot starve real ones.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace webhookd;
  if (argc > 1 && std::string_view{argv[1]} == "inspect") return run_inspect(argc - 1, argv + 1);
  if (argc > 1 && std::string_view{argv[1]} == "copy-db") return run_copy_db(argc - 1, argv + 1);
  if (argc > 1) {
    std::fprintf(stderr, "usage: webhookd            run the service (configured by the environment)\n"
                         "       webhookd inspect [http://HOST:PORT] [--watch]\n"
                         "       webhookd copy-db SQLITE_URL POSTGRESQL_URL [--from-start]\n");
    return 2;
  }
  auto signals = block_stop_signals();
  raise_descriptor_limit();
  // glibc gives each thread that allocates its own arena; with a dozen threads
  // that multiplies freed-but-kept memory. Two arenas keep resident memory
  // bounded at no measurable cost to throughput.
  mallopt(M_ARENA_MAX, 2);
  // A write past the file-size limit (RLIMIT_FSIZE) must fail with EFBIG, so
  // that SQLite reports it and the storage actor answers 503 and retries, as on
  // a full disk; by default SIGXFSZ would kill the process instead.
  std::signal(SIGXFSZ, SIG_IGN);

  auto loaded = load_config([](const char* name) { return std::getenv(name); });
  if (auto* error = std::get_if<config_error>(&loaded)) {
    json_logger log{stdout, log_level::debug};
    log.log(log_level::error, "invalid configuration",
            {{"variable", error->variable}, {"problem", error->problem}});
    return 2;
  }
  const auto& cfg = std::get<config>(loaded);
  json_logger log{stdout, cfg.level, cfg.instance_name};
  log.log(log_level::info, "starting",
          {{"version", build_version()},
           {"host", cfg.host},
           {"port", cfg.port},
           {"database", cfg.database_display()},
           {"secret_configured", cfg.webhook_configured()},
           {"whatsapp_configured", cfg.whatsapp_configured()},
           {"docs_endpoints", cfg.docs_endpoints},
           {"log_level", std::string{to_string(cfg.level)}}});
  if (!cfg.webhook_configured() && !cfg.whatsapp_configured())
    log.log(log_level::warning, "WEBHOOK_SECRET is not set: /webhook answers 503 and the service is not ready");

  service svc{default_options(cfg), log};
  try {
    svc.start();
  } catch (const std::exception& e) {
    log.log(log_level::error, "cannot start HTTP server", {{"error", e.what()}});
    return 1;
  }
  log.log(log_level::info, "listening", {{"host", cfg.host}, {"port", svc.port()}});

  int received = 0;
  sigwait(&signals, &received);
  log.log(log_level::info, "shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  if (cfg.drain_delay_ms > 0) {
    // Not ready first, still serving: the load balancer's next health check
    // takes this replica out before its listener closes. A second signal
    // cuts the wait short.
    svc.stop_being_ready();
    const timespec delay{static_cast<time_t>(cfg.drain_delay_ms / 1000),
                         static_cast<long>(cfg.drain_delay_ms % 1000) * 1000000L};
    sigtimedwait(&signals, nullptr, &delay);
  }
  svc.shutdown(std::chrono::seconds{4});
  log.log(log_level::info, "stopped");
  return 0;
}
