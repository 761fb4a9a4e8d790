// The WhatsApp Cloud API receiver, /webhook/whatsapp (only when
// WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN are set; 404 otherwise):
// GET is Meta's subscription handshake, POST a signed notification whose
// messages are stored in one group commit.
#include <cctype>
#include <map>

#include "core/signature.hpp"
#include "core/whatsapp_notification.hpp"
#include "http/exchange.hpp"
#include "http/routes.hpp"

namespace webhookd {

namespace {


// Meta's challenge is a number; anything outside URL-unreserved characters is
// refused rather than echoed back.
bool is_plain_challenge(const std::string& challenge) {
  constexpr std::size_t max_challenge = 256;
  if (challenge.empty() || challenge.size() > max_challenge) return false;
  for (unsigned char c : challenge)
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')) return false;
  return true;
}

// Equal tokens, compared as digests so that neither the position of a
// difference nor the token's length shows in the time taken.
bool token_matches(const std::string& given, const std::string& expected) {
  constexpr std::string_view key = "webhookd verify token";
  return digests_equal(hmac_sha256(key, given), hmac_sha256(key, expected));
}

struct notification_counts {
  std::size_t created = 0;
  std::size_t duplicate = 0;
  std::size_t rejected = 0;
  std::size_t statuses = 0;
};

void note_result(const exchange_ptr& ex, whatsapp_result result) {
  ex->log_fields()["result"] = std::string{to_string(result)};
  ex->context().metrics().receivers().count_whatsapp(result);
}

void finish(const exchange_ptr& ex, whatsapp_result result, int status, const nlohmann::json& body) {
  note_result(ex, result);
  std::optional<std::string> retry_after;
  if (result == whatsapp_result::storage_unavailable) retry_after = "1";
  ex->reply_json(status, body, std::move(retry_after));
}

void finish_detail(const exchange_ptr& ex, whatsapp_result result, int status, std::string_view detail) {
  finish(ex, result, status, {{"detail", detail}});
}

void finish_stored(const exchange_ptr& ex, const notification_counts& counts) {
  auto& fields = ex->log_fields();
  fields["created"] = counts.created;
  fields["duplicate"] = counts.duplicate;
  fields["rejected"] = counts.rejected;
  auto& metrics = ex->context().metrics().receivers();
  metrics.count_whatsapp_messages(whatsapp_message_result::created, static_cast<double>(counts.created));
  metrics.count_whatsapp_messages(whatsapp_message_result::duplicate, static_cast<double>(counts.duplicate));
  metrics.count_whatsapp_messages(whatsapp_message_result::rejected, static_cast<double>(counts.rejected));
  auto result = counts.created > 0     ? whatsapp_result::created
                : counts.duplicate > 0 ? whatsapp_result::duplicate
                                       : whatsapp_result::no_messages;
  note_result(ex, result);
  nlohmann::ordered_json body;  // in the order the README and the document show
  body["status"] = "ok";
  body["created"] = counts.created;
  body["duplicate"] = counts.duplicate;
  body["rejected"] = counts.rejected;
  body["statuses"] = counts.statuses;
  ex->reply(200, body.dump());
}

// Statuses are counted and logged (on the request's one line), not stored.
void note_statuses(const exchange_ptr& ex, const std::vector<whatsapp_status>& statuses) {
  if (statuses.empty()) return;
  std::map<std::string, int> by_status;
  for (const auto& s : statuses) {
    ex->context().metrics().receivers().count_whatsapp_status(s.status);
    ++by_status[s.status.substr(0, 32)];
  }
  ex->log_fields()["statuses"] = by_status;
}

// Rejected items are logged by id (cut, and at most 20), so a sender's
// problem can be traced.
void note_rejected(const exchange_ptr& ex, const std::vector<std::string>& rejected) {
  if (rejected.empty()) return;
  constexpr std::size_t max_logged = 20;
  auto ids = nlohmann::json::array();
  for (std::size_t i = 0; i < rejected.size() && i < max_logged; ++i) ids.push_back(rejected[i].substr(0, 256));
  ex->log_fields()["rejected_ids"] = std::move(ids);
  ex->raise_log_level(log_level::warning);
}

void store(bridge_context& bc, const exchange_ptr& ex, std::vector<message_record> records,
           notification_counts counts) {
  bc.request(bc.storage(), ex, store_atom::value, std::move(records))
    .then(
      [ex, counts](const std::vector<store_outcome>& outcomes) mutable {
        for (auto outcome : outcomes) {
          if (outcome == store_outcome::unavailable)
            return finish_detail(ex, whatsapp_result::storage_unavailable, 503, "storage unavailable");
          ++(outcome == store_outcome::created ? counts.created : counts.duplicate);
        }
        finish_stored(ex, counts);
      },
      [ex](caf::error&) { finish_detail(ex, whatsapp_result::storage_unavailable, 503, "storage unavailable"); });
}

void verify_then_store(bridge_context& bc, const exchange_ptr& ex, signature_check check) {
  auto body = check.body;
  bc.request(bc.verifier(), ex, verify_atom::value, std::move(check))
    .then(
      [ex, body, bc = &bc](const signature_verdict& verdict) {
        if (!verdict.valid) {
          ex->raise_log_level(log_level::error);
          return finish_detail(ex, whatsapp_result::invalid_signature, 401, "invalid signature");
        }
        ex->context().metrics().receivers().count_signature_match(signature_scheme::whatsapp, verdict.slot);
        auto parsed = parse_whatsapp_notification(*body);
        if (!parsed.errors.empty())
          return finish(ex, whatsapp_result::validation_error, 422, validation_error_body(parsed.errors));
        auto& notification = *parsed.notification;
        note_statuses(ex, notification.statuses);
        note_rejected(ex, notification.rejected);
        notification_counts counts;
        counts.rejected = notification.rejected.size();
        counts.statuses = notification.statuses.size();
        if (notification.messages.empty()) return finish_stored(ex, counts);
        store(*bc, ex, std::move(notification.messages), counts);
      },
      // The verifier did not answer in time: only under overload.
      [ex](caf::error&) {
        note_result(ex, whatsapp_result::overloaded);
        ex->reply_overloaded();
      });
}

}  // namespace

route_handler whatsapp_verify_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, whatsapp_path, ctx);
    std::map<std::string, std::string> hub;
    if (auto params = decode_query(*req))
      for (auto& [name, value] : *params) hub[name] = std::move(value);
    const bool accepted = hub["hub.mode"] == "subscribe" &&
                          token_matches(hub["hub.verify_token"], ctx.whatsapp_verify_token()) &&
                          is_plain_challenge(hub["hub.challenge"]);
    ctx.metrics().receivers().count_whatsapp_verification(accepted);
    if (accepted)
      ex->reply(200, hub["hub.challenge"], "text/plain; charset=utf-8");
    else
      ex->reply_detail(403, "verification failed");
    return restinio::request_accepted();
  };
}

route_handler whatsapp_notification_route(http_context& ctx) {
  return [&ctx](const restinio::request_handle_t& req) {
    auto ex = std::make_shared<exchange>(req, whatsapp_path, ctx);
    if (req->body().size() > ctx.whatsapp_max_body()) {
      finish_detail(ex, whatsapp_result::body_too_large, 413, "request body too large");
      return restinio::request_accepted();
    }
    if (ctx.over_capacity()) {
      note_result(ex, whatsapp_result::overloaded);
      ex->reply_overloaded();
      return restinio::request_accepted();
    }
    signature_check check;
    check.scheme = signature_scheme::whatsapp;
    check.body = ex->shared_body();
    check.signature = header_value(*req, "X-Hub-Signature-256");
    ctx.dispatch([ex, check = std::move(check)](bridge_context& bc) mutable {
      verify_then_store(bc, ex, std::move(check));
    });
    return restinio::request_accepted();
  };
}

}  // namespace webhookd
