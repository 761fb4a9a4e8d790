#include "actors/storage/backend.hpp"

#include <string>

#include <caf/actor_cast.hpp>

#include <sys/stat.h>

#include "actors/storage/postgres/query_actor.hpp"
#include "actors/storage/postgres/storage_actor.hpp"
#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/query_actor.hpp"
#include "actors/storage/sqlite/storage_actor.hpp"
#include "actors/storage/sqlite/text_index.hpp"
#include "actors/storage/sqlite/text_indexer.hpp"

namespace webhookd {

namespace {

double file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<double>(info.st_size) : 0.0;
}

storage_backend spawn_sqlite_backend(caf::actor_system& sys, const config& settings,
                                     const storage_backend_options& options, service_metrics& metrics,
                                     json_logger& log) {
  const std::string& path = settings.database_path;
  sqlite::configure_library();  // before any actor opens a connection
  storage_backend backend;
  backend.storage =
    spawn_storage(sys, storage_settings{path, options.retry_interval, settings.synchronous_full}, metrics, log);
  // Filter combinations whose totals the query actors remember (count_cache.hpp).
  constexpr std::size_t remembered_counts = 1024;
  auto counts = std::make_shared<count_cache>(remembered_counts, options.remember_counts_after);
  for (unsigned i = 0; i < options.queries; ++i)
    backend.queries.push_back(
      spawn_query(sys, path, query_lane::plain, static_cast<int>(i), metrics, log, backend.stop_reads, counts));
  for (unsigned i = 0; i < options.searches; ++i)
    backend.searches.push_back(
      spawn_query(sys, path, query_lane::search, static_cast<int>(i), metrics, log, backend.stop_reads, counts));
  backend.helpers.push_back(caf::actor_cast<caf::actor>(spawn_text_indexer(sys, path, metrics, log, backend.stop_reads)));
  metrics.add_sampler([&metrics, path] {
    metrics.database_bytes().Set(file_size(path));
    metrics.wal_bytes().Set(file_size(path + "-wal"));
    metrics.text_index_bytes().Set(file_size(sqlite::text_index_path(path)));
  });
  return backend;
}

// PostgreSQL keeps its aggregates in the database itself, shared by every
// replica, so it needs no helper actor and no shared count cache.
storage_backend spawn_postgres_backend(caf::actor_system& sys, const postgres_target& target,
                                       const storage_backend_options& options, service_metrics& metrics,
                                       json_logger& log) {
  storage_backend backend;
  backend.storage = postgres::spawn_storage(sys, postgres::storage_settings{target, options.retry_interval}, metrics, log);
  for (unsigned i = 0; i < options.queries; ++i)
    backend.queries.push_back(
      postgres::spawn_query(sys, target, "query", static_cast<int>(i), postgres::statement_plans::once, metrics, log,
                            backend.stop_reads));
  for (unsigned i = 0; i < options.searches; ++i)
    backend.searches.push_back(
      postgres::spawn_query(sys, target, "search", static_cast<int>(i), postgres::statement_plans::per_value, metrics,
                            log, backend.stop_reads));
  return backend;
}

}  // namespace

storage_backend spawn_storage_backend(caf::actor_system& sys, const config& settings,
                                      const storage_backend_options& options, service_metrics& metrics,
                                      json_logger& log) {
  // DATABASE_URL's scheme picked the backend (config/config.cpp).
  if (settings.postgres) return spawn_postgres_backend(sys, *settings.postgres, options, metrics, log);
  return spawn_sqlite_backend(sys, settings, options, metrics, log);
}

}  // namespace webhookd
