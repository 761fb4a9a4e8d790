// Headless Chromium (Debian's chromium package) driven over the DevTools
// protocol on a pipe (--remote-debugging-pipe: JSON messages ended by NUL on
// the child's descriptors 3 and 4), so a browser test needs no WebDriver,
// no Node.js and no port of its own. One page, one session.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webhookd::test {

class cdp_browser {
 public:
  // Starts `binary` headless with a fresh profile under `profile_dir`, with
  // every host name but 127.0.0.1 unresolvable, and opens one blank page.
  cdp_browser(const std::string& binary, const std::string& profile_dir);
  cdp_browser(const cdp_browser&) = delete;
  cdp_browser& operator=(const cdp_browser&) = delete;
  ~cdp_browser();  // closes the browser, SIGKILL if it does not go

  // One protocol command on the page's session (or the browser's), its result;
  // throws std::runtime_error on a protocol error or after `limit`.
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                      bool on_page = true, std::chrono::milliseconds limit = std::chrono::seconds{30});

  void navigate(const std::string& url);
  // The value of a JavaScript expression (a promise is awaited).
  nlohmann::json evaluate(const std::string& expression);
  // Polls `condition` (a JavaScript expression) until it is true or `limit` passes.
  bool wait_until(const std::string& condition, std::chrono::milliseconds limit);
  // The page's PNG, of the viewport.
  std::string screenshot_png();

  // Every URL the page requested, and every console or log message at level error.
  const std::vector<std::string>& requested_urls() const { return requested_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void send(const nlohmann::json& message);
  nlohmann::json next_message(std::chrono::steady_clock::time_point deadline);
  void note_event(const nlohmann::json& event);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::string session_;
  std::vector<std::string> requested_;
  std::vector<std::string> errors_;
};

}  // namespace webhookd::test
