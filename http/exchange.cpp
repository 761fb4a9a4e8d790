#include "http/exchange.hpp"

#include <cmath>

#include "http/request_id.hpp"

namespace webhookd {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

// Log paths are attacker-chosen: keep them short.
std::string loggable_path(std::string_view path) {
  constexpr std::size_t max_logged_path = 256;
  return std::string{path.substr(0, max_logged_path)};
}

}  // namespace

exchange::exchange(restinio::request_handle_t request, std::string_view route, http_context& ctx)
  : request_(std::move(request)), route_(route), ctx_(ctx), started_(std::chrono::steady_clock::now()) {
  auto incoming = request_->header().opt_value_of("X-Request-ID");
  if (incoming && is_sane_request_id(*incoming))
    request_id_ = std::string{*incoming};
  else
    request_id_ = new_request_id();
  ctx_.in_flight().fetch_add(1, std::memory_order_relaxed);
}

exchange::~exchange() {
  if (!answered_.load()) reply_detail(503, "service unavailable");
}

std::shared_ptr<const std::string> exchange::shared_body() const {
  // Aliasing constructor: shares ownership of the request, points at its body.
  return std::shared_ptr<const std::string>{request_, &request_->body()};
}

void exchange::reply(int status, std::string body, std::string_view content_type,
                     std::optional<std::string> retry_after) {
  send(status, restinio::writable_item_t{std::move(body)}, content_type, std::move(retry_after));
}

void exchange::reply(int status, pooled_string body) {
  send(status, restinio::writable_item_t{std::move(body)}, "application/json", std::nullopt);
}

void exchange::reply_static(int status, std::string_view body, std::string_view content_type,
                            header_list headers) {
  send(status, restinio::writable_item_t{restinio::const_buffer(body.data(), body.size())}, content_type,
       std::nullopt, std::move(headers));
}

void exchange::send(int status, restinio::writable_item_t body, std::string_view content_type,
                    std::optional<std::string> retry_after, header_list headers) {
  if (answered_.exchange(true)) return;
  // Count and log before handing the response over, so that a client that
  // has its answer also finds it in /metrics.
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
  std::string method = described_method_.value_or(request_->header().method().c_str());
  ctx_.metrics().observe_request(method_label_.value_or(method), route_, status, elapsed.count());

  auto& log = ctx_.log();
  auto level = level_;
  if (status >= 500 && level < log_level::warning) level = log_level::warning;
  if (log.enabled(level)) {
    nlohmann::ordered_json fields;
    fields["request_id"] = request_id_;
    fields["method"] = method;
    fields["path"] = loggable_path(described_path_ ? std::string_view{*described_path_} : request_->header().path());
    fields["status"] = status;
    fields["latency_ms"] = std::round(elapsed.count() * 1e6) / 1e3;
    for (auto& [key, value] : log_fields_.items()) fields[key] = std::move(value);
    log.log(level, "request", std::move(fields));
  }
  auto response = request_->create_response(
    restinio::http_status_line_t{restinio::http_status_code_t{static_cast<std::uint16_t>(status)},
                                 reason_phrase(status)});
  response.append_header(restinio::http_field::content_type, std::string{content_type});
  response.append_header("X-Request-ID", request_id_);
  if (retry_after) response.append_header(restinio::http_field::retry_after, *retry_after);
  if (close_after_reply_) response.connection_close();
  for (auto& [name, value] : headers) response.append_header(std::move(name), std::move(value));
  response.set_body(std::move(body));
  // Out of flight before the client can read the answer: a client's next
  // request must not find this one still counted (/debug/actors).
  ctx_.in_flight().fetch_sub(1, std::memory_order_release);
  response.done();
}

void exchange::describe_as(std::string method, std::string path, std::string method_label) {
  described_method_ = std::move(method);
  described_path_ = std::move(path);
  method_label_ = std::move(method_label);
}

void exchange::reply_json(int status, const nlohmann::json& body, std::optional<std::string> retry_after) {
  reply(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json",
        std::move(retry_after));
}

void exchange::reply_overloaded() {
  reply(503, R"({"detail":"server overloaded"})", "application/json", std::string{"1"});
}

void exchange::reply_detail(int status, std::string_view detail, std::optional<std::string> retry_after) {
  reply_json(status, nlohmann::json{{"detail", detail}}, std::move(retry_after));
}

}  // namespace webhookd
