// POST /_bench/null (only with WEBHOOKD_BENCH_ROUTES=1): one round trip to an
// actor that does nothing, through the same exchange, bridge, log and
// metrics path as every real route. The benchmark reports each phase as a
// ratio to this.
#include "http/exchange.hpp"
#include "http/routes.hpp"

namespace webhookd {

route_handler null_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/_bench/null", ctx);
    ctx.dispatch([ex](bridge_context& bc) {
      bc.request(bc.null(), ex, ping_atom::value)
        .then([ex](bool) { ex->reply(200, R"({"status":"ok"})"); },
              [ex](caf::error&) { ex->reply_detail(503, "service unavailable"); });
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
