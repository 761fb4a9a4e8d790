// Metrics of the signature schemes and the WhatsApp receiver, every label
// value created at start-up (at 0). Part of service_metrics' registry.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "messages/signature_scheme.hpp"

namespace webhookd {

// Outcome of one POST /webhook/whatsapp, the `result` label and the log field.
enum class whatsapp_result {
  created,              // at least one new message stored
  duplicate,            // messages, all of them already stored
  no_messages,          // nothing to store (statuses only, or empty changes)
  invalid_signature,
  validation_error,     // not a WhatsApp notification
  body_too_large,
  storage_unavailable,
  overloaded,
};
inline constexpr std::size_t whatsapp_result_count = 8;
std::string_view to_string(whatsapp_result result);

// What happened to one message item of a notification.
enum class whatsapp_message_result { created, duplicate, rejected };
inline constexpr std::size_t whatsapp_message_result_count = 3;

// The delivery statuses Meta reports; anything else is counted as `other`.
inline constexpr std::array<std::string_view, 5> whatsapp_status_labels = {"sent", "delivered", "read",
                                                                           "failed", "other"};

class receiver_metrics {
 public:
  explicit receiver_metrics(prometheus::Registry& registry);

  // A signature that matched, by scheme and by which secret: when the
  // `previous` series stops growing, the old secret can go.
  void count_signature_match(signature_scheme scheme, secret_slot slot);
  void count_whatsapp(whatsapp_result result);
  void count_whatsapp_messages(whatsapp_message_result result, double count);
  // `status` as Meta sent it; unknown values count as "other".
  void count_whatsapp_status(std::string_view status);
  void count_whatsapp_verification(bool accepted);

 private:
  std::array<prometheus::Counter*, signature_scheme_count * secret_slot_count> signature_matches_{};
  std::array<prometheus::Counter*, whatsapp_result_count> whatsapp_requests_{};
  std::array<prometheus::Counter*, whatsapp_message_result_count> whatsapp_messages_{};
  std::array<prometheus::Counter*, whatsapp_status_labels.size()> whatsapp_statuses_{};
  prometheus::Counter* verifications_accepted_;
  prometheus::Counter* verifications_rejected_;
};

}  // namespace webhookd
