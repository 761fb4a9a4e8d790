// A deliberately small blocking HTTP/1.1 client over a loopback TCP socket,
// so tests can send exactly the bytes they mean (raw URLs, odd headers,
// pipelining) and read back status, headers and body.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace webhookd::test {

struct http_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::optional<std::string> header(const std::string& lower_name) const;
};

// A blocking TCP socket connected to 127.0.0.1:port, TCP_NODELAY set,
// close-on-exec. Throws std::runtime_error when it cannot connect.
int connect_loopback(std::uint16_t port);

// Called with every response the client reads, and the request it answers
// (support/openapi_conformance checks them); nullptr to stop. Responses to
// bytes that were not a parseable request are not reported.
using response_observer =
  std::function<void(const std::string& method, const std::string& target, const http_response& response)>;
void set_response_observer(response_observer observer);

// One TCP connection to 127.0.0.1:port. Throws std::runtime_error on socket errors.
class http_connection {
 public:
  explicit http_connection(std::uint16_t port,
                           std::chrono::milliseconds timeout = std::chrono::seconds{10});
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;
  ~http_connection();

  void send_raw(const std::string& bytes);
  // Reads one response (Content-Length framed). nullopt when the server
  // closed the connection before a complete response arrived.
  std::optional<http_response> read_response();
  // True once the server has closed its side (reads return EOF).
  bool closed_by_peer();

 private:
  bool fill();
  // Finds the requests in the bytes sent so far, for the observer.
  void track_requests();
  int fd_ = -1;
  std::string pending_;
  std::string sent_;  // sent bytes not yet split into requests
  bool tracking_ = true;  // false after bytes that are not a request
  std::deque<std::pair<std::string, std::string>> requests_;  // method, target
};

struct request_options {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends one request on a fresh connection (Connection: close) and reads the answer.
http_response send_request(std::uint16_t port, const request_options& options);
http_response get(std::uint16_t port, const std::string& target);
http_response post(std::uint16_t port, const std::string& target, const std::string& body,
                   std::vector<std::pair<std::string, std::string>> headers = {});

// The bytes of a request as send_request would send them.
std::string format_request(const request_options& options, bool keep_alive);

}  // namespace webhookd::test
