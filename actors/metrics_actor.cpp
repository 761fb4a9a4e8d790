#include "actors/metrics_actor.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "actors/instrumented.hpp"

namespace webhookd {

namespace {

metrics_actor::behavior_type metrics_renderer(metrics_actor::pointer self, service_metrics* metrics) {
  auto instruments = metrics->actor("metrics", "0");
  return {
    instrumented(self, instruments, [metrics](render_atom) {
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
