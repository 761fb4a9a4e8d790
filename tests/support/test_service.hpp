// Runs the real webhookd service in-process on an ephemeral loopback port,
// with a fresh database of the backend under test (WEBHOOKD_TEST_BACKEND: a
// SQLite file in a temporary directory, or a new database on the test
// process's PostgreSQL server) and the JSON log captured in a file the test
// can read back.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/service.hpp"
#include "core/json_logger.hpp"
#include "support/http_client.hpp"

namespace webhookd::test {

// A directory under /tmp, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline constexpr const char* test_secret = "test-secret-3f9a";

struct service_setup {
  std::string secret = test_secret;  // empty = unset, as in the environment
  std::string database_relative = "db/app.db";  // under the temp dir (SQLite)
  // PostgreSQL: this URL instead of a fresh database (postgres backend only).
  std::string database_url;
  log_level level = log_level::debug;
  bool wait_for_storage = true;  // block until the storage actor has opened the database
  // Runs on the temp dir before the service starts (to plant obstacles).
  std::function<void(const std::string& dir)> before_start;
  // Adjusts the service options (limits, pool sizes) before start.
  std::function<void(service_options&)> tune;
};

class test_service {
 public:
  explicit test_service(service_setup setup = {});
  test_service(const test_service&) = delete;
  test_service& operator=(const test_service&) = delete;
  ~test_service();

  std::uint16_t port() const { return port_; }
  // The SQLite file, or empty on PostgreSQL.
  const std::string& database_path() const { return database_path_; }
  // The postgresql:// URL, or empty on SQLite.
  const std::string& database_url() const { return database_url_; }
  const std::string& dir() const { return dir_.path(); }

  // Signed POST /webhook of `body` (X-Signature = hex HMAC under test_secret).
  http_response post_webhook(const std::string& body);

  // Polls /health/ready until the storage actor reports the database ready
  // (a database to migrate may need longer than the default).
  void wait_for_storage(std::chrono::seconds limit = std::chrono::seconds{5});

  // Graceful stop (idempotent); afterwards the log is complete.
  void stop();
  // The service itself, until stop(): to shut it down by hand and read its
  // metrics afterwards.
  service& running() { return *service_; }

  // Every line written to the log so far, each parsed as JSON (a line that
  // is not JSON fails the calling test).
  std::vector<nlohmann::json> log_lines();
  std::string raw_log();

 private:
  temp_dir dir_;
  std::string database_path_;
  std::string database_url_;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<json_logger> log_;
  std::unique_ptr<service> service_;
  std::uint16_t port_ = 0;
};

// The value of one series of GET /metrics, written exactly as the exposition
// writes it (`name{label="value",...}`); nullopt when the series is absent.
std::optional<double> metric_value(std::uint16_t port, const std::string& series);

// A webhook body with the given fields; `text` omitted when nullopt.
std::string webhook_body(const std::string& message_id, const std::string& from = "+919876543210",
                         const std::string& ts = "2025-01-15T10:00:00Z",
                         const std::optional<std::string>& text = std::string{"Hello"},
                         const std::string& to = "+14155550100");

}  // namespace webhookd::test
