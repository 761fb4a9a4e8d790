// The HTTP routes of webhookd. Each handler validates what belongs to HTTP,
// hands the rest to an actor through a request bridge, and returns
// request_accepted(); the response is written when the actor answers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <restinio/all.hpp>
#include <restinio/router/easy_parser_router.hpp>

#include "actors/request_bridge.hpp"
#include "http/http_context.hpp"

namespace webhookd {

using router_t = restinio::router::easy_parser_router_t;

// Every known path, with 405 for other methods on it and 404 elsewhere.
std::unique_ptr<router_t> make_router(http_context& ctx);
// The metric label of `path`: its route, or "unmatched".
std::string route_label_of(const http_context& ctx, std::string_view path);

// Answers what the router must not see: a request the screen refused
// (http/screen_refusal.hpp) and, once draining, every request. True when it
// answered.
bool answer_before_routing(http_context& ctx, const restinio::request_handle_t& req);

// The WhatsApp Cloud API receiver's path (http/whatsapp_routes.cpp).
inline constexpr const char* whatsapp_path = "/webhook/whatsapp";

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
route_handler openapi_route(http_context& ctx);
// (path, GET handler) of /docs, /redoc and their files.
std::vector<std::pair<const char*, route_handler>> docs_routes(http_context& ctx);
route_handler whatsapp_verify_route(http_context& ctx);
route_handler whatsapp_notification_route(http_context& ctx);

// The value of a request header, empty when absent.
std::string header_value(const restinio::request_t& req, std::string_view name);

// Query parameters decoded with RESTinio's relaxed rules (a raw ':' is
// accepted, '+' decodes to a space); nullopt for a broken '%' escape.
std::optional<std::vector<std::pair<std::string, std::string>>> decode_query(const restinio::request_t& req);

class exchange;
// The end of a POST /webhook: counts `result`, logs it (with dup) and answers {"detail": detail}.
void finish_webhook_detail(const std::shared_ptr<exchange>& ex, webhook_result result, int status,
                           std::string_view detail);

}  // namespace webhookd
