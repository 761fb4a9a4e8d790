// Plain data carried in actor messages. Every type here is local-only (never
// serialised across a network), so each is whitelisted for CAF in
// messages/message_types.hpp instead of getting an inspect() overload.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messages/signature_scheme.hpp"
#include "messages/string_pool.hpp"

namespace webhookd {

// One validated inbound message, exactly as it will be stored.
struct message_record {
  std::string message_id;
  std::string from;
  std::string to;
  std::string ts;                   // canonical YYYY-MM-DDTHH:MM:SSZ
  std::optional<std::string> text;  // nullopt is stored as NULL
};

// What the storage actor did with one insert request.
enum class store_outcome : std::uint8_t {
  created,      // a new row was committed
  duplicate,    // the message_id was already stored; nothing changed
  unavailable,  // the database could not be written; nothing was stored
};

// Filters for GET /messages, already validated and normalised.
struct message_query {
  int limit = 50;
  std::int64_t offset = 0;
  std::optional<std::string> from;   // exact sender match
  std::optional<std::string> since;  // canonical UTC timestamp lower bound
  std::optional<std::string> q;      // literal, case-insensitive substring
  // Past this point nobody waits for the answer: a read still running then is
  // stopped (the request bridge's deadline).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// A GET /messages answer, already rendered as its JSON body by the query
// actor.
struct rendered_page {
  pooled_string json;  // goes back to page_buffers() once RESTinio has written it
  std::int64_t total = 0;
};

struct sender_count {
  std::string from;
  std::int64_t count = 0;
};

struct stats_snapshot {
  std::int64_t total_messages = 0;
  std::int64_t senders_count = 0;
  std::vector<sender_count> messages_per_sender;  // top 10
  std::optional<std::string> first_message_ts;
  std::optional<std::string> last_message_ts;
};

// A request's signature as received, for a verifier.
struct signature_check {
  signature_scheme scheme = signature_scheme::x_signature;
  std::shared_ptr<const std::string> body;  // the raw bytes, shared with the request
  std::string signature;                    // the scheme's signature header
  std::string webhook_id;                   // Standard Webhooks only
  std::string webhook_timestamp;            // Standard Webhooks only
};

struct signature_verdict {
  bool valid = false;
  secret_slot slot = secret_slot::current;  // meaningful only when valid
};

// The storage actor's view of its own health, for /health/ready.
struct storage_health {
  bool ready = false;
  std::string reason;  // empty when ready
};

}  // namespace webhookd
