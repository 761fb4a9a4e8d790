#include "support/test_service.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "core/signature.hpp"
#include "support/postgres_server.hpp"
#include "support/storage_harness.hpp"

namespace webhookd::test {

temp_dir::temp_dir() {
  char pattern[] = "/tmp/webhookd-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

test_service::test_service(service_setup setup) {
  if (backend_under_test() == "postgres")
    database_url_ = setup.database_url.empty() ? postgres_server::shared().create_database() : setup.database_url;
  else
    database_path_ = dir_.path() + "/" + setup.database_relative;
  if (setup.before_start) setup.before_start(dir_.path());
  log_file_ = std::fopen((dir_.path() + "/log.jsonl").c_str(), "w+");
  if (log_file_ == nullptr) throw std::runtime_error("cannot open log file");
  log_ = std::make_unique<json_logger>(log_file_, setup.level);
  config cfg;
  cfg.database_path = database_path_;
  if (!database_url_.empty()) cfg.postgres = postgres_target_from_url(database_url_);
  if (!setup.secret.empty()) cfg.webhook_secret = setup.secret;
  cfg.level = setup.level;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  auto options = default_options(cfg);
  options.storage_retry_interval = std::chrono::milliseconds{100};
  if (setup.tune) setup.tune(options);
  service_ = std::make_unique<service>(options, *log_);
  service_->start();
  port_ = service_->port();
  if (setup.wait_for_storage) wait_for_storage();
}

void test_service::wait_for_storage(std::chrono::seconds limit) {
  // Ready, or not ready for no reason but the missing secret.
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = get(port_, "/health/ready");
    if (r.status == 200) return;
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_discarded() && body.value("reasons", nlohmann::json::array()) ==
                                  nlohmann::json::array({"WEBHOOK_SECRET is not set"}))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  throw std::runtime_error("storage did not become ready");
}

test_service::~test_service() {
  stop();
  log_.reset();
  if (log_file_ != nullptr) std::fclose(log_file_);
}

http_response test_service::post_webhook(const std::string& body) {
  return post(port_, "/webhook", body, {{"X-Signature", hmac_sha256_hex(test_secret, body)}});
}

void test_service::stop() {
  if (service_) service_->shutdown(std::chrono::seconds{4});
  service_.reset();
}

std::string test_service::raw_log() {
  log_->flush();
  std::ifstream in{dir_.path() + "/log.jsonl"};
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<nlohmann::json> test_service::log_lines() {
  std::vector<nlohmann::json> lines;
  std::istringstream in{raw_log()};
  std::string line;
  while (std::getline(in, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    BOOST_TEST_REQUIRE(!parsed.is_discarded(), "log line is not JSON: " << line);
    BOOST_TEST_REQUIRE(parsed.is_object(), "log line is not a JSON object: " << line);
    lines.push_back(std::move(parsed));
  }
  return lines;
}

std::optional<double> metric_value(std::uint16_t port, const std::string& series) {
  auto r = get(port, "/metrics");
  BOOST_TEST_REQUIRE(r.status == 200);
  std::istringstream in{r.body};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

std::string webhook_body(const std::string& message_id, const std::string& from, const std::string& ts,
                         const std::optional<std::string>& text, const std::string& to) {
  nlohmann::ordered_json body;
  body["message_id"] = message_id;
  body["from"] = from;
  body["to"] = to;
  body["ts"] = ts;
  if (text) body["text"] = *text;
  return body.dump();
}

}  // namespace webhookd::test
