// The storage backend under test, reached only through the storage seam
// (actors/storage/backend.hpp) and the typed interfaces in messages/: the
// contract suites (test_storage_contract, test_query_contract) run on it,
// unchanged, for every backend. The backend is WEBHOOKD_TEST_BACKEND:
// "sqlite" (the default) or "postgres" (a fresh database per harness on the
// test process's own server, support/postgres_server.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/storage/backend.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"
#include "support/actor_testing.hpp"

namespace webhookd::test {

inline constexpr auto reply_timeout = std::chrono::seconds(15);

// "sqlite" unless WEBHOOKD_TEST_BACKEND says otherwise ("postgres").
std::string backend_under_test();

// A GET /messages body as the query actor rendered it, read back into
// records: the tests compare what a client would receive.
struct message_page {
  std::vector<message_record> data;
  std::int64_t total = 0;
};
message_page parse_page(const rendered_page& rendered, const message_query& q);
std::vector<std::string> ids_of(const message_page& page);

message_record record(std::string id, std::string from, std::string ts, std::optional<std::string> text,
                      std::string to = "+14155550100");
message_query make_query(int limit = 100, std::int64_t offset = 0, std::optional<std::string> from = std::nullopt,
                         std::optional<std::string> since = std::nullopt,
                         std::optional<std::string> q = std::nullopt);

// The contract of GET /messages computed in plain C++ over the stored
// records: the page's message_ids and the total.
std::pair<std::vector<std::string>, std::int64_t> reference_answer(const std::vector<message_record>& all,
                                                                   const message_query& q);

class storage_harness {
 public:
  // A fresh, empty database (`database_relative` inside a new temporary
  // directory); nothing runs until start().
  // On PostgreSQL, `postgres_url` instead names an existing database (several
  // harnesses sharing one, as replicas do); empty means a fresh one.
  explicit storage_harness(const std::string& database_relative = "app.db", const std::string& postgres_url = {});
  storage_harness(const storage_harness&) = delete;
  storage_harness& operator=(const storage_harness&) = delete;
  ~storage_harness();

  // Spawns the backend (its storage actor, `queries` query actors and its
  // helpers) and, unless told otherwise, waits until it reports ready.
  void start(unsigned queries = 1, bool require_ready = true);
  // Stops it the way the service does: readers and helpers, then storage.
  void stop();

  const storage_actor& storage() const { return backend_->storage; }
  const query_actor& query(std::size_t i = 0) const { return backend_->queries.at(i); }

  store_outcome store(message_record rec);
  std::vector<store_outcome> store_many(std::vector<message_record> records);
  void store_all(const std::vector<message_record>& records);  // each must be created
  storage_health health();
  bool wait_ready(std::chrono::milliseconds within = std::chrono::seconds(10));

  std::pair<std::optional<message_page>, caf::error> try_list(const message_query& q, std::size_t query = 0);
  message_page list(const message_query& q, std::size_t query = 0);
  std::string list_body(const message_query& q, std::size_t query = 0);
  stats_snapshot stats(std::size_t query = 0);

  caf::actor_system& system() { return world_.sys; }
  caf::scoped_actor& self() { return world_.self; }
  service_metrics& metrics() { return world_.metrics; }
  // The log and metrics outlive every actor of system(): actors a test spawns
  // itself must use these, not objects of its own that die first.
  json_logger& log() { return world_.log; }
  // The SQLite file (the sqlite backend only) and its directory.
  const std::string& database_path() const { return database_path_; }
  const std::string& dir() const { return dir_; }
  // The postgresql:// URL (the postgres backend only), else empty.
  const std::string& database_url() const { return database_url_; }
  // The JSON log written so far.
  std::string log_text();

 private:
  std::string dir_;
  std::string database_path_;
  std::string database_url_;
  actor_world world_;  // declared before backend_, so it outlives the actors
  std::optional<storage_backend> backend_;
};

}  // namespace webhookd::test
