// The PostgreSQL storage actor: its process's only writer, on one connection.
//
// It runs detached (its own thread): every statement is a blocking round trip.
// Inserts are grouped as on SQLite: every store request already waiting in the
// mailbox joins one transaction, and each is answered only after COMMIT has
// returned, with synchronous_commit on, so a 200 means durably committed. A
// COMMIT whose outcome is unknown (the connection broke) is answered
// unavailable: the sender's retry is idempotent by message_id.
#pragma once

#include <chrono>
#include <string>

#include <caf/actor_system.hpp>

#include "config/config.hpp"
#include "core/json_logger.hpp"
#include "core/service_metrics.hpp"
#include "messages/interfaces.hpp"

namespace webhookd::postgres {

struct storage_settings {
  postgres_target target;
  // The longest wait between two connection attempts while the server
  // cannot be reached (the first retries come sooner).
  std::chrono::milliseconds retry_interval{1000};
};

storage_actor spawn_storage(caf::actor_system& sys, storage_settings settings, service_metrics& metrics,
                            json_logger& log);

}  // namespace webhookd::postgres
