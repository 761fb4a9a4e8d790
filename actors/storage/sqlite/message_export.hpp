// Reads every message of a SQLite database (ours, or the FastAPI service's,
// which has only `messages`) in message_id order, a chunk at a time, for
// `webhookd copy-db`. Read-only: the source may be in use by a running service.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage/sqlite/connection.hpp"
#include "messages/records.hpp"

namespace webhookd::sqlite {

struct exported_message {
  message_record record;
  std::string created_at;
};

class message_export {
 public:
  // Throws sqlite::error when the file cannot be opened or has no messages table.
  explicit message_export(const std::string& path);

  std::int64_t count();
  // Up to `limit` messages whose message_id sorts after `after` (byte order),
  // in that order; an empty `after` starts at the beginning.
  std::vector<exported_message> after(const std::string& after, int limit);

 private:
  connection db_;
  statement next_;
};

}  // namespace webhookd::sqlite
