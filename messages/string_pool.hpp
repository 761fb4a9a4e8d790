// Buffers for response bodies that are written on one thread and freed on
// another. A page of GET /messages is 10-20 KiB: too big for glibc's
// per-thread cache, so each one locked the allocator's arena of the query
// thread twice, once to allocate it there and once when the RESTinio thread
// freed it after the write. Under load those threads then waited on each
// other for that lock (malloc and free were 23 % of the server's CPU in a
// profile of GET /messages, most of it that lock and its futex wake-ups).
// A pool hands the same buffers round instead: a query actor takes one, the
// response gives it back once RESTinio has written it.
//
// Thread-safe: take() and give() may be called from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace webhookd {

class string_pool {
 public:
  // Keeps at most `max_kept` buffers, each of at most `max_capacity` bytes
  // (a bigger one, from an unusually large page, is freed instead) and at
  // most `max_bytes` bytes of capacity in all.
  string_pool(std::size_t max_kept, std::size_t max_capacity, std::size_t max_bytes);
  string_pool(const string_pool&) = delete;
  string_pool& operator=(const string_pool&) = delete;

  // An empty string: a kept buffer if there is one, else a new, unallocated one.
  std::string take();
  // Keeps `buffer` for a later take() if there is room; frees it otherwise.
  void give(std::string&& buffer);

  std::size_t kept() const;
  std::size_t kept_bytes() const;

 private:
  const std::size_t max_kept_;
  const std::size_t max_capacity_;
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::vector<std::string> kept_;  // reserved to max_kept_: give() never allocates
  std::size_t kept_bytes_ = 0;     // the capacities of kept_
};

// A string that goes back to its pool when destroyed, so that RESTinio can
// own it as a response body (it has the data() and size() RESTinio's
// writable items ask for) and return it once written. A copy or a
// default-constructed one belongs to no pool and is simply freed.
class pooled_string {
 public:
  pooled_string() = default;
  pooled_string(std::string text, string_pool* pool) : text_(std::move(text)), pool_(pool) {}
  pooled_string(const pooled_string& other) : text_(other.text_) {}
  pooled_string(pooled_string&& other) noexcept
    : text_(std::move(other.text_)), pool_(std::exchange(other.pool_, nullptr)) {}
  pooled_string& operator=(pooled_string other) noexcept {
    std::swap(text_, other.text_);
    std::swap(pool_, other.pool_);
    return *this;
  }
  ~pooled_string() {
    if (pool_) pool_->give(std::move(text_));
  }

  const char* data() const { return text_.data(); }
  std::size_t size() const { return text_.size(); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
  string_pool* pool_ = nullptr;
};

// The process's pool of GET /messages bodies: up to 256 buffers of at most
// 64 KiB and 4 MiB in all (in practice as many as there are pages in flight,
// 10-20 KiB each). Never destroyed, so that it outlives every actor and
// connection that may still hold one of its buffers at exit.
string_pool& page_buffers();

}  // namespace webhookd
