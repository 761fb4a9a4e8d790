// Several replicas on one PostgreSQL behind HAProxy (issue: past one machine):
// three real webhookd processes on loopback ports, the real HAProxy 2.6 with
// the compose cluster's own docker/haproxy/haproxy.cfg (only its addresses
// rewritten), and the tests' PostgreSQL. Replicas are killed, restarted one
// by one, and the database restarted under load; nothing answered 200 may be
// missing afterwards.
#define BOOST_TEST_MODULE cluster
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/signature.hpp"
#include "support/child_service.hpp"
#include "support/http_client.hpp"
#include "support/postgres_server.hpp"
#include "support/test_service.hpp"
#include "support/webhook_load.hpp"

using namespace webhookd;
using namespace webhookd::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* secret = "cluster-secret-7c1e";
constexpr int replica_count = 3;

postgres_server& server() { return postgres_server::shared(); }

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

http_response signed_post(std::uint16_t port, const std::string& body) {
  return post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex(secret, body)}});
}

// webhook_requests_total over every result a delivery that reached storage
// has (created, duplicate): how much webhook traffic one replica has served.
double deliveries_served(std::uint16_t port) {
  double sum = 0;
  for (const char* result : {"created", "duplicate", "storage_unavailable"})
    sum += metric_value(port, std::string{R"(webhook_requests_total{result=")"} + result + "\"}").value_or(0);
  return sum;
}

// Three replicas, HAProxy in front, one fresh database.
class cluster {
 public:
  cluster() : database_url_(server().create_database()), lb_port_(free_port()), stats_port_(free_port()) {
    for (int i = 0; i < replica_count; ++i) ports_.push_back(free_port());
    replicas_.resize(replica_count);
    for (int i = 0; i < replica_count; ++i) start_replica(i);
    for (int i = 0; i < replica_count; ++i) BOOST_TEST_REQUIRE(wait_ready(ports_[i], 20s), "replica " << i);
    write_haproxy_config();
    child_options options;
    options.binary = "/usr/sbin/haproxy";
    options.args = {"-f", dir_.path() + "/haproxy.cfg"};
    options.env = {{"PATH", "/usr/sbin:/usr/bin:/bin"}};
    haproxy_ = std::make_unique<child_service>(options);
    BOOST_TEST_REQUIRE(wait_ready(lb_port_, 10s), "HAProxy\n" << haproxy_->output());
  }

  std::uint16_t lb_port() const { return lb_port_; }
  std::uint16_t port(int i) const { return ports_[i]; }
  child_service& replica(int i) { return *replicas_[i]; }
  std::string database() const { return postgres_server::database_name(database_url_); }

  void start_replica(int i) {
    child_options options;
    options.binary = WEBHOOKD_BINARY;
    options.env = {{"DATABASE_URL", database_url_},
                   {"WEBHOOK_SECRET", secret},
                   {"HOST", "127.0.0.1"},
                   {"PORT", std::to_string(ports_[i])},
                   {"INSTANCE_NAME", "api" + std::to_string(i + 1)},
                   {"LOG_LEVEL", "WARNING"},
                   {"DRAIN_DELAY_MS", "1500"}};
    options.keep_output = false;
    replicas_[i].reset();
    replicas_[i] = std::make_unique<child_service>(options);
  }

  // The backend's retries and redispatches so far (HAProxy's CSV stats).
  long haproxy_retries() {
    const auto csv = haproxy_stats_csv();
    BOOST_TEST_REQUIRE(csv.rfind("# pxname", 0) == 0, "HAProxy stats: " << csv);
    std::istringstream lines{csv};
    std::string header, line;
    std::getline(lines, header);
    std::vector<std::string> names;
    std::stringstream header_fields{header.substr(2)};  // "# pxname,..."
    for (std::string name; std::getline(header_fields, name, ',');) names.push_back(name);
    long total = 0;
    while (std::getline(lines, line)) {
      std::vector<std::string> fields;
      std::stringstream row{line};
      for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
      if (fields.size() < 2 || fields[0] != "replicas" || fields[1] != "BACKEND") continue;
      for (std::size_t c = 0; c < names.size() && c < fields.size(); ++c)
        if ((names[c] == "wretr" || names[c] == "wredis") && !fields[c].empty()) total += std::stol(fields[c]);
    }
    return total;
  }

