// Operational endpoints: liveness, readiness, Prometheus metrics.
#include "http/exchange.hpp"
#include "http/routes.hpp"

namespace webhookd {

route_handler live_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    // Answered on the HTTP thread: serving HTTP is exactly what it reports.
    std::make_shared<exchange>(req, "/health/live", ctx)->reply_json(200, {{"status", "alive"}});
    return restinio::request_accepted();
  };
}

route_handler ready_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/health/ready", ctx);
    auto reply = [ex](std::vector<std::string> reasons) {
      if (!ex->context().any_receiver_configured()) reasons.insert(reasons.begin(), "WEBHOOK_SECRET is not set");
      if (ex->context().leaving()) reasons.insert(reasons.begin(), "shutting down");
      if (reasons.empty())
        ex->reply_json(200, {{"status", "ready"}});
      else
        ex->reply_json(503, {{"status", "not ready"}, {"reasons", reasons}});
    };
    ctx.dispatch([ex, reply](bridge_context& bc) {
      bc.request(bc.storage(), ex, health_atom::value)
        .then(
          [reply](const storage_health& health) {
            reply(health.ready ? std::vector<std::string>{} : std::vector<std::string>{health.reason});
          },
          [reply](caf::error&) { reply({"storage is not answering"}); });
    });
    return restinio::request_accepted();
  };
}

route_handler metrics_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/metrics", ctx);
    ctx.dispatch([ex](bridge_context& bc) {
      bc.request(bc.metrics(), ex, render_atom::value)
        .then([ex](std::string& text) { ex->reply(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8"); },
              // SPEC: /metrics always answers 200; an empty exposition is still valid.
              [ex](caf::error&) { ex->reply(200, "# metrics actor did not answer\n", "text/plain; version=0.0.4; charset=utf-8"); });
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
