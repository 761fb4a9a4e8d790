// POST /webhook: secret configured → body size → signature (verifier actor:
// X-Signature, or Standard Webhooks when webhook-signature is present) →
// payload validation → store (storage actor). The first failing check
// decides the answer; nothing is stored unless all pass.
#include "core/field_error.hpp"
#include "core/signature.hpp"
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
  // The sender's retry is what recovers a message the store could not take.
  std::optional<std::string> retry_after;
  if (result == webhook_result::storage_unavailable) retry_after = "1";
  ex->reply_json(status, body, std::move(retry_after));
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
        finish_webhook_detail(ex, webhook_result::storage_unavailable, 503, "storage unavailable");
      },
      [ex](caf::error&) {
        finish_webhook_detail(ex, webhook_result::storage_unavailable, 503, "storage unavailable");
      });
}

void verify_then_store(bridge_context& bc, const exchange_ptr& ex, signature_check check) {
  auto body = check.body;
  auto scheme = check.scheme;
  bc.request(bc.verifier(), ex, verify_atom::value, std::move(check))
    .then(
      [ex, body, scheme, bc = &bc](const signature_verdict& verdict) {
        auto parsed = parse_webhook_payload(*body);
        note_message_id(ex, parsed);
        if (verdict.valid) ex->context().metrics().receivers().count_signature_match(scheme, verdict.slot);
        if (!verdict.valid) {
          ex->raise_log_level(log_level::error);
          return finish_webhook_detail(ex, webhook_result::invalid_signature, 401, "invalid signature");
        }
        if (!parsed.errors.empty())
          return finish(ex, webhook_result::validation_error, 422,
                        validation_error_body(parsed.errors));
        store(*bc, ex, std::move(*parsed.record));
      },
      // The verifier did not answer in time: only under overload.
      [ex](caf::error&) { finish_overloaded(ex); });
}

// Standard Webhooks when the request carries its signature header, the seed's
// X-Signature otherwise: every X-Signature field, trimmed, and all the same
// value (signature_from_fields), else nothing that could match.
signature_check signature_of(const restinio::request_t& req, shared_body body) {
  signature_check check;
  check.body = std::move(body);
  if (req.header().has_field("webhook-signature")) {
    check.scheme = signature_scheme::standard_webhooks;
    check.signature = header_value(req, "webhook-signature");
    check.webhook_id = header_value(req, "webhook-id");
    check.webhook_timestamp = header_value(req, "webhook-timestamp");
  } else {
    std::vector<std::string_view> fields;
    req.header().for_each_value_of("X-Signature", [&](restinio::string_view_t value) {
      fields.emplace_back(value.data(), value.size());
      return restinio::http_header_fields_t::continue_enumeration();
    });
    check.signature = signature_from_fields(fields);
  }
  return check;
}

}  // namespace

std::string header_value(const restinio::request_t& req, std::string_view name) {
  const auto* field = req.header().try_get_field(name);
  return field != nullptr ? *field : std::string{};
}

void finish_webhook_detail(const exchange_ptr& ex, webhook_result result, int status, std::string_view detail) {
  finish(ex, result, status, nlohmann::json{{"detail", detail}});
}

route_handler webhook_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, "/webhook", ctx);
    if (!ctx.secret_configured()) {
      finish_webhook_detail(ex, webhook_result::not_configured, 503, "webhook secret not configured");
      return restinio::request_accepted();
    }
    if (req->body().size() > max_webhook_body) {
      finish_webhook_detail(ex, webhook_result::body_too_large, 413, "request body too large");
      return restinio::request_accepted();
    }
    if (ctx.over_capacity()) {
      finish_overloaded(ex);
      return restinio::request_accepted();
    }
    ctx.dispatch([ex, check = signature_of(*req, ex->shared_body())](bridge_context& bc) mutable {
      verify_then_store(bc, ex, std::move(check));
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
