#include "messages/string_pool.hpp"

namespace webhookd {

string_pool::string_pool(std::size_t max_kept, std::size_t max_capacity, std::size_t max_bytes)
  : max_kept_(max_kept), max_capacity_(max_capacity), max_bytes_(max_bytes) {
  kept_.reserve(max_kept_);
}

std::string string_pool::take() {
  std::lock_guard<std::mutex> lock{mutex_};
  if (kept_.empty()) return {};
  std::string buffer = std::move(kept_.back());
  kept_.pop_back();
  kept_bytes_ -= buffer.capacity();
  return buffer;
}

void string_pool::give(std::string&& buffer) {
  // A moved-from or never-grown string has no heap buffer worth keeping.
  if (buffer.capacity() > max_capacity_ || buffer.capacity() <= std::string{}.capacity()) return;
  buffer.clear();
  std::lock_guard<std::mutex> lock{mutex_};
  if (kept_.size() == max_kept_ || kept_bytes_ + buffer.capacity() > max_bytes_) return;
  kept_bytes_ += buffer.capacity();
  kept_.push_back(std::move(buffer));
}

std::size_t string_pool::kept() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return kept_.size();
}

std::size_t string_pool::kept_bytes() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return kept_bytes_;
}

string_pool& page_buffers() {
  static string_pool* const pool = new string_pool{256, 64 * 1024, 4 * 1024 * 1024};
  return *pool;
}

}  // namespace webhookd
