// The webhookd binary as a process: configuration errors, start-up, logs on
// stdout, and SIGTERM with requests in flight.
#define BOOST_TEST_MODULE process
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "support/child_service.hpp"
#include "support/sqlite_file.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The webhookd binary started with exactly `env`, stdout to a file.
class child_process {
 public:
  child_process(const std::map<std::string, std::string>& env, const std::string& stdout_path) {
    pid_ = ::fork();
    BOOST_TEST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      std::vector<std::string> storage;
      for (const auto& [k, v] : env) storage.push_back(k + "=" + v);
      std::vector<char*> envp;
      for (auto& s : storage) envp.push_back(s.data());
      envp.push_back(nullptr);
      char* argv[] = {const_cast<char*>(WEBHOOKD_BINARY), nullptr};
      ::execve(WEBHOOKD_BINARY, argv, envp.data());
      ::_exit(127);
    }
  }
  ~child_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // Exit code, or -1 if it did not exit within `limit`.
  int wait_exit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

std::vector<json> json_lines(const std::string& path) {
  std::ifstream in{path};
  std::vector<json> lines;
  std::string line;
  while (std::getline(in, line)) {
    auto parsed = json::parse(line, nullptr, false);
    BOOST_TEST_REQUIRE(!parsed.is_discarded(), "stdout line is not JSON: " << line);
    lines.push_back(parsed);
  }
  return lines;
}

std::set<std::string> stored_ids(const std::string& db_path) {
  // Read-write without create: a WAL reader may need to write the -shm file.
  sqlite_file db{db_path, sqlite::connection::mode::read_write};
  std::set<std::string> ids;
  for (const auto& row : db.rows("SELECT message_id FROM messages")) ids.insert(row.at(0).value_or(""));
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_CASE(malformed_configuration_exits_2_with_one_json_line) {
  temp_dir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"DATABASE_URL", "mysql://localhost/db"},
    {"DATABASE_URL", "sqlite://relative.db"},
    {"LOG_LEVEL", "LOUD"},
    {"PORT", "70000"},
  };
  for (const auto& [variable, value] : cases) {
    auto out = dir.path() + "/out.jsonl";
    child_process child{{{variable, value}, {"WEBHOOK_SECRET", "do-not-print-me"}}, out};
    BOOST_TEST(child.wait_exit(5s) == 2, variable << "=" << value);
    auto lines = json_lines(out);
    BOOST_TEST_REQUIRE(lines.size() == 1u, variable << "=" << value);
    BOOST_TEST(lines[0]["level"] == "ERROR");
    BOOST_TEST(lines[0]["variable"] == variable);
    BOOST_TEST(lines[0]["problem"].is_string());
    std::ifstream in{out};
    std::stringstream raw;
    raw << in.rdbuf();
    BOOST_TEST(raw.str().find("do-not-print-me") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(starts_ready_fast_and_stops_cleanly_on_sigint) {
  temp_dir dir;
  auto port = free_port();
  auto out = dir.path() + "/out.jsonl";
  auto started = std::chrono::steady_clock::now();
  child_process child{{{"WEBHOOK_SECRET", "s3cret-value"},
                       {"DATABASE_URL", "sqlite:////" + dir.path().substr(1) + "/nested/dir/app.db"},
                       {"HOST", "127.0.0.1"},
                       {"PORT", std::to_string(port)},
                       {"LOG_LEVEL", "debug"}},
                      out};
  BOOST_TEST_REQUIRE(wait_ready(port, 2000ms));
  auto ready_after = std::chrono::steady_clock::now() - started;
  BOOST_TEST_MESSAGE("ready after " << std::chrono::duration_cast<std::chrono::milliseconds>(ready_after).count() << " ms");
  auto body = webhook_body("p1");
  BOOST_TEST(post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex("s3cret-value", body)}}).status == 200);
  child.signal(SIGINT);
  BOOST_TEST(child.wait_exit(5s) == 0);
  auto lines = json_lines(out);
  BOOST_TEST_REQUIRE(lines.size() >= 4u);
  BOOST_TEST(lines.front()["msg"] == "starting");
  BOOST_TEST(lines.back()["msg"] == "stopped");
  std::ifstream in{out};
  std::stringstream raw;
  raw << in.rdbuf();
  BOOST_TEST(raw.str().find("s3cret-value") == std::string::npos);
  // Closed cleanly: the WAL was checkpointed into the main file and removed.
  BOOST_TEST(!std::ifstream{dir.path() + "/nested/dir/app.db-wal"}.good());
  BOOST_TEST(stored_ids(dir.path() + "/nested/dir/app.db") == (std::set<std::string>{"p1"}));
}

