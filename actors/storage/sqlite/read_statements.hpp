// Every statement a query actor runs, prepared once per connection. The SQL
// of the read side is all here (the table layout is in schema.cpp).
#pragma once

#include "actors/storage/sqlite/connection.hpp"

namespace webhookd::sqlite {

struct read_statements {
  explicit read_statements(connection& db);

  // The read transaction around each answer.
  statement begin, commit;
  // messages, senders, first_ts, last_ts, ingest_seq
  statement totals;
  statement top_senders;   // from_msisdn, message_count, best first
  statement sender_total;  // ?1 from
  // Day counts (day_counts.hpp).
  statement day_totals;     // day, message_count of every day, in order
  statement day_hours;      // message_count, h00 .. h23 of day ?1
  statement rows_in_range;  // ?1 <= rowid < ?2
  // Rowids (keys) or whole rows (rowid, message_id, from, to, ts, text) in
  // rowid order, i.e. ts order, from ?1 (tables) or ?2 (filtered) on.
  statement table_keys, table_rows;
  // One sender's (?1), from the index of its whole rows: in page order, so
  // (ts, message_id) inside a second; ?3 is least_ts_of_rowid(?2).
  statement sender_keys, sender_rows;
  statement sender_rows_counted;  // COUNT(*) of sender_keys
  // ?3's rowids / rows in [?1, ?2), in rowid order, from the table: a second
  // with many of the sender's rows, and second 0 (a ts that is not a time),
  // whose rows the index orders by their ts string, not first.
  statement sender_second_keys, sender_second_rows;
  statement sender_second_counted;
  statement row_by_id;                 // ?1 rowid
  // A big group's rowids in page order from the ?2-th on, and its rows.
  statement second_members;            // ?1 second
  statement group_row_by_id;           // ?1 rowid
  // Rows that arrived with ingest_seq in (?1, ?2], in arrival order, with
  // their sequence number last.
  statement arrivals;
  statement oldest_arrival;  // MIN(seq) of the arrival log, 0 when empty
  statement database_id;     // storage_identity's id
  statement rowid_bounds;    // the first and the last rowid (NULL, NULL when empty)
};

// The statements on the attached text index (text_index.hpp), prepared once
// it is attached.
struct text_statements {
  explicit text_statements(connection& db);

  connection& db;
  statement state;              // database_id, indexed_seq, complete
  statement keys;               // rowids matching ?1 (a MATCH expression) in [?2, ?3]
  statement keys_counted;       // COUNT(*) of keys
};

}  // namespace webhookd::sqlite