  // Read until HAProxy closes (HTTP/1.0); it still sends the CSV chunked.
  std::string haproxy_stats_csv() {
    const int fd = connect_loopback(stats_port_);
    const std::string request = "GET /stats;csv HTTP/1.0\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      ::close(fd);
      return {};
    }
    std::string answer;
    char buffer[16384];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    auto at = answer.find("\r\n\r\n");
    if (at == std::string::npos) return {};
    std::string csv;
    for (at += 4; at < answer.size();) {
      const auto line_end = answer.find("\r\n", at);
      if (line_end == std::string::npos) break;
      const auto size = std::stoul(answer.substr(at, line_end - at), nullptr, 16);
      if (size == 0) break;
      csv += answer.substr(line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
    return csv;
  }

  std::set<std::string> stored_ids() {
    const auto ids = server().column(database(), "SELECT message_id FROM messages");
    return {ids.begin(), ids.end()};
  }
  long row_count() { return std::stol(server().column(database(), "SELECT count(*) FROM messages").at(0)); }

 private:
  // The shipped configuration with loopback addresses: what runs in compose
  // is what is tested here.
  void write_haproxy_config() {
    auto cfg = read_file(std::string{WEBHOOKD_SOURCE_DIR} + "/docker/haproxy/haproxy.cfg");
    BOOST_TEST_REQUIRE(cfg.find("bind :8000") != std::string::npos);
    // Plain string replacement: GCC 12 warns inside <regex> under ASan.
    auto replace = [&cfg](const std::string& from, const std::string& to) {
      const auto at = cfg.find(from);
      BOOST_TEST_REQUIRE(at != std::string::npos, from);
      cfg.replace(at, from.size(), to);
    };
    replace("bind :8000", "bind 127.0.0.1:" + std::to_string(lb_port_));
    replace("bind :8404", "bind 127.0.0.1:" + std::to_string(stats_port_));
    for (int i = 0; i < replica_count; ++i)
      replace("api" + std::to_string(i + 1) + ":8000", "127.0.0.1:" + std::to_string(ports_[i]));
    std::ofstream{dir_.path() + "/haproxy.cfg"} << cfg;
  }

  temp_dir dir_;
  std::string database_url_;
  std::uint16_t lb_port_;
  std::uint16_t stats_port_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::unique_ptr<child_service>> replicas_;
  std::unique_ptr<child_service> haproxy_;
};

// Unique deliveries through the load balancer from 16 clients until stopped;
// any 503 counts as unavailable (HAProxy answers its own when no replica is up).
webhook_load_options load_through(std::uint16_t port, std::string prefix) {
  webhook_load_options options;
  options.prefix = std::move(prefix);
  options.send = [port](const std::string& id, int n) {
    return signed_post(port, webhook_body(id, "+1555" + std::to_string(1000 + n % 41)));
  };
  options.unavailable = [](const http_response& r) { return r.status == 503; };
  return options;
}

void require_all_stored(cluster& c, webhook_load& load) {
  const auto stored = c.stored_ids();
  std::size_t missing = 0;
  for (const auto& id : load.acknowledged()) missing += stored.count(id) == 0 ? 1 : 0;
  BOOST_TEST(missing == 0u);
  BOOST_TEST(c.row_count() == static_cast<long>(stored.size()));  // no duplicate row
  // The aggregates three writers kept at once, against what the rows say.
  BOOST_TEST(server().aggregate_differences(c.database()) == "");
}

}  // namespace

BOOST_AUTO_TEST_CASE(forty_deliveries_of_one_message_id_over_three_replicas_store_one_row) {
  cluster c;
  const auto body = webhook_body("same-everywhere", "+15550001111", "2025-05-01T08:00:00Z", std::string{"once"});
  std::vector<int> statuses(40, 0);
  std::vector<std::thread> senders;
  std::atomic<bool> go{false};
  for (int i = 0; i < 40; ++i)
    senders.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      try {
        statuses[i] = signed_post(c.lb_port(), body).status;
      } catch (const std::exception&) {
        statuses[i] = 0;
      }
    });
  go = true;
  for (auto& t : senders) t.join();
  for (int i = 0; i < 40; ++i) BOOST_TEST(statuses[i] == 200, "delivery " << i);
  BOOST_TEST(c.row_count() == 1);
  double created = 0, served = 0;
  int replicas_used = 0;
  for (int i = 0; i < replica_count; ++i) {
    created += metric_value(c.port(i), R"(webhook_requests_total{result="created"})").value_or(0);
    const double here = deliveries_served(c.port(i));
    served += here;
    replicas_used += here > 0 ? 1 : 0;
  }
  BOOST_TEST(created == 1.0);
  BOOST_TEST(served == 40.0);
  BOOST_TEST(replicas_used >= 2);
}

BOOST_AUTO_TEST_CASE(every_replica_answers_reads_the_same) {
  cluster c;
  for (int n = 0; n < 120; ++n)
    BOOST_TEST_REQUIRE(signed_post(c.lb_port(), webhook_body("r-" + std::to_string(n), "+1555000" + std::to_string(100 + n % 7),
                                                             "2025-06-0" + std::to_string(1 + n % 9) + "T12:00:00Z"))
                         .status == 200);
  for (const char* target : {"/messages", "/messages?limit=7&offset=30", "/messages?from=%2B1555000103",
                             "/messages?since=2025-06-05T00:00:00Z&limit=5", "/stats"}) {
    const auto first = get(c.port(0), target);
    BOOST_TEST_REQUIRE(first.status == 200, target);
    const bool has_rows = first.body.find("\"r-") != std::string::npos || std::string{target} == "/stats";
    BOOST_TEST(has_rows, target);
    for (int i = 1; i < replica_count; ++i) BOOST_TEST(get(c.port(i), target).body == first.body, target << " on replica " << i);
  }
  const auto stats = nlohmann::json::parse(get(c.lb_port(), "/stats").body);
  BOOST_TEST(stats["total_messages"] == 120);
  BOOST_TEST(stats["senders_count"] == 7);
}

