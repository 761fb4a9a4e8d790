#include "app/inspect.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

namespace webhookd {

namespace {

struct http_url {
  std::string host;
  std::string port;
};

std::optional<http_url> parse_url(std::string url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  url.erase(0, scheme.size());
  auto slash = url.find('/');
  if (slash != std::string::npos) url.erase(slash);
  http_url out{url, "80"};
  auto colon = url.rfind(':');
  if (colon != std::string::npos) {
    out.host = url.substr(0, colon);
    out.port = url.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()) return std::nullopt;
  return out;
}

// One blocking GET with a 5 s timeout; the body, or an error text.
std::optional<std::string> http_get(const http_url& url, const std::string& path, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
    error = std::string{"cannot resolve "} + url.host + ": " + ::gai_strerror(rc);
    return std::nullopt;
  }
  int fd = -1;
  for (auto* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    error = "cannot connect to " + url.host + ":" + url.port;
    return std::nullopt;
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + url.host + "\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    error = "no HTTP answer";
    return std::nullopt;
  }
  auto status = response.substr(9, 3);
  if (status != "200") {
    error = "HTTP " + status + (status == "404" ? " (is DEBUG_ENDPOINTS=1 set on the server?)" : "");
    return std::nullopt;
  }
  return response.substr(head_end + 4);
}

std::string format_ms(double ms) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(ms < 10 ? 3 : 1) << ms;
  return out.str();
}

}  // namespace

void print_actor_table(const nlohmann::json& snapshot, std::ostream& out) {
  const std::vector<std::string> headers = {"ACTOR", "KIND", "HANDLED", "MAILBOX", "LAST 1m",
                                            "P50 ms", "P99 ms", "FAILURES", "LAST ERROR"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& actor : snapshot.at("actors")) {
    rows.push_back({actor.at("name").get<std::string>() + "/" + actor.at("instance").get<std::string>(),
                    actor.at("kind").get<std::string>(),
                    std::to_string(actor.at("handled").get<std::uint64_t>()),
                    std::to_string(actor.at("mailbox_depth").get<std::uint64_t>()),
                    std::to_string(actor.at("handled_last_minute").get<std::uint64_t>()),
                    format_ms(actor.at("p50_ms").get<double>()),
                    format_ms(actor.at("p99_ms").get<double>()),
                    std::to_string(actor.at("failures").get<std::uint64_t>()),
                    actor.at("last_error").is_null() ? "-" : actor.at("last_error").get<std::string>()});
  }
  std::vector<std::size_t> widths(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  auto print_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      bool numeric = i >= 2 && i <= 7;
      out << (numeric ? std::right : std::left) << std::setw(static_cast<int>(widths[i])) << row[i];
      out << (i + 1 < row.size() ? "  " : "\n");
    }
  };
  print_row(headers);
  for (const auto& row : rows) print_row(row);
  out << "in flight: " << snapshot.value("in_flight", 0) << "\n";
}

int run_inspect(int argc, char** argv) {
  std::string target = "http://127.0.0.1:8000";
  bool watch = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--watch" || arg == "-w")
      watch = true;
    else if (arg == "--help" || arg == "-h") {
      std::cout << "usage: webhookd inspect [http://HOST:PORT] [--watch]\n"
                   "Shows each actor's figures from GET /debug/actors (server needs DEBUG_ENDPOINTS=1).\n";
      return 0;
    } else
      target = arg;
  }
  auto url = parse_url(target);
  if (!url) {
    std::cerr << "inspect: expected a URL like http://127.0.0.1:8000, got " << target << "\n";
    return 2;
  }
  do {
    std::string error;
    auto body = http_get(*url, "/debug/actors", error);
    auto snapshot = body ? nlohmann::json::parse(*body, nullptr, false) : nlohmann::json{};
    if (watch) std::cout << "\x1b[H\x1b[2J" << target << "  " << std::flush;
    if (!body || snapshot.is_discarded() || !snapshot.contains("actors")) {
      std::cerr << "inspect: " << (error.empty() ? "unexpected answer" : error) << "\n";
      if (!watch) return 1;
    } else {
      if (watch) std::cout << "(refreshing every second, Ctrl-C to stop)\n";
      print_actor_table(snapshot, std::cout);
      std::cout << std::flush;
    }
    if (watch) std::this_thread::sleep_for(std::chrono::seconds{1});
  } while (watch);
  return 0;
}

}  // namespace webhookd
