// Wraps an actor's message handlers so that every message is counted, timed
// and followed by a mailbox-depth sample, in one place instead of by hand in
// each handler. CAF deduces a handler's message signature from its call
// operator, so the wrapper re-exposes exactly the wrapped lambda's parameters.
#pragma once

#include <chrono>
#include <type_traits>
#include <utility>

#include <caf/result.hpp>

#include "core/service_metrics.hpp"

namespace webhookd {

namespace detail {

// Records one handled message when it goes out of scope (also on exceptions).
template <class Self>
class handling_scope {
 public:
  handling_scope(Self* self, const actor_instruments& inst)
    : self_(self), inst_(inst), start_(std::chrono::steady_clock::now()) {}
  handling_scope(const handling_scope&) = delete;
  handling_scope& operator=(const handling_scope&) = delete;
  ~handling_scope() {
    std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start_;
    inst_.handled->Increment();
    inst_.handling_seconds->Observe(spent.count());
    // size() drains the lock-free inbox into the actor's own queue: only the
    // owning actor may call it, which is exactly where we are.
    inst_.mailbox_depth->Set(static_cast<double>(self_->mailbox().size()));
  }

 private:
  Self* self_;
  const actor_instruments& inst_;
  std::chrono::steady_clock::time_point start_;
};

template <class T>
struct is_caf_result : std::false_type {};
template <class... Ts>
struct is_caf_result<caf::result<Ts...>> : std::true_type {};

// Calls the handler; an error answer or an exception counts as a failure.
template <class R, class F, class... Args>
R call_counting_failures(const actor_instruments& inst, F& f, Args&&... args) {
  try {
    if constexpr (is_caf_result<R>::value) {
      R answer = f(std::forward<Args>(args)...);
      if (answer.flag == caf::rt_error) inst.failures->Increment();
      return answer;
    } else {
      return f(std::forward<Args>(args)...);
    }
  } catch (...) {
    inst.failures->Increment();
    throw;
  }
}

template <class Self, class F, class R, class... Args>
auto wrap_handler(Self* self, actor_instruments inst, F f, R (F::*)(Args...) const) {
  return [self, inst, f = std::move(f)](Args... args) -> R {
    handling_scope<Self> scope{self, inst};
    return call_counting_failures<R>(inst, f, std::forward<Args>(args)...);
  };
}

template <class Self, class F, class R, class... Args>
auto wrap_handler(Self* self, actor_instruments inst, F f, R (F::*)(Args...)) {
  return [self, inst, f = std::move(f)](Args... args) mutable -> R {
    handling_scope<Self> scope{self, inst};
    return call_counting_failures<R>(inst, f, std::forward<Args>(args)...);
  };
}

}  // namespace detail

template <class Self, class F>
auto instrumented(Self* self, const actor_instruments& inst, F handler) {
  return detail::wrap_handler(self, inst, std::move(handler), &F::operator());
}

}  // namespace webhookd
