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

// Every route: its path, its one method, its handler.
struct route_entry {
  const char* path;
  restinio::http_method_id_t method;
  route_handler (*handler)(http_context&);
  bool enabled;
};

std::vector<route_entry> routes_of(const http_context& ctx) {
  return {
    {"/webhook", restinio::http_method_post(), webhook_route, true},
    {"/messages", restinio::http_method_get(), messages_route, true},
    {"/stats", restinio::http_method_get(), stats_route, true},
    {"/health/live", restinio::http_method_get(), live_route, true},
    {"/health/ready", restinio::http_method_get(), ready_route, true},
    {"/metrics", restinio::http_method_get(), metrics_route, true},
    {"/openapi.json", restinio::http_method_get(), openapi_route, true},
    {"/debug/actors", restinio::http_method_get(), debug_actors_route, ctx.debug_endpoints()},
    {"/_bench/null", restinio::http_method_post(), null_route, ctx.bench_routes()},
  };
}

// A path with a GET and a POST handler of its own, 405 for other methods.
void add_get_post_route(router_t& router, http_context& ctx, const char* path, route_handler get,
                        route_handler post) {
  router.add_handler(restinio::http_method_get(), epr::path_to_params(restinio::easy_parser::exact(path)), get);
  router.add_handler(restinio::http_method_post(), epr::path_to_params(restinio::easy_parser::exact(path)), post);
  router.add_handler(restinio::router::none_of_methods(restinio::http_method_get(), restinio::http_method_post()),
                     epr::path_to_params(restinio::easy_parser::exact(path)),
                     fixed_reply(ctx, path, 405, "Method Not Allowed"));
}

}  // namespace

std::unique_ptr<router_t> make_router(http_context& ctx) {
  auto router = std::make_unique<router_t>();
  for (const auto& route : routes_of(ctx))
    if (route.enabled) add_route(*router, ctx, route.path, route.method, route.handler(ctx));
  if (ctx.docs_endpoints())
    for (auto& [path, handler] : docs_routes(ctx)) add_route(*router, ctx, path, restinio::http_method_get(), handler);
  if (ctx.whatsapp_configured())
    add_get_post_route(*router, ctx, whatsapp_path, whatsapp_verify_route(ctx), whatsapp_notification_route(ctx));
  router->non_matched_request_handler(fixed_reply(ctx, unmatched_route, 404, "Not Found"));
  return router;
}

std::string route_label_of(const http_context& ctx, std::string_view path) {
  // The router ignores one trailing slash.
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& route : routes_of(ctx))
    if (route.enabled && path == route.path) return route.path;
  if (ctx.whatsapp_configured() && path == whatsapp_path) return whatsapp_path;
  if (ctx.docs_endpoints()) {
    if (path == "/docs" || path == "/redoc") return std::string{path};
    if (path.substr(0, 6) == "/docs/") return "/docs/{asset}";
  }
  return unmatched_route;
}

}  // namespace webhookd