BOOST_AUTO_TEST_CASE(instance_name_in_every_log_line_and_in_metrics) {
  temp_dir dir;
  auto port = free_port();
  auto out = dir.path() + "/out.jsonl";
  child_process child{{{"WEBHOOK_SECRET", "s3cret-value"},
                       {"DATABASE_URL", "sqlite:////" + dir.path().substr(1) + "/app.db"},
                       {"HOST", "127.0.0.1"},
                       {"PORT", std::to_string(port)},
                       {"INSTANCE_NAME", "replica-b"}},
                      out};
  BOOST_TEST_REQUIRE(wait_ready(port, 2000ms));
  auto body = webhook_body("i1");
  BOOST_TEST(post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex("s3cret-value", body)}}).status == 200);
  BOOST_TEST(metric_value(port, R"(webhookd_instance_info{instance_name="replica-b"})").value_or(-1) == 1.0);
  // The FastAPI series keep their labels: the name is not added to them.
  BOOST_TEST(metric_value(port, R"(webhook_requests_total{result="created"})").value_or(-1) == 1.0);
  child.signal(SIGTERM);
  BOOST_TEST(child.wait_exit(5s) == 0);
  auto lines = json_lines(out);
  BOOST_TEST_REQUIRE(lines.size() >= 4u);
  bool webhook_line = false;
  for (const auto& line : lines) {
    BOOST_TEST(line.value("instance", "") == "replica-b", line.dump());
    webhook_line = webhook_line || line.value("message_id", "") == "i1";
  }
  BOOST_TEST(webhook_line);
}

BOOST_AUTO_TEST_CASE(drain_delay_stops_readiness_first_and_keeps_serving) {
  temp_dir dir;
  auto port = free_port();
  auto out = dir.path() + "/out.jsonl";
  child_process child{{{"WEBHOOK_SECRET", "s3cret-value"},
                       {"DATABASE_URL", "sqlite:////" + dir.path().substr(1) + "/app.db"},
                       {"HOST", "127.0.0.1"},
                       {"PORT", std::to_string(port)},
                       {"DRAIN_DELAY_MS", "1500"}},
                      out};
  BOOST_TEST_REQUIRE(wait_ready(port, 2000ms));
  const auto signalled = std::chrono::steady_clock::now();
  child.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  const auto ready = get(port, "/health/ready");
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(json::parse(ready.body) == json::parse(R"({"status":"not ready","reasons":["shutting down"]})"));
  // Everything else is still served while the load balancer takes it out.
  auto body = webhook_body("during-drain");
  BOOST_TEST(post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex("s3cret-value", body)}}).status == 200);
  BOOST_TEST(get(port, "/messages").body.find("during-drain") != std::string::npos);
  BOOST_TEST(child.wait_exit(8s) == 0);
  const bool waited = std::chrono::steady_clock::now() - signalled >= 1400ms;
  BOOST_TEST(waited);
  BOOST_TEST(stored_ids(dir.path() + "/app.db") == (std::set<std::string>{"during-drain"}));
}

