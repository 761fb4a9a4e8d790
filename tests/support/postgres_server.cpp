#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "actors/storage/postgres/connection.hpp"

namespace webhookd::test {

namespace {

// WEBHOOKD_PG_BINDIR, else Debian's layout for the newest installed major.
std::string server_bindir() {
  if (const char* chosen = std::getenv("WEBHOOKD_PG_BINDIR"); chosen && *chosen) return chosen;
  for (const char* major : {"17", "16", "15"}) {
    std::string dir = std::string("/usr/lib/postgresql/") + major + "/bin";
    if (std::filesystem::exists(dir + "/initdb")) return dir;
  }
  throw std::runtime_error("no PostgreSQL server found (install postgresql-15: scripts/install-deps.sh test)");
}

// A port nobody listens on now; the server binds it a moment later.
int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  auto text = all.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

postgres_backend_only::postgres_backend_only() { ::setenv("WEBHOOKD_TEST_BACKEND", "postgres", 1); }

postgres_server& postgres_server::shared() {
  static postgres_server server;
  return server;
}

postgres_server::postgres_server() : bin_(server_bindir()) {
  char pattern[] = "/tmp/webhookd-pg-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = made;
  // initdb and postgres refuse to run as root: hand the cluster to the
  // unprivileged account the server package created.
  if (::geteuid() == 0) {
    const passwd* account = ::getpwnam("postgres");
    if (account == nullptr) throw std::runtime_error("running as root and there is no postgres account");
    if (::chown(dir_.c_str(), account->pw_uid, account->pw_gid) != 0)
      throw std::runtime_error("cannot hand " + dir_ + " to postgres");
    as_user_ = "runuser -u postgres -- ";
  }
  port_ = free_loopback_port();
  run(as_user_ + bin_ + "/initdb -D " + dir_ + "/data -U webhookd -A trust --locale=C -E UTF8 -N >" + dir_ +
      "/initdb.log 2>&1");
  // If this process dies without running its destructors, the server must
  // not outlive it: a watcher stops it and removes the directory.
  run("(while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " + as_user_ + bin_ +
      "/pg_ctl -D " + dir_ + "/data stop -m immediate; rm -rf " + dir_ + ") </dev/null >/dev/null 2>&1 &");
  start();
}

postgres_server::~postgres_server() {
  if (running_) std::system((as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data stop -m fast -w >/dev/null 2>&1").c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void postgres_server::run(const std::string& command) const {
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("failed: " + command + "\n" + read_tail(dir_ + "/initdb.log") +
                             read_tail(dir_ + "/server.log"));
}

void postgres_server::start() {
  // fsync off: the tests stop the server, never the machine, so the OS keeps
  // every committed page; it makes each test's commits cheap.
  run(as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 30 -o \"-p " +
      std::to_string(port_) + " -k " + dir_ +
      " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200\" start "
      ">/dev/null");
  running_ = true;
}

void postgres_server::stop_immediately() {
  run(as_user_ + bin_ + "/pg_ctl -D " + dir_ + "/data stop -m immediate -w >/dev/null");
  running_ = false;
}

std::string postgres_server::url(const std::string& name) const {
  return "postgresql://webhookd@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string postgres_server::create_database() {
  const std::string name = "webhookd_test_" + std::to_string(++databases_);
  execute("postgres", "CREATE DATABASE " + name);
  return url(name);
}

void postgres_server::execute(const std::string& name, const std::string& sql) const { column(name, sql); }

std::vector<std::string> postgres_server::column(const std::string& name, const std::string& sql,
                                                 const std::vector<std::string>& first) const {
  postgres::connection conn("host=" + dir_ + " port=" + std::to_string(port_) + " user=webhookd dbname=" + name);
  for (const auto& statement : first) conn.exec(statement);
  auto rows = conn.exec(sql);
  std::vector<std::string> values;
  for (int i = 0; i < rows.rows(); ++i)
    values.emplace_back(rows.is_null(i, 0) ? std::string_view{"NULL"} : rows.text(i, 0));
  return values;
}

std::string postgres_server::aggregate_differences(const std::string& name) const {
  struct aggregate {
    const char* table;
    const char* kept;
    const char* counted;
  };
  const aggregate aggregates[] = {
    {"sender_counts", "SELECT from_msisdn, messages FROM sender_counts WHERE messages > 0",
     "SELECT from_msisdn, count(*) FROM messages GROUP BY 1"},
    {"day_counts", "SELECT day, messages FROM day_counts WHERE messages > 0",
     "SELECT left(ts, 10), count(*) FROM messages GROUP BY 1"},
    {"hour_counts", "SELECT hour, messages FROM hour_counts WHERE messages > 0",
     "SELECT left(ts, 13), count(*) FROM messages GROUP BY 1"},
    {"message_totals", "SELECT messages, senders, first_ts, last_ts FROM message_totals",
     "SELECT count(*), count(DISTINCT from_msisdn), min(ts), max(ts) FROM messages"},
  };
  std::string differences;
  for (const auto& a : aggregates) {
    const std::string k = a.kept;
    const std::string c = a.counted;
    const auto n = column(name, "SELECT count(*) FROM ((" + k + " EXCEPT " + c + ") UNION ALL (" + c + " EXCEPT " + k +
                                  ")) AS d")
                     .at(0);
    if (n != "0") differences += (differences.empty() ? "" : ", ") + std::string(a.table) + " " + n;
  }
  return differences;
}

}  // namespace webhookd::test
