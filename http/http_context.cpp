#include "http/http_context.hpp"

#include <caf/send.hpp>

namespace webhookd {

void http_context::dispatch(bridge_task task) {
  auto index = next_bridge_.fetch_add(1, std::memory_order_relaxed) % bridges_.size();
  caf::anon_send(bridges_[index], run_atom::value, std::move(task));
}

}  // namespace webhookd
