// webhookd's actors all live in one process, so the record types travel in
// messages without serialisation: whitelist them for CAF instead of writing
// inspect() overloads nobody would call.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/records.hpp"

namespace webhookd {
class bridge_context;
// A unit of work the request bridge runs inside its actor context.
using bridge_task = std::function<void(bridge_context&)>;
using shared_body = std::shared_ptr<const std::string>;
}  // namespace webhookd

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::message_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::store_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<webhookd::message_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<webhookd::store_outcome>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::message_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::rendered_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::stats_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::storage_health)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::signature_check)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::signature_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::bridge_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(webhookd::shared_body)
