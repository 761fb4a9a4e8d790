// One HTTP request and its answer. Created by a handler, shared with the
// bridge tasks that finish it; answering writes the response, counts it in
// the metrics and emits the request's single access-log line.
//
// If every owner lets go without answering (an actor died and its task was
// dropped), the destructor answers 503, so a connection is never left hanging.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <restinio/all.hpp>

#include "messages/string_pool.hpp"
#include "http/http_context.hpp"

namespace webhookd {

class exchange {
 public:
  exchange(restinio::request_handle_t request, std::string_view route, http_context& ctx);
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;
  ~exchange();

  const restinio::request_t& request() const { return *request_; }
  // The request body, shared without a copy for as long as anyone holds it.
  std::shared_ptr<const std::string> shared_body() const;
  http_context& context() { return ctx_; }

  // Fields added to the access-log line (message_id, dup, result, ...).
  nlohmann::ordered_json& log_fields() { return log_fields_; }
  void raise_log_level(log_level level) { if (level > level_) level_ = level; }

  // For a request the screen refused: RESTinio parsed a stand-in, so the log
  // and the metric name what the client sent instead (method as sent, `path`
  // without its query; `method_label` from a bounded set).
  void describe_as(std::string method, std::string path, std::string method_label);
  // The answer closes the connection (Connection: close).
  void close_after_reply() { close_after_reply_ = true; }

  // Sends the response; later calls are ignored.
  void reply(int status, std::string body, std::string_view content_type = "application/json",
             std::optional<std::string> retry_after = std::nullopt);
  // The same with a pooled body (application/json), which goes back to its
  // pool once RESTinio has written it.
  void reply(int status, pooled_string body);
  // `retry_after` (seconds) for a 503 a later try may not get: storage
  // unavailable, a read that took too long.
  void reply_json(int status, const nlohmann::json& body, std::optional<std::string> retry_after = std::nullopt);
  void reply_detail(int status, std::string_view detail, std::optional<std::string> retry_after = std::nullopt);
  // 503 {"detail": detail} with Retry-After: 1.
  void reply_retry_later(std::string_view detail) { reply_detail(503, detail, std::string{"1"}); }
  // 503 {"detail":"server overloaded"} with Retry-After: 1.
  void reply_overloaded();
  // A body that lives as long as the process (files compiled into the
  // binary), sent without a copy, with extra response headers.
  using header_list = std::vector<std::pair<std::string, std::string>>;
  void reply_static(int status, std::string_view body, std::string_view content_type, header_list headers);

 private:
  void send(int status, restinio::writable_item_t body, std::string_view content_type,
            std::optional<std::string> retry_after, header_list headers = {});

  restinio::request_handle_t request_;
  std::string route_;
  http_context& ctx_;
  std::string request_id_;
  std::chrono::steady_clock::time_point started_;
  nlohmann::ordered_json log_fields_ = nlohmann::ordered_json::object();
  log_level level_ = log_level::info;
  std::atomic<bool> answered_{false};
  bool close_after_reply_ = false;
  std::optional<std::string> described_method_;
  std::optional<std::string> described_path_;
  std::optional<std::string> method_label_;
};

using exchange_ptr = std::shared_ptr<exchange>;

}  // namespace webhookd
