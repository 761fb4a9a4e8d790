// The request bridge runs HTTP-side continuations (bridge_task) inside an
// actor, so they can send typed requests with a deadline and react to the
// replies without ever blocking a thread. It knows nothing of HTTP: a task
// is just a function of the bridge_context.
#pragma once

#include <chrono>
#include <cstddef>

#include <caf/actor_system.hpp>

#include "actors/actor_directory.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

class bridge_context {
 public:
  bridge_context(bridge_actor::pointer self, const actor_directory& actors,
                 std::chrono::milliseconds deadline)
    : self_(self), actors_(actors), deadline_(deadline) {}

  bridge_actor::pointer self() const { return self_; }
  // How long a task waits for any actor's answer before giving up.
  std::chrono::milliseconds deadline() const { return deadline_; }

  // Pools are served round robin, each bridge keeping its own cursor.
  const verifier_actor& verifier() { return pick(actors_.verifiers, next_verifier_); }
  const query_actor& query() { return pick(actors_.queries, next_query_); }
  const storage_actor& storage() const { return actors_.storage; }
  const metrics_actor& metrics() const { return actors_.metrics; }
  const null_actor& null() const { return actors_.null; }

 private:
  template <class Handle>
  static const Handle& pick(const std::vector<Handle>& pool, std::size_t& cursor) {
    const auto& handle = pool[cursor];
    cursor = (cursor + 1) % pool.size();
    return handle;
  }

  bridge_actor::pointer self_;
  const actor_directory& actors_;
  std::chrono::milliseconds deadline_;
  std::size_t next_verifier_ = 0;
  std::size_t next_query_ = 0;
};

bridge_actor spawn_bridge(caf::actor_system& sys, actor_directory actors,
                          std::chrono::milliseconds deadline, int instance,
                          service_metrics& metrics);

}  // namespace webhookd