BOOST_AUTO_TEST_CASE(kill_9_one_replica_per_round_under_load) {
  cluster c;
  webhook_load load{load_through(c.lb_port(), "k9")};
  std::this_thread::sleep_for(1s);
  const long retries_before = c.haproxy_retries();
  const auto slow = sanitizer_slowdown();
  for (int round = 0; round < 10; ++round) {
    const int victim = round % replica_count;
    std::this_thread::sleep_for(1s);
    c.replica(victim).kill_hard();
    std::this_thread::sleep_for(500ms);
    c.start_replica(victim);
    BOOST_TEST_REQUIRE(wait_ready(c.port(victim), 20s * slow), "round " << round);
    const auto ready_at = std::chrono::steady_clock::now();
    // Traffic back on the restarted replica within 5 s of it being ready.
    bool back = false;
    while (!back && std::chrono::steady_clock::now() - ready_at < 5s * slow) {
      back = deliveries_served(c.port(victim)) > 0;
      if (!back) std::this_thread::sleep_for(50ms);
    }
    BOOST_TEST(back, "round " << round << ": no traffic on the restarted replica");
    BOOST_TEST_MESSAGE("round " << round << ": replica " << victim << " served again "
                                << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ready_at).count()
                                << " ms after ready");
  }
  load.stop();
  const long retried = c.haproxy_retries() - retries_before;
  BOOST_TEST_MESSAGE("kill -9 x10: " << load.acknowledged_count() << " acknowledged, " << load.unavailable()
                                     << " answered 503, " << retried << " retried by HAProxy, "
                                     << load.others().size() << " other answers");
  BOOST_TEST(load.others().empty(), (load.others().empty() ? "" : load.others().front()));
  BOOST_TEST(load.acknowledged_count() > 100u);
  require_all_stored(c, load);
}

BOOST_AUTO_TEST_CASE(rolling_restart_fails_no_request) {
  cluster c;
  webhook_load load{load_through(c.lb_port(), "roll")};
  std::this_thread::sleep_for(1s);
  const auto slow = sanitizer_slowdown();
  for (int i = 0; i < replica_count; ++i) {
    c.replica(i).signal(SIGTERM);
    BOOST_TEST(c.replica(i).wait_exit(10s * slow) == 0, "replica " << i);
    c.start_replica(i);
    BOOST_TEST_REQUIRE(wait_ready(c.port(i), 20s * slow));
    std::this_thread::sleep_for(1500ms);  // HAProxy's next checks mark it up
  }
  std::this_thread::sleep_for(500ms);
  load.stop();
  BOOST_TEST_MESSAGE("rolling restart: " << load.acknowledged_count() << " acknowledged, " << load.unavailable()
                                         << " x 503, " << load.others().size() << " other");
  BOOST_TEST(load.unavailable() == 0);
  BOOST_TEST(load.others().empty(), (load.others().empty() ? "" : load.others().front()));
  BOOST_TEST(load.acknowledged_count() > 100u);
  require_all_stored(c, load);
}

BOOST_AUTO_TEST_CASE(postgres_restart_under_load_every_replica_recovers) {
  cluster c;
  webhook_load load{load_through(c.lb_port(), "pg")};
  std::this_thread::sleep_for(1s);
  server().stop_immediately();
  std::this_thread::sleep_for(1500ms);
  for (int i = 0; i < replica_count; ++i) BOOST_TEST(ready_status(c.port(i)) == 503, "replica " << i << " while down");
  const auto acknowledged_while_down = load.acknowledged_count();
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(load.acknowledged_count() == acknowledged_while_down);  // nothing 200 without a database
  server().start();
  const auto slow = sanitizer_slowdown();
  for (int i = 0; i < replica_count; ++i) BOOST_TEST(wait_ready(c.port(i), 10s * slow), "replica " << i << " after restart");
  const auto after_restart = load.acknowledged_count();
  std::this_thread::sleep_for(1s);
  load.stop();
  BOOST_TEST(load.acknowledged_count() > after_restart);  // taking writes again
  BOOST_TEST(load.unavailable() > 0);
  // Only 503s meanwhile: no connection error, no other status.
  BOOST_TEST(load.others().size() == 0u, (load.others().empty() ? "" : load.others().front()));
  BOOST_TEST_MESSAGE("PostgreSQL restart: " << load.acknowledged_count() << " acknowledged, " << load.unavailable()
                                            << " x 503, " << load.others().size() << " other");
  require_all_stored(c, load);
}
