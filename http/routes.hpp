// The HTTP routes of webhookd. Each handler validates what belongs to HTTP,
// hands the rest to an actor through a request bridge, and returns
// request_accepted(); the response is written when the actor answers.
#pragma once

#include <memory>

#include <restinio/all.hpp>
#include <restinio/router/easy_parser_router.hpp>

#include "actors/request_bridge.hpp"
#include "http/http_context.hpp"

namespace webhookd {

using router_t = restinio::router::easy_parser_router_t;

// Every known path, with 405 for other methods on it and 404 elsewhere.
std::unique_ptr<router_t> make_router(http_context& ctx);

// One handler per route, defined in the route's own file.
using route_handler = std::function<restinio::request_handling_status_t(const restinio::request_handle_t&)>;
route_handler webhook_route(http_context& ctx);
route_handler messages_route(http_context& ctx);
route_handler stats_route(http_context& ctx);
route_handler live_route(http_context& ctx);
route_handler ready_route(http_context& ctx);
route_handler metrics_route(http_context& ctx);
route_handler null_route(http_context& ctx);
route_handler debug_actors_route(http_context& ctx);

}  // namespace webhookd
