// What the storage actor does inside one transaction: insert a batch of
// messages and bring every aggregate up to date with them, one statement per
// distinct key of the batch (sender, day) rather than per row, and log the
// order the rows arrived in (what the text indexer and the query actors'
// remembered totals catch up from).
//
// Only the storage actor uses it, on its own connection, between its BEGIN
// and COMMIT. After a failed transaction the actor drops the connection and
// makes a new writer when it reopens, so the in-memory figures here (the top
// ten, the sequence number) never outlive a rollback.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage/sqlite/connection.hpp"
#include "actors/storage/sqlite/top_senders.hpp"
#include "messages/records.hpp"

namespace webhookd::sqlite {

class batch_writer {
 public:
  // Prepares its statements and reads the totals, sequence numbers and top
  // ten from `db` (the current schema must be in place).
  explicit batch_writer(connection& db);

  // Inserts `batch` in the open transaction, in order; one outcome per record
  // (a message_id already stored, or repeated inside the batch, is a
  // duplicate). Every timestamp is stamped `created_at`.
  std::vector<store_outcome> write(const std::vector<const message_record*>& batch, const std::string& created_at);

  // Forgets arrival-log entries older than `keep` entries back, at most
  // `at_most` of them; false when there was nothing to forget.
  bool trim_log(std::int64_t keep, std::int64_t at_most);

  std::int64_t rows() const { return rows_; }

 private:
  std::int64_t next_sequence(std::int64_t second);
  void add_aggregates(const std::vector<const message_record*>& created, const std::vector<std::int64_t>& rowids);

  connection& db_;
  statement insert_;
  statement last_in_second_;
  statement add_to_sender_;
  statement add_to_day_;
  statement add_to_totals_;
  statement log_arrival_;
  statement order_second_;  // a second that has just become a big group
  statement order_row_;     // one more row of a big group
  statement clear_top_;
  statement store_top_;
  statement trim_log_;
  top_senders top_;
  std::int64_t rows_ = 0;
  std::int64_t ingest_seq_ = 0;
};

}  // namespace webhookd::sqlite
