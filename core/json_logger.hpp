// One JSON object per line on an output stream (stdout in production), and
// nothing else. Lines are appended to a buffer under a mutex and written by a
// background flusher every few milliseconds, so request threads never wait on
// the terminal or pipe behind stdout.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace webhookd {

// Current UTC time as ISO-8601 with milliseconds and `Z`.
std::string utc_now_iso8601_ms();

class json_logger {
 public:
  // Writes to `out` (not owned). Lines below `min_level` are dropped. A
  // non-empty `instance` is written into every line (field `instance`), so
  // that the logs of several replicas can be told apart once merged.
  json_logger(std::FILE* out, log_level min_level, std::string instance = {});
  json_logger(const json_logger&) = delete;
  json_logger& operator=(const json_logger&) = delete;
  ~json_logger();

  bool enabled(log_level level) const { return level >= min_level_; }

  // Emits {"ts","level","msg", ...fields}. `fields` must be a JSON object.
  void log(log_level level, std::string_view msg, nlohmann::ordered_json fields = {});

  // Writes everything buffered so far and fflush()es the stream.
  void flush();

 private:
  void run_flusher();

  std::FILE* out_;
  log_level min_level_;
  std::string instance_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string buffer_;
  bool stopping_ = false;
  std::mutex write_mutex_;  // keeps concurrent flush() calls from interleaving
  std::thread flusher_;
};

}  // namespace webhookd
