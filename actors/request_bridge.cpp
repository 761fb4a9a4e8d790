#include "actors/request_bridge.hpp"

#include <memory>
#include <string>

#include "actors/instrumented.hpp"

namespace webhookd {

namespace {

struct bridge_state {
  static inline const char* name = "bridge";
  std::unique_ptr<actor_directory> actors;
  std::unique_ptr<bridge_context> context;
};

bridge_actor::behavior_type bridge(bridge_actor::stateful_pointer<bridge_state> self,
                                   actor_directory actors, std::chrono::milliseconds deadline,
                                   probe_ptr probe) {
  watch_actor(self, probe, "scheduled");
  auto& st = self->state;
  st.actors = std::make_unique<actor_directory>(std::move(actors));
  st.context = std::make_unique<bridge_context>(self, *st.actors, deadline);
  return {
    instrumented(self, probe, [self](run_atom, const bridge_task& task) {
      task(*self->state.context);
    }),
  };
}

}  // namespace

bridge_actor spawn_bridge(caf::actor_system& sys, actor_directory actors,
                          std::chrono::milliseconds deadline, int instance,
                          service_metrics& metrics) {
  return sys.spawn(bridge, std::move(actors), deadline,
                   metrics.actor("bridge", std::to_string(instance)));
}

}  // namespace webhookd
