#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace webhookd::test {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::mutex observer_mutex;
response_observer observer;

void notify(const std::string& method, const std::string& target, const http_response& response) {
  std::lock_guard<std::mutex> lock{observer_mutex};
  if (observer) observer(method, target, response);
}

}  // namespace

void set_response_observer(response_observer next) {
  std::lock_guard<std::mutex> lock{observer_mutex};
  observer = std::move(next);
}

std::optional<std::string> http_response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string{std::strerror(errno)});
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("connect: " + error);
  }
  return fd;
}

http_connection::http_connection(std::uint16_t port, std::chrono::milliseconds timeout)
    : fd_(connect_loopback(port)) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

http_connection::~http_connection() {
  if (fd_ >= 0) ::close(fd_);
}

void http_connection::track_requests() {
  while (tracking_) {
    auto head_end = sent_.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    auto line = sent_.substr(0, sent_.find("\r\n"));
    auto first = line.find(' ');
    auto second = line.find(' ', first + 1);
    if (first == std::string::npos || second == std::string::npos || line.compare(second + 1, 5, "HTTP/") != 0) {
      tracking_ = false;  // not a request: the server closes, nothing to check
      requests_.emplace_back();
      return;
    }
    std::size_t length = 0;
    auto head = lower(sent_.substr(0, head_end));
    if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
      try {
        length = std::stoul(head.substr(at + 17));
      } catch (const std::exception&) {
        tracking_ = false;
        requests_.emplace_back();
        return;
      }
    }
    if (sent_.size() < head_end + 4 + length) return;  // the body is still to come
    requests_.emplace_back(line.substr(0, first), line.substr(first + 1, second - first - 1));
    sent_.erase(0, head_end + 4 + length);
  }
}

void http_connection::send_raw(const std::string& bytes) {
  if (tracking_) {
    sent_ += bytes;
    track_requests();
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("send: " + std::string{std::strerror(errno)});
    }
    sent += static_cast<std::size_t>(n);
  }
}

bool http_connection::fill() {
  char buffer[16384];
  for (;;) {
    auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      pending_.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) throw std::runtime_error("recv: timed out");
    return false;  // reset by peer counts as closed
  }
}

std::optional<http_response> http_connection::read_response() {
  std::size_t header_end;
  while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  http_response response;
  std::string head = pending_.substr(0, header_end);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (space == std::string::npos) throw std::runtime_error("bad status line: " + status_line);
  response.status = std::stoi(status_line.substr(space + 1, 3));
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    auto line = head.substr(pos, next - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[lower(line.substr(0, colon))] = value;
    }
    pos = next + 2;
  }
  std::size_t length = 0;
  if (auto value = response.header("content-length")) length = std::stoul(*value);
  std::size_t body_start = header_end + 4;
  while (pending_.size() < body_start + length)
    if (!fill()) return std::nullopt;
  response.body = pending_.substr(body_start, length);
  pending_.erase(0, body_start + length);
  if (!requests_.empty()) {
    auto [method, target] = std::move(requests_.front());
    requests_.pop_front();
    if (!method.empty()) notify(method, target, response);
  }
  return response;
}

bool http_connection::closed_by_peer() {
  try {
    while (fill()) {
    }
    return true;
  } catch (const std::runtime_error&) {
    return false;  // still open: the read timed out
  }
}

std::string format_request(const request_options& options, bool keep_alive) {
  std::string out = options.method + " " + options.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : options.headers) out += name + ": " + value + "\r\n";
  if (!options.body.empty() || options.method == "POST")
    out += "Content-Length: " + std::to_string(options.body.size()) + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  out += options.body;
  return out;
}

http_response send_request(std::uint16_t port, const request_options& options) {
  http_connection connection{port};
  connection.send_raw(format_request(options, false));
  auto response = connection.read_response();
  if (!response) throw std::runtime_error("connection closed without a response");
  return *response;
}

http_response get(std::uint16_t port, const std::string& target) {
  return send_request(port, {"GET", target, "", {}});
}

http_response post(std::uint16_t port, const std::string& target, const std::string& body,
                   std::vector<std::pair<std::string, std::string>> headers) {
  return send_request(port, {"POST", target, body, std::move(headers)});
}

}  // namespace webhookd::test
