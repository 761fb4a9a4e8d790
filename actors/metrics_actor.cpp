#include "actors/metrics_actor.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "core/instrumented.hpp"

namespace webhookd {

namespace {

metrics_actor::behavior_type metrics_renderer(metrics_actor::pointer self, service_metrics* metrics) {
  auto probe = metrics->actor("metrics", "0");
  watch_actor(self, probe, "scheduled");
  return {
    instrumented(self, probe, [metrics](render_atom) {
      metrics->refresh_sampled();
      std::ostringstream out;
      prometheus::TextSerializer{}.Serialize(out, metrics->registry().Collect());
      return out.str();
    }),
  };
}

}  // namespace

metrics_actor spawn_metrics(caf::actor_system& sys, service_metrics& metrics) {
  return sys.spawn(metrics_renderer, &metrics);
}

}  // namespace webhookd
