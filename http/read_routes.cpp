// GET /messages and GET /stats: answered by a query actor.
#include <chrono>

#include "core/field_error.hpp"
#include "core/list_query.hpp"
#include "http/exchange.hpp"
#include "http/json_bodies.hpp"
#include "http/routes.hpp"
#include "messages/errors.hpp"

namespace webhookd {

// Query strings are decoded with RESTinio's relaxed rules: a raw ':' (as in
// since=2025-01-15T09:30:00Z) is accepted, '+' decodes to a space.
std::optional<std::vector<std::pair<std::string, std::string>>> decode_query(
    const restinio::request_t& req) {
  auto parsed = restinio::try_parse_query<restinio::parse_query_traits::relaxed>(req.header().query());
  if (!parsed) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> params;
  params.reserve(parsed->size());
  for (const auto& [name, value] : *parsed) params.emplace_back(std::string{name}, std::string{value});
  return params;
}

route_handler messages_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/messages", ctx);
    if (ctx.over_capacity()) {
      ex->reply_overloaded();
      return restinio::request_accepted();
    }
    auto params = decode_query(*req);
    if (!params) {
      ex->reply_detail(400, "malformed query string");
      return restinio::request_accepted();
    }
    auto parsed = parse_list_query(*params);
    if (!parsed.errors.empty()) {
      ex->reply_json(422, validation_error_body(parsed.errors));
      return restinio::request_accepted();
    }
    ctx.dispatch([ex, query = std::move(*parsed.query)](bridge_context& bc) mutable {
      // The query actor stops a read that is still running when nobody waits any more.
      query.deadline = std::chrono::steady_clock::now() + bc.deadline();
      const auto& reader = query.q ? bc.search() : bc.query();
      bc.request(reader, ex, list_atom::value, query)
        .then([ex](rendered_page& page) { ex->reply(200, std::move(page.json)); },
              [ex](caf::error& err) {
                if (is_error(err, webhookd_errc::query_interrupted) && ex->context().draining()) {
                  // Stopped by SIGTERM: answered like any request after it.
                  ex->close_after_reply();
                  ex->reply_detail(503, "shutting down");
                } else if (is_error(err, webhookd_errc::query_interrupted))
                  ex->reply_retry_later("query took too long");
                else
                  ex->reply_retry_later("storage unavailable");
              });
    });
    return restinio::request_accepted();
  };
}

route_handler stats_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/stats", ctx);
    if (ctx.over_capacity()) {
      ex->reply_overloaded();
      return restinio::request_accepted();
    }
    ctx.dispatch([ex](bridge_context& bc) {
      bc.request(bc.query(), ex, stats_atom::value)
        .then([ex](const stats_snapshot& stats) { ex->reply(200, stats_body(stats)); },
              [ex](caf::error&) { ex->reply_retry_later("storage unavailable"); });
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
