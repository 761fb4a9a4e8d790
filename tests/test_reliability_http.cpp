// Hostile HTTP against the webhookd binary: a thousand idle or byte-by-byte
// slow connections must not stop a normal client (p99 latency under 100 ms
// while they are open) and must be closed by the read timeout; malformed,
// oversized and absurdly framed requests get their 400/413/414/431/501/505
// with a {"detail": …} body and a close, never a crash, a hang or a silent
// close; pipelined requests are answered in order.
#define BOOST_TEST_MODULE reliability_http
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/signature.hpp"
#include "support/child_service.hpp"
#include "support/test_service.hpp"

using namespace webhookd;
using namespace webhookd::test;
using nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr const char* http_secret = "hostile-secret-9e02a1";
// The service closes a connection that has not sent a complete request
// within this time (http_settings::read_timeout).
constexpr auto server_read_timeout = 10s;

std::map<std::string, std::string> child_env(const std::string& db, std::uint16_t port) {
  return {{"WEBHOOK_SECRET", http_secret},
          {"DATABASE_URL", "sqlite:///" + db},
          {"HOST", "127.0.0.1"},
          {"PORT", std::to_string(port)},
          {"LOG_LEVEL", "WARNING"}};
}

// A raw loopback socket, closed on destruction.
class raw_socket {
 public:
  explicit raw_socket(std::uint16_t port) : fd_(connect_loopback(port)) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  raw_socket(raw_socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  raw_socket(const raw_socket&) = delete;
  ~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  // One send; false when the peer has gone (reset, closed).
  bool send_some(const char* data, std::size_t size) {
    auto n = ::send(fd_, data, size, MSG_NOSIGNAL);
    return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK;
  }
  // True once the server has closed its side (EOF or reset). Drains any data.
  bool peer_closed() {
    char buffer[4096];
    for (;;) {
      auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n > 0) continue;
      return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
  }

 private:
  int fd_ = -1;
};

// Takes the hard descriptor limit, like the service does.
rlim_t raise_descriptor_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// The service, ready, with enough descriptors on this side for `connections`.
std::unique_ptr<child_service> start_for_connections(const temp_dir& dir, std::uint16_t port,
                                                     std::size_t connections) {
  auto fd_limit = raise_descriptor_limit();
  BOOST_TEST_REQUIRE(fd_limit >= connections + 200, "descriptor limit " << fd_limit << " is too low for this test");
  auto server = std::make_unique<child_service>(
    child_options{WEBHOOKD_BINARY, child_env(dir.path() + "/app.db", port), std::nullopt, std::nullopt});
  BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * sanitizer_slowdown()}));
  return server;
}

struct latency_figures {
  std::size_t samples = 0, failures = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// A normal client: one request per fresh connection, rotating over the
// endpoints a sender and a dashboard use, for `duration`.
latency_figures measure_normal_client(std::uint16_t port, std::chrono::milliseconds duration,
                                      const std::string& id_prefix) {
  std::vector<double> ms;
  std::size_t failures = 0;
  auto until = clock_type::now() + duration;
  for (int i = 0; clock_type::now() < until; ++i) {
    auto started = clock_type::now();
    int expected = 200;
    http_response r;
    try {
      switch (i % 4) {
        case 0: {
          auto body = webhook_body(id_prefix + std::to_string(i));
          r = post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex(http_secret, body)}});
          break;
        }
        case 1: r = get(port, "/messages?limit=10&from=%2B919876543210"); break;
        case 2: r = get(port, "/stats"); break;
        default: r = get(port, "/health/ready"); break;
      }
    } catch (const std::runtime_error&) {
      ++failures;
      continue;
    }
    std::chrono::duration<double, std::milli> spent = clock_type::now() - started;
    if (r.status != expected) ++failures;
    ms.push_back(spent.count());
  }
  latency_figures f;
  f.samples = ms.size();
  f.failures = failures;
  if (ms.empty()) return f;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  f.p50_ms = at(0.50);
  f.p99_ms = at(0.99);
  f.max_ms = ms.back();
  return f;
}

