// Requests answered before the router: the stand-ins for requests the screen
// refused, and every request once the server drains for shutdown.
#include "http/exchange.hpp"
#include "http/request_head.hpp"
#include "http/routes.hpp"
#include "http/screen_refusal.hpp"

namespace webhookd {

namespace {

constexpr const char* malformed_route = "malformed";

std::string field_or_empty(const restinio::http_header_fields_t& fields, std::string_view name) {
  const auto* value = fields.try_get_field(restinio::string_view_t{name.data(), name.size()});
  return value ? *value : std::string{};
}

std::string_view without_query(std::string_view target) { return target.substr(0, target.find('?')); }

void answer_refusal(http_context& ctx, const restinio::request_handle_t& req, screen_reason reason, bool in_trailer) {
  // A refused head arrives as a stand-in naming what was sent; a refused
  // chunked body arrives as its own request with a refusal trailer.
  const auto& header = req->header();
  std::string method = in_trailer ? std::string{header.method().c_str()} : field_or_empty(header, refused_method_field);
  std::string target = in_trailer ? std::string{header.request_target()} : field_or_empty(header, refused_target_field);
  std::string path{without_query(target)};
  // A body over a limit is no protocol error: it counts under its route.
  std::string route = reason == screen_reason::body_too_large ? route_label_of(ctx, path) : malformed_route;
  auto ex = std::make_shared<exchange>(req, route, ctx);
  ex->describe_as(method, path, is_known_method(method) ? method : "other");
  ex->close_after_reply();
  if (route == "/webhook" && method == "POST")
    return finish_webhook_detail(ex, webhook_result::body_too_large, status_of(reason), detail_of(reason));
  ex->reply_detail(status_of(reason), detail_of(reason));
}

void answer_draining(http_context& ctx, const restinio::request_handle_t& req) {
  auto route = route_label_of(ctx, req->header().path());
  auto ex = std::make_shared<exchange>(req, route, ctx);
  ex->close_after_reply();
  if (route == "/health/ready")
    return ex->reply_json(503, {{"status", "not ready"}, {"reasons", {"shutting down"}}});
  ex->reply_detail(503, "shutting down");
}

}  // namespace

bool answer_before_routing(http_context& ctx, const restinio::request_handle_t& req) {
  const auto refused_name = restinio::string_view_t{refused_field.data(), refused_field.size()};
  const std::string* token = req->header().try_get_field(refused_name);
  bool in_trailer = false;
  if (!token && req->chunked_input_info()) {
    token = req->chunked_input_info()->trailing_fields().try_get_field(refused_name);
    in_trailer = token != nullptr;
  }
  if (token) {
    answer_refusal(ctx, req, reason_from_token(*token).value_or(screen_reason::malformed_request_line), in_trailer);
    return true;
  }
  if (ctx.draining()) {
    answer_draining(ctx, req);
    return true;
  }
  return false;
}

}  // namespace webhookd
