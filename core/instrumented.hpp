// Measurement of every actor in one place. Each behaviour starts with
// watch_actor() and wraps each of its handlers in instrumented(): every
// message is then counted, timed and followed by a mailbox-depth sample, and
// error answers, exceptions and the actor's exit are recorded. CAF deduces a
// handler's message signature from its call operator, so the wrapper
// re-exposes exactly the wrapped lambda's parameters.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <caf/error.hpp>
#include <caf/result.hpp>

#include "core/actor_probe.hpp"
#include "messages/errors.hpp"

namespace webhookd {

using probe_ptr = std::shared_ptr<actor_probe>;

// Records the actor's kind and, when it terminates, its exit.
template <class Self>
void watch_actor(Self* self, const probe_ptr& probe, const char* kind) {
  probe->set_kind(kind);
  self->attach_functor([probe](const caf::error&) { probe->record_exit(); });
}

namespace detail {

// Safe to show an operator: our own codes by name, CAF's by its text.
inline std::string describe(const caf::error& err) {
  if (is_error(err, webhookd_errc::storage_unavailable)) return "storage unavailable";
  if (is_error(err, webhookd_errc::query_interrupted)) return "query interrupted";
  return caf::to_string(err);
}

// Records one handled message when it goes out of scope (also on exceptions).
template <class Self>
class handling_scope {
 public:
  handling_scope(Self* self, actor_probe& probe)
    : self_(self), probe_(probe), start_(std::chrono::steady_clock::now()) {}
  handling_scope(const handling_scope&) = delete;
  handling_scope& operator=(const handling_scope&) = delete;
  ~handling_scope() {
    // size() drains the lock-free inbox into the actor's own queue: only the
    // owning actor may call it, which is exactly where we are.
    probe_.record(std::chrono::steady_clock::now() - start_, self_->mailbox().size());
  }

 private:
  Self* self_;
  actor_probe& probe_;
  std::chrono::steady_clock::time_point start_;
};

template <class T>
struct is_caf_result : std::false_type {};
template <class... Ts>
struct is_caf_result<caf::result<Ts...>> : std::true_type {};

// Calls the handler; an error answer or an exception counts as a failure.
template <class R, class F, class... Args>
R call_counting_failures(actor_probe& probe, F& f, Args&&... args) {
  try {
    if constexpr (is_caf_result<R>::value) {
      R answer = f(std::forward<Args>(args)...);
      if (answer.flag == caf::rt_error) probe.record_failure(describe(answer.err));
      return answer;
    } else {
      return f(std::forward<Args>(args)...);
    }
  } catch (...) {
    probe.record_failure("unhandled exception");
    throw;
  }
}

template <class Self, class F, class R, class... Args>
auto wrap_handler(Self* self, probe_ptr probe, F f, R (F::*)(Args...) const) {
  return [self, probe, f = std::move(f)](Args... args) -> R {
    handling_scope<Self> scope{self, *probe};
    return call_counting_failures<R>(*probe, f, std::forward<Args>(args)...);
  };
}

template <class Self, class F, class R, class... Args>
auto wrap_handler(Self* self, probe_ptr probe, F f, R (F::*)(Args...)) {
  return [self, probe, f = std::move(f)](Args... args) mutable -> R {
    handling_scope<Self> scope{self, *probe};
    return call_counting_failures<R>(*probe, f, std::forward<Args>(args)...);
  };
}

}  // namespace detail

template <class Self, class F>
auto instrumented(Self* self, const probe_ptr& probe, F handler) {
#if WEBHOOKD_ACTOR_PROBES
  return detail::wrap_handler(self, probe, std::move(handler), &F::operator());
#else
  // Built without probes (-DWEBHOOKD_ACTOR_PROBES=OFF), only to measure what
  // they cost: the handler runs bare.
  (void)self;
  (void)probe;
  return handler;
#endif
}

}  // namespace webhookd