// Incomplete requests that a slow client dribbles out one byte at a time.
const std::vector<std::string>& slow_requests() {
  static const std::vector<std::string> requests = {
    // headers that never end
    "GET /stats HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(4000, 'p'),
    // a body far slower than its Content-Length promises
    "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + std::string(4000, 'b'),
    // a chunked body that never ends
    "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + [] {
      std::string chunks;
      for (int i = 0; i < 800; ++i) chunks += "1\r\na\r\n";
      return chunks;
    }(),
  };
  return requests;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_thousand_slow_connections_do_not_stop_real_clients) {
  const std::size_t wanted = 1000;
  temp_dir dir;
  auto port = free_port();
  auto started = start_for_connections(dir, port, wanted);
  auto& server = *started;
  const auto slow = sanitizer_slowdown();

  auto baseline = measure_normal_client(port, 1500ms, "baseline-");
  BOOST_TEST_MESSAGE("normal client alone: " << baseline.samples << " requests, p50 " << baseline.p50_ms
                     << " ms, p99 " << baseline.p99_ms << " ms, max " << baseline.max_ms << " ms");

  // Half idle (connected; some sent a partial request line once), half
  // dribbling an incomplete request one byte per connection every 100 ms.
  std::vector<raw_socket> idle, dribbling;
  auto opened = clock_type::now();
  for (std::size_t i = 0; i < wanted / 2; ++i) {
    idle.emplace_back(port);
    if (i % 2 == 1) idle.back().send_some("GET /sta", 8);
  }
  for (std::size_t i = 0; i < wanted / 2; ++i) dribbling.emplace_back(port);
  auto open_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - opened).count();

  std::atomic<bool> stop{false};
  std::atomic<std::size_t> bytes_dribbled{0};
  // Written by the dribbling thread, read by this one.
  std::vector<std::atomic<bool>> dribbler_closed(dribbling.size());
  std::thread dribbler{[&] {
    std::vector<std::size_t> offsets(dribbling.size(), 0);
    while (!stop.load()) {
      auto tick = clock_type::now();
      for (std::size_t i = 0; i < dribbling.size(); ++i) {
        if (dribbler_closed[i].load()) continue;
        const auto& request = slow_requests()[i % slow_requests().size()];
        if (offsets[i] >= request.size()) continue;
        if (!dribbling[i].send_some(request.data() + offsets[i], 1)) {
          dribbler_closed[i].store(true);
          continue;
        }
        ++offsets[i];
        ++bytes_dribbled;
      }
      std::this_thread::sleep_until(tick + 100ms);
    }
  }};

  std::this_thread::sleep_for(300ms);
  auto loaded = measure_normal_client(port, std::chrono::milliseconds{4000}, "loaded-");
  BOOST_TEST_MESSAGE("normal client beside " << wanted << " slow connections (opened in " << open_ms
                     << " ms): " << loaded.samples << " requests, " << loaded.failures << " failed, p50 "
                     << loaded.p50_ms << " ms, p99 " << loaded.p99_ms << " ms, max " << loaded.max_ms << " ms");
  BOOST_TEST(loaded.samples >= 100u);
  BOOST_TEST(loaded.failures == 0u);
  BOOST_TEST(loaded.p99_ms < 100.0 * slow, "p99 " << loaded.p99_ms << " ms");

  // Every slow connection is closed by the server's read timeout.
  auto deadline = opened + server_read_timeout + std::chrono::seconds{3 * slow};
  std::size_t closed = 0;
  std::vector<bool> idle_closed(idle.size(), false);
  while (clock_type::now() < deadline && closed < wanted) {
    std::this_thread::sleep_for(200ms);
    closed = 0;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (!idle_closed[i]) idle_closed[i] = idle[i].peer_closed();
      closed += idle_closed[i];
    }
    for (std::size_t i = 0; i < dribbling.size(); ++i) closed += dribbler_closed[i].load() || dribbling[i].peer_closed();
  }
  auto closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - opened).count();
  stop = true;
  dribbler.join();
  BOOST_TEST_MESSAGE(closed << " of " << wanted << " slow connections closed by the server after " << closed_after
                     << " ms (" << bytes_dribbled.load() << " bytes dribbled)");
  BOOST_TEST(closed == wanted);
  BOOST_TEST((std::chrono::milliseconds{closed_after} >= server_read_timeout));

  BOOST_TEST(server.running());
  BOOST_TEST(get(port, "/health/live").status == 200);
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
}

