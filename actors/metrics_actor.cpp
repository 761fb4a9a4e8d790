#include "actors/metrics_actor.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "actors/instrumented.hpp"

namespace webhookd {

namespace {

metrics_actor::behavior_type metrics_renderer(metrics_actor::pointer self, service_metrics* metrics,
                                              std::string database_path) {
  auto probe = metrics->actor("metrics", "0");
  watch_actor(self, probe, "scheduled");
  return {
    instrumented(self, probe, [metrics, database_path](render_atom) {
      metrics->refresh_sampled(database_path);
      std::ostringstream out;
      prometheus::TextSerializer{}.Serialize(out, metrics->registry().Collect());
      return out.str();
    }),
  };
}

}  // namespace

metrics_actor spawn_metrics(caf::actor_system& sys, service_metrics& metrics,
                            std::string database_path) {
  return sys.spawn(metrics_renderer, &metrics, std::move(database_path));
}

}  // namespace webhookd
