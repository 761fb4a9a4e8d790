#include "http/routes.hpp"

#include "http/exchange.hpp"

namespace webhookd {

namespace {

namespace epr = restinio::router::easy_parser_router;

// Route label for metrics: every unknown path shares one, so random URLs
// cannot create unbounded series.
constexpr const char* unmatched_route = "unmatched";

route_handler fixed_reply(http_context& ctx, std::string route, int status, std::string detail) {
  return [&ctx, route, status, detail](const restinio::request_handle_t& req) {
    std::make_shared<exchange>(req, route, ctx)->reply_detail(status, detail);
    return restinio::request_accepted();
  };
}

void add_route(router_t& router, http_context& ctx, const char* path,
               restinio::http_method_id_t method, route_handler handler) {
  router.add_handler(method, epr::path_to_params(restinio::easy_parser::exact(path)), handler);
  router.add_handler(restinio::router::none_of_methods(method),
                     epr::path_to_params(restinio::easy_parser::exact(path)),
                     fixed_reply(ctx, path, 405, "Method Not Allowed"));
}

}  // namespace

std::unique_ptr<router_t> make_router(http_context& ctx) {
  auto router = std::make_unique<router_t>();
  add_route(*router, ctx, "/webhook", restinio::http_method_post(), webhook_route(ctx));
  add_route(*router, ctx, "/messages", restinio::http_method_get(), messages_route(ctx));
  add_route(*router, ctx, "/stats", restinio::http_method_get(), stats_route(ctx));
  add_route(*router, ctx, "/health/live", restinio::http_method_get(), live_route(ctx));
  add_route(*router, ctx, "/health/ready", restinio::http_method_get(), ready_route(ctx));
  add_route(*router, ctx, "/metrics", restinio::http_method_get(), metrics_route(ctx));
  if (ctx.debug_endpoints())
    add_route(*router, ctx, "/debug/actors", restinio::http_method_get(), debug_actors_route(ctx));
  if (ctx.bench_routes())
    add_route(*router, ctx, "/_bench/null", restinio::http_method_post(), null_route(ctx));
  router->non_matched_request_handler(fixed_reply(ctx, unmatched_route, 404, "Not Found"));
  return router;
}

}  // namespace webhookd
