#include "actors/storage/sqlite/message_export.hpp"

namespace webhookd::sqlite {

message_export::message_export(const std::string& path) : db_(path, connection::mode::read_only) {
  // The primary key's index gives the order; each chunk is its own short read
  // transaction, so a writer beside us is never held up for long.
  next_ = db_.prepare(
    "SELECT message_id, from_msisdn, to_msisdn, ts, text, created_at FROM messages "
    "WHERE message_id > ?1 ORDER BY message_id LIMIT ?2");
}

std::int64_t message_export::count() {
  auto total = db_.prepare("SELECT count(*) FROM messages");
  total.step();
  return total.column_int(0);
}

std::vector<exported_message> message_export::after(const std::string& after, int limit) {
  std::vector<exported_message> chunk;
  next_.reset();
  next_.bind(1, std::string_view{after});
  next_.bind(2, static_cast<std::int64_t>(limit));
  while (next_.step()) {
    chunk.push_back(exported_message{
      message_record{next_.column_text(0), next_.column_text(1), next_.column_text(2), next_.column_text(3),
                     next_.column_optional_text(4)},
      next_.column_text(5)});
  }
  next_.reset();
  return chunk;
}

}  // namespace webhookd::sqlite
