// The request bridge runs HTTP-side continuations (bridge_task) inside an
// actor, so they can send typed requests with a deadline and react to the
// replies without ever blocking a thread. It knows nothing of HTTP: a task
// is just a function of the bridge_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/message_id.hpp>

#include "actors/actor_directory.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd {

// A bridge's own messages besides the tasks it runs.
// Sent by a bridge to itself: time to give up on overdue requests.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using bridge_impl = bridge_actor::extend<caf::reacts_to<sweep_atom>>;

// Requests a bridge waits for, oldest first, with the point in time after
// which their error handler runs with sec::request_timeout.
//
// Why not CAF's own request timeout: CAF 0.17 keeps every timeout in its
// clock until it fires, whether or not the answer came long before (it has
// no cancellation on reply), so at tens of thousands of requests per second
// the clock held a quarter of a million entries (tens of MiB) and sent as
// many stale timeout messages. Here an entry leaves the queue as soon as the
// request's owner (the HTTP exchange) is gone, i.e. was answered.
class request_deadlines {
 public:
  using clock_type = std::chrono::steady_clock;

  void add(clock_type::time_point due, caf::message_id response_id, std::weak_ptr<const void> owner) {
    entries_.push_back(entry{due, response_id, std::move(owner)});
  }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // Drops the entries at the front whose owner is gone and calls
  // `expire(response_id)` for those overdue; stops at the first entry that is
  // neither (later ones wait for it: deadlines are in order, and a front entry
  // resolves within one deadline at most).
  template <class Expire>
  void sweep(clock_type::time_point now, Expire expire) {
    while (!entries_.empty()) {
      auto& front = entries_.front();
      if (!front.owner.expired()) {
        if (front.due > now) return;
        expire(front.response_id);
      }
      entries_.pop_front();
    }
  }

 private:
  struct entry {
    clock_type::time_point due;
    caf::message_id response_id;
    std::weak_ptr<const void> owner;
  };
  std::deque<entry> entries_;
};

class bridge_context {
 public:
  bridge_context(bridge_impl::pointer self, const actor_directory& actors,
                 std::chrono::milliseconds deadline, request_deadlines& deadlines)
    : self_(self), actors_(actors), deadline_(deadline), deadlines_(deadlines) {}

  bridge_impl::pointer self() const { return self_; }
  // How long a task waits for any actor's answer before giving up.
  std::chrono::milliseconds deadline() const { return deadline_; }

  // self()->request(dest, ...) with this bridge's deadline: the caller chains
  // .then(on_reply, on_error) as usual; on_error gets sec::request_timeout
  // once the deadline has passed while `owner` (what the handlers keep alive,
  // the HTTP exchange) still exists.
  template <class Handle, class... Ts>
  auto request(const Handle& dest, std::weak_ptr<const void> owner, Ts&&... xs) {
    auto handle = self_->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    if (deadlines_.empty()) schedule_sweep();
    deadlines_.add(request_deadlines::clock_type::now() + deadline_, handle.id(), std::move(owner));
    return handle;
  }

  // Pools are served round robin, each bridge keeping its own cursor.
  const verifier_actor& verifier() { return pick(actors_.verifiers, next_verifier_); }
  const query_actor& query() { return pick(actors_.queries, next_query_); }
  const query_actor& search() {
    return actors_.searches.empty() ? query() : pick(actors_.searches, next_search_);
  }
  const storage_actor& storage() const { return actors_.storage; }
  const metrics_actor& metrics() const { return actors_.metrics; }
  const null_actor& null() const { return actors_.null; }

  // Runs one sweep (the bridge's sweep message); schedules the next while
  // anything is still waited for.
  void sweep();

 private:
  template <class Handle>
  static const Handle& pick(const std::vector<Handle>& pool, std::size_t& cursor) {
    const auto& handle = pool[cursor];
    cursor = (cursor + 1) % pool.size();
    return handle;
  }
  void schedule_sweep();

  bridge_impl::pointer self_;
  const actor_directory& actors_;
  std::chrono::milliseconds deadline_;
  request_deadlines& deadlines_;
  std::size_t next_verifier_ = 0;
  std::size_t next_query_ = 0;
  std::size_t next_search_ = 0;
};

bridge_actor spawn_bridge(caf::actor_system& sys, actor_directory actors,
                          std::chrono::milliseconds deadline, int instance,
                          service_metrics& metrics);

}  // namespace webhookd
