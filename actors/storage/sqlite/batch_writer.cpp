#include "actors/storage/sqlite/batch_writer.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "actors/storage/sqlite/day_counts.hpp"
#include "actors/storage/sqlite/ordered_page.hpp"
#include "actors/storage/sqlite/row_key.hpp"

namespace webhookd::sqlite {

namespace {

struct batch_tally {
  std::map<std::string_view, std::int64_t> senders;
  std::map<std::int64_t, day_tally> days;
  std::string_view first_ts, last_ts;
};

}  // namespace

batch_writer::batch_writer(connection& db)
  : db_(db),
    insert_(db.prepare("INSERT INTO messages (rowid, message_id, from_msisdn, to_msisdn, ts, text, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (message_id) DO NOTHING")),
    // ORDER BY ... LIMIT 1 seeks the last rowid; MAX(rowid) over a range
    // walks the whole range (every row of that second: quadratic for a burst
    // of messages with one ts).
    last_in_second_(db.prepare("SELECT rowid FROM messages WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid DESC LIMIT 1")),
    add_to_sender_(db.prepare("INSERT INTO sender_counts (from_msisdn, message_count) VALUES (?1, ?2) "
                              "ON CONFLICT (from_msisdn) DO UPDATE SET message_count = message_count + ?2 "
                              "RETURNING message_count")),
    add_to_day_(db.prepare(add_to_day_sql())),
    add_to_totals_(db.prepare("UPDATE message_totals SET messages = messages + ?1, senders = senders + ?2, "
                              "first_ts = IFNULL(MIN(first_ts, ?3), ?3), last_ts = IFNULL(MAX(last_ts, ?4), ?4), "
                              "ingest_seq = ?5 WHERE id = 1")),
    log_arrival_(db.prepare("INSERT INTO ingest_log (seq, message_rowid) VALUES (?1, ?2)")),
    order_second_(db.prepare("INSERT INTO second_order (second, message_id, message_rowid) "
                             "SELECT ?1, message_id, rowid FROM messages WHERE rowid BETWEEN ?2 AND ?3")),
    order_row_(db.prepare("INSERT INTO second_order (second, message_id, message_rowid) VALUES (?1, ?2, ?3)")),
    clear_top_(db.prepare("DELETE FROM top_senders")),
    store_top_(db.prepare("INSERT INTO top_senders (position, from_msisdn, message_count) VALUES (?1, ?2, ?3)")),
    trim_log_(db.prepare("DELETE FROM ingest_log WHERE seq IN "
                         "(SELECT seq FROM ingest_log WHERE seq <= ?1 ORDER BY seq LIMIT ?2)")) {
  auto totals = db.prepare("SELECT messages, ingest_seq FROM message_totals WHERE id = 1");
  if (totals.step()) {
    rows_ = totals.column_int(0);
    ingest_seq_ = totals.column_int(1);
  }
  std::vector<ranked_sender> ranked;
  auto top = db.prepare("SELECT from_msisdn, message_count FROM top_senders ORDER BY position");
  while (top.step()) ranked.push_back(ranked_sender{top.column_text(0), top.column_int(1)});
  top_ = top_senders{std::move(ranked)};
}

std::int64_t batch_writer::next_sequence(std::int64_t second) {
  last_in_second_.bind(1, first_rowid(second));
  last_in_second_.bind(2, first_rowid(second + 1) - 1);
  std::int64_t next = 0;
  if (last_in_second_.step()) next = last_in_second_.column_int(0) - first_rowid(second) + 1;
  last_in_second_.reset();
  return next;
}

std::vector<store_outcome> batch_writer::write(const std::vector<const message_record*>& batch,
                                               const std::string& created_at) {
  std::vector<store_outcome> outcomes;
  outcomes.reserve(batch.size());
  std::vector<const message_record*> created;
  std::vector<std::int64_t> rowids;
  for (const message_record* rec : batch) {
    const std::int64_t second = second_of(rec->ts);
    const std::int64_t sequence = next_sequence(second);
    if (sequence >= sequences_per_second) {  // see row_key.hpp; never seen in practice
      outcomes.push_back(store_outcome::unavailable);
      continue;
    }
    const std::int64_t rowid = first_rowid(second) + sequence;
    insert_.bind(1, rowid);
    insert_.bind(2, std::string_view{rec->message_id});
    insert_.bind(3, std::string_view{rec->from});
    insert_.bind(4, std::string_view{rec->to});
    insert_.bind(5, std::string_view{rec->ts});
    insert_.bind(6, rec->text);
    insert_.bind(7, std::string_view{created_at});
    insert_.step();
    insert_.reset();
    if (db_.changes() == 1) {
      // The 64th row of a second makes it a big group (ordered_page.hpp).
      if (sequence == big_group_rows - 1) {
        order_second_.bind(1, second);
        order_second_.bind(2, first_rowid(second));
        order_second_.bind(3, rowid);
        order_second_.step();
        order_second_.reset();
      } else if (sequence >= big_group_rows) {
        order_row_.bind(1, second);
        order_row_.bind(2, std::string_view{rec->message_id});
        order_row_.bind(3, rowid);
        order_row_.step();
        order_row_.reset();
      }
      outcomes.push_back(store_outcome::created);
      created.push_back(rec);
      rowids.push_back(rowid);
    } else {
      outcomes.push_back(store_outcome::duplicate);
    }
  }
  if (!created.empty()) add_aggregates(created, rowids);
  return outcomes;
}

void batch_writer::add_aggregates(const std::vector<const message_record*>& created,
                                  const std::vector<std::int64_t>& rowids) {
  batch_tally tally;
  tally.first_ts = tally.last_ts = created.front()->ts;
  for (std::size_t i = 0; i < created.size(); ++i) {
    const message_record& rec = *created[i];
    ++tally.senders[rec.from];
    const std::int64_t second = second_of_rowid(rowids[i]);
    day_tally& day = tally.days[day_of(second)];
    ++day.rows;
    ++day.hours[static_cast<std::size_t>(hour_of(second))];
    tally.first_ts = std::min(tally.first_ts, std::string_view{rec.ts});
    tally.last_ts = std::max(tally.last_ts, std::string_view{rec.ts});
  }
  std::int64_t new_senders = 0;
  bool top_changed = false;
  for (const auto& [from, added] : tally.senders) {
    add_to_sender_.bind(1, from);
    add_to_sender_.bind(2, added);
    add_to_sender_.step();
    const std::int64_t count = add_to_sender_.column_int(0);
    add_to_sender_.reset();
    if (count == added) ++new_senders;
    top_changed = top_.offer(from, count) || top_changed;
  }
  for (const auto& [day, counts] : tally.days) {
    add_to_day_.bind(1, day);
    add_to_day_.bind(2, counts.rows);
    for (int hour = 0; hour < hours_per_day; ++hour)
      add_to_day_.bind(hour + 3, counts.hours[static_cast<std::size_t>(hour)]);
    add_to_day_.step();
    add_to_day_.reset();
  }
  for (std::int64_t rowid : rowids) {
    log_arrival_.bind(1, ++ingest_seq_);
    log_arrival_.bind(2, rowid);
    log_arrival_.step();
    log_arrival_.reset();
  }
  rows_ += static_cast<std::int64_t>(created.size());
  add_to_totals_.bind(1, static_cast<std::int64_t>(created.size()));
  add_to_totals_.bind(2, new_senders);
  add_to_totals_.bind(3, tally.first_ts);
  add_to_totals_.bind(4, tally.last_ts);
  add_to_totals_.bind(5, ingest_seq_);
  add_to_totals_.step();
  add_to_totals_.reset();
  if (top_changed) {
    clear_top_.step();
    clear_top_.reset();
    std::int64_t position = 0;
    for (const auto& sender : top_.ranked()) {
      store_top_.bind(1, ++position);
      store_top_.bind(2, std::string_view{sender.from});
      store_top_.bind(3, sender.count);
      store_top_.step();
      store_top_.reset();
    }
  }
}

bool batch_writer::trim_log(std::int64_t keep, std::int64_t at_most) {
  const std::int64_t upto = ingest_seq_ - keep;
  if (upto <= 0) return false;
  trim_log_.bind(1, upto);
  trim_log_.bind(2, at_most);
  trim_log_.step();
  trim_log_.reset();
  return db_.changes() > 0;
}

}  // namespace webhookd::sqlite
