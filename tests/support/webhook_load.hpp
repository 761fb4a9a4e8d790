// Unique webhook deliveries from several client threads until stopped, for
// the fault tests: which message_ids were answered 200, how many answers the
// test counts as "unavailable" (a 503 of the kind it expects), and every other
// answer. The threads use no Boost.Test assertion (those are not thread-safe).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"

namespace webhookd::test {

struct webhook_load_options {
  int connections = 16;
  std::string prefix;  // message_ids are <prefix>-<client>-<n>
  // Sends delivery n of message_id `id`; may throw (counted as status 0).
  std::function<http_response(const std::string& id, int n)> send;
  // True for the answers counted as unavailable() rather than others().
  std::function<bool(const http_response&)> unavailable;
};

class webhook_load {
 public:
  explicit webhook_load(webhook_load_options options);
  webhook_load(const webhook_load&) = delete;
  webhook_load& operator=(const webhook_load&) = delete;
  ~webhook_load() { stop(); }

  void stop();
  std::set<std::string> acknowledged();
  std::size_t acknowledged_count();
  int unavailable();
  // "<status> <body>" of every other answer (status 0: the exception's text).
  std::vector<std::string> others();

 private:
  webhook_load_options options_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::set<std::string> acknowledged_;
  int unavailable_ = 0;
  std::vector<std::string> others_;
  std::vector<std::thread> clients_;
};

}  // namespace webhookd::test
