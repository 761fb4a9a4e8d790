#include "actors/storage/postgres/batch_writer.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace webhookd::postgres {

namespace {

// One statement for the whole batch: the rows arrive as arrays, and RETURNING
// says which of them were new (ON CONFLICT DO NOTHING skips the others, also
// those another replica is committing at the same moment: it waits for that
// commit, then skips).
const std::string insert_rows =
  "INSERT INTO messages (message_id, from_msisdn, to_msisdn, ts, text, created_at) "
  "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) "
  "ON CONFLICT (message_id) DO NOTHING RETURNING message_id, from_msisdn, ts";

// (xmax = 0) is true for a row this statement inserted, false for one it
// updated: the new senders.
const std::string add_to_senders =
  "INSERT INTO sender_counts (from_msisdn, messages) SELECT * FROM unnest($1::text[], $2::bigint[]) "
  "ON CONFLICT (from_msisdn) DO UPDATE SET messages = sender_counts.messages + excluded.messages "
  "RETURNING (xmax = 0)";

// The day, hour and table counts in one statement (one round trip): every
// writer runs the same one, so each locks their rows in the same order
// (the keys of each upsert sorted).
const std::string add_to_days_hours_and_totals =
  "WITH days AS (INSERT INTO day_counts (day, messages) SELECT * FROM unnest($1::text[], $2::bigint[]) "
  "  ON CONFLICT (day) DO UPDATE SET messages = day_counts.messages + excluded.messages), "
  "hours AS (INSERT INTO hour_counts (hour, messages) SELECT * FROM unnest($3::text[], $4::bigint[]) "
  "  ON CONFLICT (hour) DO UPDATE SET messages = hour_counts.messages + excluded.messages) "
  "UPDATE message_totals SET messages = messages + $5, senders = senders + $6, "
  "first_ts = LEAST(first_ts, $7), last_ts = GREATEST(last_ts, $8)";

// Sorted keys with their counts, as the two array parameters of an upsert.
std::pair<std::string, std::string> as_arrays(const std::map<std::string_view, std::int64_t>& counts) {
  array_literal keys, values;
  for (const auto& [key, count] : counts) {
    keys.add(key);
    values.add(count);
  }
  return {keys.str(), values.str()};
}

}  // namespace

std::vector<store_outcome> write_batch(connection& db, const std::vector<const message_record*>& batch,
                                       const std::string& created_at) {
  std::vector<stamped_record> stamped;
  stamped.reserve(batch.size());
  for (const auto* r : batch) stamped.push_back({r, created_at});
  return write_stamped_batch(db, stamped);
}

std::vector<store_outcome> write_stamped_batch(connection& db, const std::vector<stamped_record>& batch) {
  // First occurrences only, sorted by message_id: the index entries are then
  // locked in the same order by every writer.
  std::vector<stamped_record> unique;
  {
    std::unordered_set<std::string_view> seen;
    for (const auto& s : batch)
      if (seen.insert(s.record->message_id).second) unique.push_back(s);
  }
  std::sort(unique.begin(), unique.end(), [](const stamped_record& a, const stamped_record& b) {
    return a.record->message_id < b.record->message_id;
  });
  array_literal ids, senders, recipients, stamps, texts, created;
  for (const auto& [r, created_at] : unique) {
    created.add(created_at);
    ids.add(r->message_id);
    senders.add(r->from);
    recipients.add(r->to);
    stamps.add(r->ts);
    if (r->text)
      texts.add(*r->text);
    else
      texts.add_null();
  }
  auto inserted =
    db.exec(insert_rows, {ids.str(), senders.str(), recipients.str(), stamps.str(), texts.str(), created.str()});

  std::unordered_set<std::string_view> created_ids;
  std::map<std::string_view, std::int64_t> per_sender, per_day, per_hour;
  std::string_view first_ts, last_ts;
  for (int row = 0; row < inserted.rows(); ++row) {
    created_ids.insert(inserted.text(row, 0));
    ++per_sender[inserted.text(row, 1)];
    const auto ts = inserted.text(row, 2);
    ++per_day[ts.substr(0, 10)];
    ++per_hour[ts.substr(0, 13)];
    if (first_ts.empty() || ts < first_ts) first_ts = ts;
    if (last_ts.empty() || ts > last_ts) last_ts = ts;
  }

  std::vector<store_outcome> outcomes;
  outcomes.reserve(batch.size());
  for (const auto& s : batch) {
    // erase: a repeat of the id later in the batch is then a duplicate.
    outcomes.push_back(created_ids.erase(s.record->message_id) > 0 ? store_outcome::created
                                                                     : store_outcome::duplicate);
  }
  if (inserted.rows() == 0) return outcomes;

  auto [sender_keys, sender_counts] = as_arrays(per_sender);
  auto upserted = db.exec(add_to_senders, {sender_keys, sender_counts});
  std::int64_t new_senders = 0;
  for (int row = 0; row < upserted.rows(); ++row) new_senders += upserted.boolean(row, 0) ? 1 : 0;
  auto [day_keys, day_counts] = as_arrays(per_day);
  auto [hour_keys, hour_counts] = as_arrays(per_hour);
  db.exec(add_to_days_hours_and_totals, {day_keys, day_counts, hour_keys, hour_counts, std::to_string(inserted.rows()),
                                         std::to_string(new_senders), first_ts, last_ts});
  return outcomes;
}

}  // namespace webhookd::postgres
