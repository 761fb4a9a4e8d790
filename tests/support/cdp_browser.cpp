#include "support/cdp_browser.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace webhookd::test {

namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Bytes of standard base64 back to binary (screenshots come base64-encoded).
std::string from_base64(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : text) {
    auto at = alphabet.find(c);
    if (at == std::string::npos) continue;  // '=' padding
    value = value << 6 | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(value >> bits & 0xff));
    }
  }
  return out;
}

}  // namespace

cdp_browser::cdp_browser(const std::string& binary, const std::string& profile_dir) {
  int commands[2];  // we write, the browser reads on its fd 3
  int replies[2];   // the browser writes on its fd 4, we read
  if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(replies, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string{std::strerror(errno)});
  const std::vector<std::string> args = {
    binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
    "--user-data-dir=" + profile_dir, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-background-networking", "--disable-sync", "--disable-component-update", "--disable-default-apps",
    "--disable-dev-shm-usage", "--window-size=1280,1000", "--hide-scrollbars",
    // Nothing but the server under test can be reached by name or address.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1", "about:blank"};
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(commands[0], 3);
    ::dup2(replies[1], 4);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(commands[0]);
  ::close(replies[1]);
  to_browser_ = commands[1];
  from_browser_ = replies[0];

  auto target = call("Target.createTarget", {{"url", "about:blank"}}, false);
  auto attached = call("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}}, false);
  session_ = attached.at("sessionId").get<std::string>();
  for (const char* domain : {"Page.enable", "Network.enable", "Runtime.enable", "Log.enable"}) call(domain);
}

cdp_browser::~cdp_browser() {
  try {
    if (to_browser_ >= 0) send({{"id", next_id_++}, {"method", "Browser.close"}});
  } catch (...) {
  }
  close_fd(to_browser_);
  close_fd(from_browser_);
  if (pid_ <= 0) return;
  auto deadline = clock_type::now() + std::chrono::seconds{5};
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (clock_type::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

void cdp_browser::send(const json& message) {
  std::string bytes = message.dump();
  bytes.push_back('\0');
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::write(to_browser_, bytes.data() + sent, bytes.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("the browser's pipe is closed");
    sent += static_cast<std::size_t>(n);
  }
}

json cdp_browser::next_message(clock_type::time_point deadline) {
  for (;;) {
    auto end = buffer_.find('\0');
    if (end != std::string::npos) {
      auto message = json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      if (!message.is_discarded()) return message;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0) throw std::runtime_error("the browser did not answer in time");
    pollfd pfd{from_browser_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[65536];
    auto n = ::read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("the browser closed its pipe (is Debian's chromium installed?)");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void cdp_browser::note_event(const json& event) {
  const auto method = event.value("method", "");
  const auto& params = event.contains("params") ? event["params"] : json::object();
  if (method == "Network.requestWillBeSent") {
    requested_.push_back(params["request"].value("url", ""));
  } else if (method == "Log.entryAdded") {
    if (params["entry"].value("level", "") == "error") errors_.push_back(params["entry"].value("text", ""));
  } else if (method == "Runtime.consoleAPICalled" && params.value("type", "") == "error") {
    std::string text;
    for (const auto& arg : params["args"]) text += arg.value("value", json("")).dump() + " ";
    errors_.push_back("console.error: " + text);
  } else if (method == "Runtime.exceptionThrown") {
    errors_.push_back("exception: " + params["exceptionDetails"].value("text", ""));
  }
}

json cdp_browser::call(const std::string& method, json params, bool on_page, std::chrono::milliseconds limit) {
  const int id = next_id_++;
  json message = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (on_page) message["sessionId"] = session_;
  send(message);
  const auto deadline = clock_type::now() + limit;
  for (;;) {
    auto reply = next_message(deadline);
    if (reply.value("id", -1) != id) {
      note_event(reply);
      continue;
    }
    if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
    return reply.value("result", json::object());
  }
}

void cdp_browser::navigate(const std::string& url) { call("Page.navigate", {{"url", url}}); }

json cdp_browser::evaluate(const std::string& expression) {
  auto result = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (result.contains("exceptionDetails"))
    throw std::runtime_error("script failed: " + result["exceptionDetails"].dump());
  return result["result"].value("value", json());
}

bool cdp_browser::wait_until(const std::string& condition, std::chrono::milliseconds limit) {
  const auto deadline = clock_type::now() + limit;
  while (clock_type::now() < deadline) {
    if (evaluate("Boolean(" + condition + ")") == json(true)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return false;
}

std::string cdp_browser::screenshot_png() {
  return from_base64(call("Page.captureScreenshot", {{"format", "png"}}).at("data").get<std::string>());
}

}  // namespace webhookd::test
