#include "actors/storage/postgres/message_import.hpp"

#include <algorithm>

#include "actors/storage/postgres/schema.hpp"

namespace webhookd::postgres {

message_import::message_import(const std::string& conninfo, std::string source)
  : db_(conninfo), source_(std::move(source)) {
  db_.exec("SET synchronous_commit = on");
  migrate_schema(db_);
  // Kept beside the data: only copy-db reads or writes it.
  db_.exec(
    "CREATE TABLE IF NOT EXISTS webhookd_copy_progress (source text PRIMARY KEY, last_message_id text NOT NULL, "
    "rows_copied bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())");
  auto found = db_.exec("SELECT last_message_id, rows_copied FROM webhookd_copy_progress WHERE source = $1",
                        {std::string_view{source_}});
  if (found.rows() > 0) {
    resume_after_ = std::string(found.text(0, 0));
    copied_before_ = found.integer(0, 1);
  }
}

std::int64_t message_import::commit_chunk(const std::vector<stamped_record>& chunk, const std::string& last_id,
                                          std::int64_t copied) {
  try {
    db_.exec("BEGIN");
    const auto outcomes = write_stamped_batch(db_, chunk);
    db_.exec(
      "INSERT INTO webhookd_copy_progress (source, last_message_id, rows_copied) VALUES ($1, $2, $3) "
      "ON CONFLICT (source) DO UPDATE SET last_message_id = excluded.last_message_id, "
      "rows_copied = excluded.rows_copied, updated_at = now()",
      {std::string_view{source_}, std::string_view{last_id}, std::to_string(copied)});
    db_.exec("COMMIT");
    return std::count(outcomes.begin(), outcomes.end(), store_outcome::created);
  } catch (const error&) {
    db_.rollback_if_active();
    throw;
  }
}

}  // namespace webhookd::postgres
