#include "core/json_logger.hpp"

#include <chrono>
#include <ctime>

namespace webhookd {

namespace {

constexpr auto flush_interval = std::chrono::milliseconds(20);
constexpr std::size_t eager_flush_bytes = 256 * 1024;

}  // namespace

std::string utc_now_iso8601_ms() {
  auto now = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];  // room for any int the compiler imagines in the fields
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

json_logger::json_logger(std::FILE* out, log_level min_level, std::string instance)
  : out_(out), min_level_(min_level), instance_(std::move(instance)), flusher_([this] { run_flusher(); }) {}

json_logger::~json_logger() {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  flusher_.join();
  flush();
}

void json_logger::log(log_level level, std::string_view msg, nlohmann::ordered_json fields) {
  if (!enabled(level)) return;
  nlohmann::ordered_json line;
  line["ts"] = utc_now_iso8601_ms();
  line["level"] = std::string{to_string(level)};
  line["msg"] = std::string{msg};
  if (!instance_.empty()) line["instance"] = instance_;
  if (fields.is_object())
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  // Replace invalid UTF-8 rather than throw: a log line must never fail.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  bool eager = false;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    buffer_ += text;
    eager = buffer_.size() >= eager_flush_bytes;
  }
  if (eager) wake_.notify_one();
}

void json_logger::flush() {
  // Holding write_mutex_ across the swap keeps chunks in the order they were logged.
  std::lock_guard<std::mutex> writing{write_mutex_};
  std::string chunk;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    chunk.swap(buffer_);
  }
  if (!chunk.empty()) std::fwrite(chunk.data(), 1, chunk.size(), out_);
  std::fflush(out_);
}

void json_logger::run_flusher() {
  std::unique_lock<std::mutex> lock{mutex_};
  while (!stopping_) {
    wake_.wait_for(lock, flush_interval);
    bool pending = !buffer_.empty();
    lock.unlock();
    if (pending) flush();
    lock.lock();
  }
}

}  // namespace webhookd
