#include "core/receiver_metrics.hpp"

#include <string>

namespace webhookd {

namespace {

constexpr std::array<whatsapp_result, whatsapp_result_count> all_whatsapp_results = {
  whatsapp_result::created,           whatsapp_result::duplicate,
  whatsapp_result::no_messages,       whatsapp_result::invalid_signature,
  whatsapp_result::validation_error,  whatsapp_result::body_too_large,
  whatsapp_result::storage_unavailable, whatsapp_result::overloaded,
};

constexpr std::array<std::string_view, whatsapp_message_result_count> message_result_labels = {
  "created", "duplicate", "rejected"};

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry, const char* name,
                                                        const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

std::string_view to_string(whatsapp_result result) {
  switch (result) {
    case whatsapp_result::created: return "created";
    case whatsapp_result::duplicate: return "duplicate";
    case whatsapp_result::no_messages: return "no_messages";
    case whatsapp_result::invalid_signature: return "invalid_signature";
    case whatsapp_result::validation_error: return "validation_error";
    case whatsapp_result::body_too_large: return "body_too_large";
    case whatsapp_result::storage_unavailable: return "storage_unavailable";
    case whatsapp_result::overloaded: return "overloaded";
  }
  return "unknown";
}

receiver_metrics::receiver_metrics(prometheus::Registry& registry) {
  auto& matches = counter_family(registry, "webhook_signature_matches_total",
                                 "Valid signatures by scheme and by the secret that matched (current, or previous during a rotation).");
  for (std::size_t scheme = 0; scheme < signature_scheme_count; ++scheme)
    for (std::size_t slot = 0; slot < secret_slot_count; ++slot)
      signature_matches_[scheme * secret_slot_count + slot] = &matches.Add(
        {{"scheme", std::string{to_string(static_cast<signature_scheme>(scheme))}},
         {"secret", std::string{to_string(static_cast<secret_slot>(slot))}}});

  auto& requests = counter_family(registry, "whatsapp_requests_total", "POST /webhook/whatsapp requests by outcome.");
  for (auto result : all_whatsapp_results)
    whatsapp_requests_[static_cast<std::size_t>(result)] = &requests.Add({{"result", std::string{to_string(result)}}});

  auto& messages = counter_family(registry, "whatsapp_messages_total",
                                  "Message items of WhatsApp notifications: stored, already stored, or not storable.");
  for (std::size_t i = 0; i < message_result_labels.size(); ++i)
    whatsapp_messages_[i] = &messages.Add({{"result", std::string{message_result_labels[i]}}});

  auto& statuses = counter_family(registry, "whatsapp_statuses_total",
                                  "Delivery statuses in WhatsApp notifications (counted and logged, not stored).");
  for (std::size_t i = 0; i < whatsapp_status_labels.size(); ++i)
    whatsapp_statuses_[i] = &statuses.Add({{"status", std::string{whatsapp_status_labels[i]}}});

  auto& verifications = counter_family(registry, "whatsapp_verifications_total",
                                       "GET /webhook/whatsapp subscription handshakes by result.");
  verifications_accepted_ = &verifications.Add({{"result", "accepted"}});
  verifications_rejected_ = &verifications.Add({{"result", "rejected"}});
}

void receiver_metrics::count_signature_match(signature_scheme scheme, secret_slot slot) {
  signature_matches_[static_cast<std::size_t>(scheme) * secret_slot_count + static_cast<std::size_t>(slot)]
    ->Increment();
}

void receiver_metrics::count_whatsapp(whatsapp_result result) {
  whatsapp_requests_[static_cast<std::size_t>(result)]->Increment();
}

void receiver_metrics::count_whatsapp_messages(whatsapp_message_result result, double count) {
  if (count > 0) whatsapp_messages_[static_cast<std::size_t>(result)]->Increment(count);
}

void receiver_metrics::count_whatsapp_status(std::string_view status) {
  std::size_t index = whatsapp_status_labels.size() - 1;  // "other"
  for (std::size_t i = 0; i + 1 < whatsapp_status_labels.size(); ++i)
    if (whatsapp_status_labels[i] == status) index = i;
  whatsapp_statuses_[index]->Increment();
}

void receiver_metrics::count_whatsapp_verification(bool accepted) {
  (accepted ? verifications_accepted_ : verifications_rejected_)->Increment();
}

}  // namespace webhookd
