#include "actors/request_bridge.hpp"

#include <memory>
#include <string>

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>

#include "core/instrumented.hpp"

namespace webhookd {

namespace {

// Overdue requests are looked for this often while any are outstanding, so a
// deadline is kept to within this much.
constexpr auto sweep_interval = std::chrono::milliseconds(50);

struct bridge_state {
  static inline const char* name = "bridge";
  std::unique_ptr<actor_directory> actors;
  request_deadlines deadlines;
  std::unique_ptr<bridge_context> context;
};

bridge_impl::behavior_type bridge(bridge_impl::stateful_pointer<bridge_state> self,
                                  actor_directory actors, std::chrono::milliseconds deadline,
                                  probe_ptr probe) {
  watch_actor(self, probe, "scheduled");
  auto& st = self->state;
  st.actors = std::make_unique<actor_directory>(std::move(actors));
  st.context = std::make_unique<bridge_context>(self, *st.actors, deadline, st.deadlines);
  return {
    instrumented(self, probe, [self](run_atom, const bridge_task& task) {
      task(*self->state.context);
    }),
    instrumented(self, probe, [self](sweep_atom) { self->state.context->sweep(); }),
  };
}

}  // namespace

void bridge_context::schedule_sweep() { self_->delayed_send(self_, sweep_interval, sweep_atom::value); }

void bridge_context::sweep() {
  deadlines_.sweep(request_deadlines::clock_type::now(), [this](caf::message_id response_id) {
    // Delivered like the answer would be: the waiting handler's error branch
    // runs. Had the answer arrived in between, CAF drops this.
    self_->eq_impl(response_id, self_->ctrl(), nullptr, caf::make_error(caf::sec::request_timeout));
  });
  if (!deadlines_.empty()) schedule_sweep();
}

bridge_actor spawn_bridge(caf::actor_system& sys, actor_directory actors,
                          std::chrono::milliseconds deadline, int instance,
                          service_metrics& metrics) {
  auto impl = sys.spawn(bridge, std::move(actors), deadline,
                        metrics.actor("bridge", std::to_string(instance)));
  return caf::actor_cast<bridge_actor>(impl);
}

}  // namespace webhookd
