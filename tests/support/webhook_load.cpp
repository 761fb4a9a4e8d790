#include "support/webhook_load.hpp"

namespace webhookd::test {

webhook_load::webhook_load(webhook_load_options options) : options_(std::move(options)) {
  for (int c = 0; c < options_.connections; ++c)
    clients_.emplace_back([this, c] {
      for (int n = 0; !stop_.load(); ++n) {
        const auto id = options_.prefix + "-" + std::to_string(c) + "-" + std::to_string(n);
        http_response r;
        try {
          r = options_.send(id, n);
        } catch (const std::exception& e) {
          r.status = 0;
          r.body = e.what();
        }
        std::lock_guard lock(mutex_);
        if (r.status == 200)
          acknowledged_.insert(id);
        else if (options_.unavailable(r))
          ++unavailable_;
        else
          others_.push_back(std::to_string(r.status) + " " + r.body);
      }
    });
}

void webhook_load::stop() {
  stop_ = true;
  for (auto& t : clients_)
    if (t.joinable()) t.join();
}

std::set<std::string> webhook_load::acknowledged() {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

std::size_t webhook_load::acknowledged_count() {
  std::lock_guard lock(mutex_);
  return acknowledged_.size();
}

int webhook_load::unavailable() {
  std::lock_guard lock(mutex_);
  return unavailable_;
}

std::vector<std::string> webhook_load::others() {
  std::lock_guard lock(mutex_);
  return others_;
}

}  // namespace webhookd::test
