// GET /debug/actors (only with DEBUG_ENDPOINTS=1): every actor's figures as
// JSON, for `webhookd inspect`. Answered on the HTTP thread from the probes'
// thread-safe snapshots, so it still works when an actor is stuck. It holds
// names and numbers only: no configuration, no message content, no secret.
#include "http/exchange.hpp"
#include "http/routes.hpp"

namespace webhookd {

route_handler debug_actors_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/debug/actors", ctx);
    auto actors = nlohmann::ordered_json::array();
    for (const auto& snap : ctx.metrics().actor_snapshots()) {
      nlohmann::ordered_json item;
      item["name"] = snap.name;
      item["instance"] = snap.instance;
      item["kind"] = snap.kind;
      item["handled"] = snap.handled;
      item["failures"] = snap.failures;
      item["mailbox_depth"] = snap.mailbox_depth;
      item["handled_last_minute"] = snap.window_handled;
      item["p50_ms"] = snap.p50_seconds * 1e3;
      item["p99_ms"] = snap.p99_seconds * 1e3;
      item["last_error"] = snap.last_error.empty() ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(snap.last_error);
      actors.push_back(std::move(item));
    }
    nlohmann::ordered_json body;
    body["in_flight"] = ctx.in_flight().load() - 1;  // not counting this request
    body["actors"] = std::move(actors);
    ex->reply(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
