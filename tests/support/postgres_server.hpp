// A real PostgreSQL 15 server for the tests: its own cluster in a temporary
// directory, run as an unprivileged user (the `postgres` account when the
// tests run as root), listening on a free 127.0.0.1 port and a socket in that
// directory, stopped and removed when the test process exits. Started on
// first use, so a test binary that never asks for it pays nothing.
#pragma once

#include <string>
#include <vector>

namespace webhookd::test {

class postgres_server {
 public:
  // The one server of this test process, started on first call.
  static postgres_server& shared();

  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;
  ~postgres_server();

  // A new, empty database; its postgresql:// URL (user without password:
  // the cluster trusts loopback).
  std::string create_database();
  // The database name at the end of a URL of url() or create_database().
  static std::string database_name(const std::string& url) { return url.substr(url.rfind('/') + 1); }
  // The URL of database `name` on this server.
  std::string url(const std::string& name) const;

  // Runs `sql` on database `name` as the superuser; throws with the server's
  // message when it fails.
  void execute(const std::string& name, const std::string& sql) const;
  // The first column of every row `sql` returns on database `name`, as text
  // (NULL as "NULL"); `first` runs before it on the same connection (SET ...).
  std::vector<std::string> column(const std::string& name, const std::string& sql,
                                  const std::vector<std::string>& first = {}) const;

  // Where the aggregates webhookd keeps on database `name` (sender_counts,
  // day_counts, hour_counts, message_totals) disagree with its messages table, counted
  // both ways: "" when they agree, else e.g. "sender_counts 2, day_counts 1"
  // (rows of the one that the other lacks). Zero-count rows agree with no rows.
  std::string aggregate_differences(const std::string& name) const;

  // Fault injection: `pg_ctl stop -m immediate` (no shutdown checkpoint,
  // clients cut at once) and a start on the same port.
  void stop_immediately();
  void start();
  bool running() const { return running_; }
  int port() const { return port_; }

 private:
  postgres_server();
  void run(const std::string& command) const;

  std::string dir_;
  std::string bin_;
  std::string as_user_;  // "runuser -u postgres -- " when we are root
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;
};

// A global fixture for test binaries that run only on PostgreSQL: sets
// WEBHOOKD_TEST_BACKEND=postgres for every harness and service they start.
struct postgres_backend_only {
  postgres_backend_only();
};

}  // namespace webhookd::test