BOOST_AUTO_TEST_CASE(sigterm_with_requests_in_flight) {
  temp_dir dir;
  auto port = free_port();
  auto out = dir.path() + "/out.jsonl";
  auto db = dir.path() + "/app.db";
  child_process child{{{"WEBHOOK_SECRET", "k"},
                       {"DATABASE_URL", "sqlite:///" + db},
                       {"HOST", "127.0.0.1"},
                       {"PORT", std::to_string(port)}},
                      out};
  BOOST_TEST_REQUIRE(wait_ready(port, 2000ms));

  // Eight clients post unique messages until the server stops accepting.
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::map<int, int> statuses;
  std::atomic<int> unanswered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      for (int i = 0; i < 100000 && !stop.load(); ++i) {
        auto id = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto body = webhook_body(id);
        std::unique_ptr<http_connection> connection;
        try {
          connection = std::make_unique<http_connection>(port);
        } catch (const std::runtime_error&) {
          return;  // refused: the server no longer accepts
        }
        try {
          connection->send_raw(format_request({"POST", "/webhook", body, {{"X-Signature", hmac_sha256_hex("k", body)}}}, false));
          auto r = connection->read_response();
          std::lock_guard<std::mutex> lock{mutex};
          if (!r) {
            ++unanswered;
            continue;
          }
          ++statuses[r->status];
          if (r->status == 200) acknowledged.insert(id);
        } catch (const std::runtime_error&) {
          ++unanswered;
        }
      }
    });
  std::this_thread::sleep_for(500ms);
  auto signalled = std::chrono::steady_clock::now();
  child.signal(SIGTERM);
  int code = child.wait_exit(5s);
  auto exit_after = std::chrono::steady_clock::now() - signalled;
  stop = true;
  for (auto& t : clients) t.join();

  BOOST_TEST(code == 0);
  BOOST_TEST((exit_after < 5s));
  BOOST_TEST_MESSAGE("exit after " << std::chrono::duration_cast<std::chrono::milliseconds>(exit_after).count()
                     << " ms; acknowledged " << acknowledged.size() << ", unanswered " << unanswered.load());
  BOOST_TEST(acknowledged.size() > 50u);
  for (const auto& [status, count] : statuses)
    BOOST_TEST((status == 200 || status == 503), "status " << status << " x" << count);
  // Every 200 is in the database file.
  auto stored = stored_ids(db);
  for (const auto& id : acknowledged) BOOST_TEST(stored.count(id) == 1u, id);
  auto lines = json_lines(out);
  BOOST_TEST(lines.back()["msg"] == "stopped");
}

BOOST_AUTO_TEST_CASE(inspect_prints_one_row_per_actor) {
  temp_dir dir;
  auto port = free_port();
  child_process child{{{"WEBHOOK_SECRET", "k"},
                       {"DATABASE_URL", "sqlite:///" + dir.path() + "/app.db"},
                       {"HOST", "127.0.0.1"},
                       {"PORT", std::to_string(port)},
                       {"DEBUG_ENDPOINTS", "1"}},
                      dir.path() + "/out.jsonl"};
  BOOST_TEST_REQUIRE(wait_ready(port, 2000ms));
  auto run = [&](const std::string& args, int& code) {
    std::string command = std::string{WEBHOOKD_BINARY} + " inspect " + args + " 2>&1";
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    int status = ::pclose(pipe);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return output;
  };
  int code = -1;
  auto table = run("http://127.0.0.1:" + std::to_string(port), code);
  BOOST_TEST(code == 0);
  BOOST_TEST(table.rfind("ACTOR", 0) == 0u, table);
  for (const auto* row : {"\nverifier/0 ", "\nverifier/1 ", "\nstorage/0 ", "\nquery/0 ", "\nquery/1 ",
                          "\nbridge/0 ", "\nbridge/1 ", "\nmetrics/0 "})
    BOOST_TEST(table.find(row) != std::string::npos, row);
  BOOST_TEST(table.find("in flight: 0") != std::string::npos);
  // Nobody listening: a clear error and exit 1.
  auto refused = run("http://127.0.0.1:" + std::to_string(free_port()), code);
  BOOST_TEST(code == 1);
  BOOST_TEST(refused.find("cannot connect") != std::string::npos, refused);
  run("not-a-url", code);
  BOOST_TEST(code == 2);
}