namespace {

// refused: answered `status` with a {"detail": …} body, then closed.
enum class expect { refused, answered_ok, status };

struct hostile_case {
  std::string name;
  std::string bytes;
  expect outcome;
  int status = 0;  // for expect::status
};

std::string chunked(std::size_t chunks, std::size_t chunk_size) {
  std::string out;
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk_size);
  for (std::size_t i = 0; i < chunks; ++i) out += size_line + std::string(chunk_size, 'a') + "\r\n";
  return out + "0\r\n\r\n";
}

std::string signed_chunked_post(const std::string& id) {
  auto body = webhook_body(id);
  char size_line[32];
  auto first = body.substr(0, body.size() / 2), second = body.substr(body.size() / 2);
  std::snprintf(size_line, sizeof size_line, "%zx", first.size());
  std::string out = "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Signature: " +
                    hmac_sha256_hex(http_secret, body) + "\r\n\r\n" + size_line + "\r\n" + first + "\r\n";
  std::snprintf(size_line, sizeof size_line, "%zx", second.size());
  return out + size_line + "\r\n" + second + "\r\n0\r\n\r\n";
}

// A signed webhook sent chunked but announced as gzip first: never stored.
std::string gzip_chunked_post(const std::string& id) {
  auto request = signed_chunked_post(id);
  auto at = request.find("Transfer-Encoding: chunked");
  return request.replace(at, 26, "Transfer-Encoding: gzip, chunked");
}

