// WhatsApp Cloud API notifications (POST bodies Meta sends to the webhook):
// {"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",
//  "value":{"metadata":{"display_phone_number":…},"messages":[…],"statuses":[…]}}]}]}
// Every entry[].changes[].value.messages[] item becomes one message record;
// statuses[] are only reported back (metrics and logs), never stored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_error.hpp"
#include "messages/records.hpp"

namespace webhookd {

struct whatsapp_status {
  std::string id;      // the wamid of the message the status is about
  std::string status;  // sent, delivered, read, failed, …
};

struct whatsapp_notification {
  std::vector<message_record> messages;  // in the order they came
  std::vector<std::string> rejected;     // ids (or "" when none) of items that cannot be stored
  std::vector<whatsapp_status> statuses;
};

struct whatsapp_parse_result {
  std::optional<whatsapp_notification> notification;  // set only when errors is empty
  std::vector<field_error> errors;                     // FastAPI's 422 shape, loc ["body", …]
};

// A message item is mapped as: id -> message_id; from (digits) -> "+<digits>";
// the change's metadata.display_phone_number (digits, with or without '+',
// spaces, dashes, dots or parentheses) -> to; timestamp (Unix seconds, a
// string) -> ts; the text by type: text.body; the caption of image, video and
// document; button.text; the title of an interactive button_reply or
// list_reply; reaction.emoji; none (NULL) for every other type. An item that
// then breaks a /webhook rule (E.164, lengths, a real ts) is rejected, not
// stored; the rest of the notification still is. Only a body that is not a
// WhatsApp notification at all is an error.
whatsapp_parse_result parse_whatsapp_notification(std::string_view raw_body);

}  // namespace webhookd
