// POST /webhook: secret configured → body size → signature (verifier actor)
// → payload validation → store (storage actor). The first failing check
// decides the answer; nothing is stored unless all pass.
#include "core/field_error.hpp"
#include "core/webhook_payload.hpp"
#include "http/exchange.hpp"
#include "http/routes.hpp"

namespace webhookd {

namespace {

void finish(const exchange_ptr& ex, webhook_result result, int status, const nlohmann::json& body) {
  auto& fields = ex->log_fields();
  fields["dup"] = result == webhook_result::duplicate;
  fields["result"] = std::string{to_string(result)};
  ex->context().metrics().count_webhook(result);
  ex->reply_json(status, body);
}

void finish_detail(const exchange_ptr& ex, webhook_result result, int status, std::string_view detail) {
  finish(ex, result, status, nlohmann::json{{"detail", detail}});
}

void finish_overloaded(const exchange_ptr& ex) {
  auto& fields = ex->log_fields();
  fields["dup"] = false;
  fields["result"] = std::string{to_string(webhook_result::overloaded)};
  ex->context().metrics().count_webhook(webhook_result::overloaded);
  ex->reply_overloaded();
}

// The id is logged even when the request fails, to help trace a sender's
// problem; an over-long one (possible on a 422) is cut to the valid maximum.
void note_message_id(const exchange_ptr& ex, const webhook_parse_result& parsed) {
  constexpr std::size_t max_logged_id = 256;
  if (parsed.message_id) ex->log_fields()["message_id"] = parsed.message_id->substr(0, max_logged_id);
}

void store(bridge_context& bc, const exchange_ptr& ex, message_record record) {
  bc.request(bc.storage(), ex, store_atom::value, std::move(record))
    .then(
      [ex](store_outcome outcome) {
        switch (outcome) {
          case store_outcome::created:
            return finish(ex, webhook_result::created, 200, {{"status", "ok"}});
          case store_outcome::duplicate:
            return finish(ex, webhook_result::duplicate, 200, {{"status", "ok"}});
          case store_outcome::unavailable:
            break;
        }
        finish_detail(ex, webhook_result::storage_unavailable, 503, "storage unavailable");
      },
      [ex](caf::error&) {
        finish_detail(ex, webhook_result::storage_unavailable, 503, "storage unavailable");
      });
}

void verify_then_store(bridge_context& bc, const exchange_ptr& ex, std::string signature) {
  auto body = ex->shared_body();
  bc.request(bc.verifier(), ex, verify_atom::value, body, std::move(signature))
    .then(
      [ex, body, bc = &bc](bool valid) {
        auto parsed = parse_webhook_payload(*body);
        note_message_id(ex, parsed);
        if (!valid) {
          ex->raise_log_level(log_level::error);
          return finish_detail(ex, webhook_result::invalid_signature, 401, "invalid signature");
        }
        if (!parsed.errors.empty())
          return finish(ex, webhook_result::validation_error, 422,
                        validation_error_body(parsed.errors));
        store(*bc, ex, std::move(*parsed.record));
      },
      // The verifier did not answer in time: only under overload.
      [ex](caf::error&) { finish_overloaded(ex); });
}

}  // namespace

route_handler webhook_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/webhook", ctx);
    if (!ctx.secret_configured()) {
      finish_detail(ex, webhook_result::not_configured, 503, "webhook secret not configured");
      return restinio::request_accepted();
    }
    if (req->body().size() > max_webhook_body) {
      finish_detail(ex, webhook_result::body_too_large, 413, "request body too large");
      return restinio::request_accepted();
    }
    if (ctx.over_capacity()) {
      finish_overloaded(ex);
      return restinio::request_accepted();
    }
    std::string signature;
    if (const auto* field = req->header().try_get_field("X-Signature")) signature = *field;
    ctx.dispatch([ex, signature = std::move(signature)](bridge_context& bc) mutable {
      verify_then_store(bc, ex, std::move(signature));
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
