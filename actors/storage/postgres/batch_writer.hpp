// What the PostgreSQL storage actor does inside one transaction: insert a
// batch of messages in one statement and bring the aggregates up to date with
// it, one upsert per distinct key (sender, day) in one statement per table.
//
// Several replicas may write at once. Every statement takes its row locks in
// key order (message_id, then sender, then day, then the totals row), the
// same order in every writer, so two batches wait for each other but never
// deadlock; and each counter is updated in place (messages = messages + n), so
// the counts stay exact whichever commits first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/storage/postgres/connection.hpp"
#include "messages/records.hpp"

namespace webhookd::postgres {

// Inserts `batch` in the open transaction; one outcome per record, in order
// (a message_id already stored, or repeated inside the batch, is a
// duplicate; the first occurrence is the one stored). Every row is stamped
// `created_at`.
std::vector<store_outcome> write_batch(connection& db, const std::vector<const message_record*>& batch,
                                       const std::string& created_at);

// The same with each row's own created_at (copy-db keeps the source's).
struct stamped_record {
  const message_record* record;
  std::string_view created_at;
};
std::vector<store_outcome> write_stamped_batch(connection& db, const std::vector<stamped_record>& batch);

}  // namespace webhookd::postgres