std::vector<hostile_case> hostile_cases() {
  const std::string post_head = "POST /webhook HTTP/1.1\r\nHost: x\r\n";
  std::string many_headers = "GET /stats HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  std::string binary;
  for (int i = 0; i < 1024; ++i) binary += static_cast<char>(i % 256);
  static const char nul_request[] = "GET /st\0ats HTTP/1.1\r\nHost: x\r\n\r\n";
  static const char nul_header[] = "GET /stats HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
  // Every refusal is a status with a {"detail": …} body, then a close.
  auto refused = [](std::string name, std::string bytes, int status) {
    return hostile_case{std::move(name), std::move(bytes), expect::refused, status};
  };
  return {
    // malformed request lines
    refused("garbage request line", "NOT A REQUEST\r\n\r\n", 400),
    refused("binary noise", binary, 400),
    refused("NUL in the target", std::string{nul_request, sizeof nul_request - 1}, 400),
    refused("lower-case method", "get /stats HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    refused("unknown method", "BREW /stats HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    refused("method FOO", "FOO /stats HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    refused("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 501),
    refused("HTTP/2.0 version", "GET /stats HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    refused("no target", "GET HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    refused("bad version", "GET /stats HTTP/x.y\r\nHost: x\r\n\r\n", 400),
    refused("header without colon", "GET /stats HTTP/1.1\r\nHost x\r\n\r\n", 400),
    refused("NUL in a header", std::string{nul_header, sizeof nul_header - 1}, 400),
    refused("bare CR in a header", "GET /stats HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400),
    refused("space before colon", "GET /stats HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    {"bare LF line ends", "GET /stats HTTP/1.1\nHost: x\n\n", expect::answered_ok},
    refused("obsolete header folding", "GET /stats HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n", 400),
    // oversized parts
    refused("9 KiB URL", "GET /messages?q=" + std::string(9 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    refused("200 header fields", many_headers + "\r\n", 431),
    refused("2 KiB header name", "GET /stats HTTP/1.1\r\nX-" + std::string(2048, 'n') + ": v\r\n\r\n", 431),
    refused("100 KiB header value", "GET /stats HTTP/1.1\r\nX-Big: " + std::string(100 * 1024, 'v') + "\r\n\r\n", 431),
    // absurd framing
    refused("Content-Length beyond 64 bits", post_head + "Content-Length: 99999999999999999999999\r\n\r\nabc", 400),
    refused("negative Content-Length", post_head + "Content-Length: -5\r\n\r\nabc", 400),
    refused("Content-Length not a number", post_head + "Content-Length: 12abc\r\n\r\nabc", 400),
    refused("two different Content-Lengths", post_head + "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400),
    refused("Content-Length and chunked", post_head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
    refused("2 MB declared, 3 bytes sent", post_head + "Content-Length: 2000000\r\n\r\nabc", 413),
    refused("2 MB body", post_head + "Content-Length: 2000000\r\n\r\n" + std::string(2000000, 'x'), 413),
    refused("unknown transfer coding", post_head + "Transfer-Encoding: gzip\r\n\r\nabc", 501),
    refused("gzip, chunked", gzip_chunked_post("gzip-chunked"), 501),
    refused("absurd chunk size", post_head + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n", 413),
    refused("chunk size not hex", post_head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
    refused("chunked 1.2 MiB (over the HTTP limit)", post_head + "Transfer-Encoding: chunked\r\n\r\n" + chunked(300, 4096), 413),
    {"chunked 100 KiB (over the webhook limit)", post_head + "Transfer-Encoding: chunked\r\n\r\n" + chunked(25, 4096), expect::status, 413},
    {"chunked signed webhook within limits", signed_chunked_post("chunked-ok"), expect::answered_ok},
    {"body on a GET", "GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", expect::answered_ok},
    {"HTTP/1.0 without Host", "GET /health/live HTTP/1.0\r\n\r\n", expect::answered_ok},
  };
}

struct observed {
  bool closed = false;       // closed (or reset) before any response
  bool timed_out = false;    // neither answer nor close within the limit
  int status = 0;
  std::string body;
  bool closed_after = false;  // closed by the server after its answer
};

// Sends `bytes` (tolerating a server that closes midway) and waits for the
// first response or the close.
observed try_case(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds limit) {
  http_connection connection{port, limit};
  observed o;
  try {
    connection.send_raw(bytes);
  } catch (const std::runtime_error&) {
    // The server closed while we were still sending: a rejection. Any answer
    // it sent first is still readable.
  }
  try {
    auto r = connection.read_response();
    if (r) {
      o.status = r->status;
      o.body = r->body;
      o.closed_after = r->header("connection").value_or("") == "close" && connection.closed_by_peer();
    } else {
      o.closed = true;
    }
  } catch (const std::runtime_error& e) {
    if (std::string{e.what()}.find("timed out") != std::string::npos)
      o.timed_out = true;
    else
      o.closed = true;
  }
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_requests_get_a_status_with_a_detail_and_a_close) {
  temp_dir dir;
  auto port = free_port();
  child_service server{{WEBHOOKD_BINARY, child_env(dir.path() + "/app.db", port), std::nullopt, std::nullopt}};
  const auto slow = sanitizer_slowdown();
  BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));
  const auto limit = std::chrono::milliseconds{3000 * slow};

  for (const auto& c : hostile_cases()) {
    auto started = clock_type::now();
    auto o = try_case(port, c.bytes, limit);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count();
    std::string seen = o.timed_out ? "no answer, still open" : o.closed ? "closed" : std::to_string(o.status);
    BOOST_TEST_MESSAGE(c.name << ": " << seen << " (" << ms << " ms)");
    BOOST_TEST(!o.timed_out, c.name << ": hung for " << ms << " ms");
    switch (c.outcome) {
      case expect::refused:
        BOOST_TEST(o.status == c.status, c.name << ": " << seen);
        BOOST_TEST(json::parse(o.body.empty() ? "{}" : o.body).contains("detail"), c.name << ": " << o.body);
        BOOST_TEST(o.closed_after, c.name << ": the connection stayed open");
        break;
      case expect::answered_ok:
        BOOST_TEST((o.status >= 200 && o.status < 300), c.name << ": " << seen);
        break;
      case expect::status:
        BOOST_TEST(o.status == c.status, c.name << ": " << seen);
        break;
    }
    BOOST_TEST_REQUIRE(server.running(), "the service died after: " << c.name);
    BOOST_TEST(get(port, "/health/live").status == 200, "after: " << c.name);
  }
  auto stored = stored_message_ids(dir.path() + "/app.db");
  BOOST_TEST(stored.count("chunked-ok") == 1u);
  BOOST_TEST(stored.count("gzip-chunked") == 0u);
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
}

// Pipelined requests, including ones answered at once (404, 405, 413,
// liveness) between ones answered by actors: every answer arrives, in order.
BOOST_AUTO_TEST_CASE(pipelined_requests_are_all_answered_in_order) {
  temp_dir dir;
  auto port = free_port();
  auto db = dir.path() + "/app.db";
  child_service server{{WEBHOOKD_BINARY, child_env(db, port), std::nullopt, std::nullopt}};
  const auto slow = sanitizer_slowdown();
  BOOST_TEST_REQUIRE(wait_ready(port, std::chrono::milliseconds{3000 * slow}));

  for (int depth : {2, 3, 10, 50, 200}) {
    std::string bytes;
    std::vector<std::pair<std::string, int>> expected;  // request id, status
    std::set<std::string> posted;
    for (int i = 0; i < depth; ++i) {
      auto rid = "p" + std::to_string(depth) + "-" + std::to_string(i);
      request_options r;
      int status = 200;
      switch (i % 6) {
        case 0: r = {"GET", "/health/live", "", {}}; break;
        case 1: {
          auto body = webhook_body(rid);
          r = {"POST", "/webhook", body, {{"X-Signature", hmac_sha256_hex(http_secret, body)}}};
          posted.insert(rid);
          break;
        }
        case 2: r = {"GET", "/nope", "", {}}; status = 404; break;
        case 3: r = {"GET", "/stats", "", {}}; break;
        case 4: r = {"DELETE", "/messages", "", {}}; status = 405; break;
        default: r = {"GET", "/messages?limit=1", "", {}}; break;
      }
      r.headers.emplace_back("X-Request-ID", rid);
      bytes += format_request(r, true);
      expected.emplace_back(rid, status);
    }
    http_connection connection{port, std::chrono::milliseconds{5000 * slow}};
    connection.send_raw(bytes);
    int answered = 0;
    for (const auto& [rid, status] : expected) {
      std::optional<http_response> r;
      try {
        r = connection.read_response();
      } catch (const std::runtime_error& e) {
        BOOST_TEST_MESSAGE("depth " << depth << ": " << e.what());
      }
      if (!r) break;
      BOOST_TEST(r->header("x-request-id").value_or("") == rid, "depth " << depth);
      BOOST_TEST(r->status == status, "depth " << depth << " " << rid);
      ++answered;
    }
    BOOST_TEST(answered == depth, "depth " << depth << ": " << answered << " answers");
    auto stored = stored_message_ids(db);
    for (const auto& id : posted) BOOST_TEST(stored.count(id) == 1u, id);
  }
  // A malformed request behind good ones: the good ones are answered, then
  // the malformed one gets its 400, in order, and the connection closes.
  http_connection connection{port, std::chrono::milliseconds{3000 * slow}};
  connection.send_raw(format_request({"GET", "/health/live", "", {}}, true) +
                      format_request({"GET", "/nope", "", {}}, true) + "NOT HTTP\r\n\r\n" +
                      format_request({"GET", "/health/live", "", {}}, true));
  auto first = connection.read_response();
  auto second = connection.read_response();
  auto third = connection.read_response();
  BOOST_TEST_REQUIRE((first && second && third));
  BOOST_TEST(first->status == 200);
  BOOST_TEST(second->status == 404);
  BOOST_TEST(third->status == 400);
  BOOST_TEST(connection.closed_by_peer());
  BOOST_TEST(server.running());
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
}

// More idle keep-alive connections than the 4,096 limit: the longest-idle
// ones are closed to make room, so a new client is served at once instead of
// waiting in the accept backlog until the idle timeout frees a slot.
BOOST_AUTO_TEST_CASE(five_thousand_idle_keep_alive_connections_do_not_keep_a_new_client_waiting) {
  const std::size_t idle_count = 5000;
  temp_dir dir;
  auto port = free_port();
  auto started = start_for_connections(dir, port, idle_count);
  auto& server = *started;
  const auto slow = sanitizer_slowdown();
  auto rss_before = server.rss_kib();

  // Each connection makes one request and stays open, idle.
  std::vector<std::unique_ptr<http_connection>> idle;
  auto opened = clock_type::now();
  for (std::size_t i = 0; i < idle_count; ++i) {
    idle.push_back(std::make_unique<http_connection>(port, std::chrono::seconds{5 * slow}));
    idle.back()->send_raw(format_request({"GET", "/health/live", "", {}}, true));
    BOOST_TEST_REQUIRE(idle.back()->read_response()->status == 200, "idle connection " << i);
  }
  auto open_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - opened).count();

  // A new client, 20 times: liveness and a signed webhook, each on a fresh connection.
  double worst_ms = 0;
  std::vector<double> all_ms;
  for (int i = 0; i < 20; ++i) {
    auto started = clock_type::now();
    BOOST_TEST(get(port, "/health/live").status == 200);
    std::chrono::duration<double, std::milli> live = clock_type::now() - started;
    auto body = webhook_body("slot-" + std::to_string(i));
    started = clock_type::now();
    BOOST_TEST(post(port, "/webhook", body, {{"X-Signature", hmac_sha256_hex(http_secret, body)}}).status == 200);
    std::chrono::duration<double, std::milli> hook = clock_type::now() - started;
    all_ms.push_back(live.count());
    all_ms.push_back(hook.count());
    worst_ms = std::max({worst_ms, live.count(), hook.count()});
  }
  std::sort(all_ms.begin(), all_ms.end());
  auto open_now = metric_value(port, "webhookd_http_connections").value_or(0);
  auto idle_closed = metric_value(port, "webhookd_http_idle_closed_total").value_or(0);
  auto rss_with = server.rss_kib();
  BOOST_TEST_MESSAGE(idle_count << " idle keep-alive connections opened in " << open_ms << " ms; new client: median "
                     << all_ms[all_ms.size() / 2] << " ms, max " << worst_ms << " ms over 20 x 2 requests; "
                     << open_now << " connections open, " << idle_closed << " idle ones closed; RSS "
                     << rss_before << " KiB before, " << rss_with << " KiB with them (peak "
                     << server.peak_rss_kib() << " KiB)");
  // The acceptance bound is 100 ms; the check allows a loaded 2-core machine
  // (before the fix these waited 1-10 s for the idle timeout).
  BOOST_TEST(worst_ms < 500.0 * slow);
  // Still open: the limit, give or take the connections this test just made.
  BOOST_TEST(open_now <= 4096 + 8);
  BOOST_TEST(open_now >= 4000);
  BOOST_TEST(idle_closed >= static_cast<double>(idle_count - 4096));
  // The longest idle were closed (by the server, not by a timeout yet), the latest kept.
  BOOST_TEST(idle.front()->closed_by_peer());
  idle.back()->send_raw(format_request({"GET", "/health/live", "", {}}, true));
  BOOST_TEST(idle.back()->read_response()->status == 200);

  idle.clear();
  server.signal(SIGTERM);
  BOOST_TEST(server.wait_exit(std::chrono::milliseconds{5000 * slow}) == 0);
}
